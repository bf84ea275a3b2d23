"""Shared generators for the differential tests (seeded, so failures reproduce)."""

import zlib

import numpy as np
import pandas as pd
import pytest


def ids(n: int, rng: np.random.Generator) -> pd.Index:
    """Unsorted string ids, like Numerai's."""
    return pd.Index([f"n{v:08x}" for v in rng.permutation(n * 7)[:n]], name="id")


def predictions(n: int, k: int, rng: np.random.Generator, ties: bool = False) -> pd.DataFrame:
    values = rng.random((n, k))
    if ties:
        values = np.round(values * 10) / 10
    return pd.DataFrame(values, index=ids(n, rng), columns=[f"model_{j}" for j in range(k)])


def target(index: pd.Index, rng: np.random.Generator, dtype=np.float64, nan_share=0.0) -> pd.Series:
    values = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], size=len(index)).astype(dtype)
    if nan_share:
        values[rng.random(len(index)) < nan_share] = np.nan
    return pd.Series(values, index=index, name="target")


def features(index: pd.Index, f: int, rng: np.random.Generator, deficient: bool = False) -> pd.DataFrame:
    values = rng.integers(0, 5, size=(len(index), f)).astype(np.int8)
    frame = pd.DataFrame(values, index=index, columns=[f"feature_{j:04d}" for j in range(f)])
    if deficient and f >= 3:
        frame.iloc[:, 1] = frame.iloc[:, 0]  # duplicate
        frame.iloc[:, 2] = 2  # constant
    return frame


def raises_same(fn_es, fn_ref, *args) -> None:
    """Both functions refuse `args` (each given its own copies) with the same AssertionError."""
    with pytest.raises(AssertionError) as want:
        fn_ref(*[a.copy() if hasattr(a, "copy") else a for a in args])
    with pytest.raises(AssertionError) as got:
        fn_es(*[a.copy() if hasattr(a, "copy") else a for a in args])
    assert str(got.value) == str(want.value)


@pytest.fixture
def rng(request) -> np.random.Generator:
    # crc32, not hash(): str hashes are salted per process (PYTHONHASHSEED), so a failing
    # test's data would not come back on the next run.
    return np.random.default_rng(zlib.crc32(request.node.name.encode()))
