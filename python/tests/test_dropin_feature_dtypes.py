"""Features in any dtype: float or wider integer copies of int8 features take the int8 path
and give its numbers bit for bit; a single value that is not an int8 sends the whole matrix
to the float64 path, which still agrees with numerai-tools 0.7.2."""

import warnings

import numpy as np
import pandas as pd
import pytest

from numerai_tools import scoring as ref

from erascore import _erascore as _rs
from erascore.numerai_tools import scoring as es
from erascore.numerai_tools.scoring import _matrix

ROWS, FEATURES = 257, 37
DTYPES = [np.float32, np.float64, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint64]


def era(seed=3, low=0, high=5):
    rng = np.random.default_rng(seed)
    index = pd.Index([f"id{i:04d}" for i in range(ROWS)], name="id")
    values = rng.integers(low, high, size=(ROWS, FEATURES), dtype=np.int8)
    values[:, 5] = values[:, 2]  # a duplicate feature: dropped from the factorization
    # Fortran order, as pandas holds a frame of one dtype read from parquet.
    feats = pd.DataFrame(
        np.asfortranarray(values), index=index, columns=[f"feature_{j}" for j in range(FEATURES)]
    )
    preds = pd.DataFrame(
        {"a": rng.random(ROWS), "b": rng.random(ROWS)}, index=index
    )
    target = pd.Series(rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], ROWS), index=index, name="target")
    meta = pd.Series(rng.random(ROWS), index=index, name="meta")
    return preds, feats, target, meta


def results(preds, feats, target, meta):
    """Every drop-in function that takes features or neutralizers."""
    return [
        es.feature_neutral_corr(preds, feats, target),
        es.feature_neutral_corr(preds, feats, target, top_bottom=40),
        es.neutralize(preds, feats, proportion=0.5),
        es.neutral_correlation(preds, feats, target),
        es.neutral_contribution(preds, meta, feats, target),
        pd.Series(es.max_feature_correlation(preds["a"], feats)),
    ]


def assert_identical(got, want):
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(g, dtype=object), np.asarray(w, dtype=object))


@pytest.mark.parametrize("low,high", [(0, 5), (-2, 3)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_copies_of_int8_features_give_the_int8_numbers_exactly(dtype, low, high):
    if low < 0 and np.dtype(dtype).kind == "u":
        pytest.skip("unsigned types cannot hold negative features")
    preds, feats, target, meta = era(low=low, high=high)
    assert _matrix(feats).dtype == np.int8
    copy = feats.astype(dtype)
    assert _matrix(copy).dtype == np.int8
    assert_identical(results(preds, copy, target, meta), results(preds, feats, target, meta))


@pytest.mark.parametrize("dtype", [np.int8, np.float32, np.float64, np.int64])
def test_any_memory_layout_and_mixed_frames_narrow_to_the_same_int8(dtype):
    _, feats, _, _ = era()
    want = feats.to_numpy()
    values = want.astype(dtype)
    for layout in [np.asfortranarray(values), np.ascontiguousarray(values), values[:, ::-1][:, ::-1],
                   np.asfortranarray(np.repeat(values, 2, axis=1))[:, ::2]]:
        got = _rs.neutralizer_matrix(layout)
        assert got.dtype == np.int8
        np.testing.assert_array_equal(got, want)
    # Columns of several dtypes.
    mixed = feats.astype({c: dtype for c in feats.columns[::2]}).astype(
        {c: np.int64 for c in feats.columns[1::2]}
    )
    np.testing.assert_array_equal(_matrix(mixed), want)
    assert _matrix(mixed).dtype == np.int8


@pytest.mark.parametrize(
    "value,int8",
    [(-128.0, True), (127.0, True), (-0.0, True), (0.5, False), (128.0, False),
     (-129.0, False), (1e-300, False), (4.000000000000001, False)],
)
def test_one_value_decides_the_path(value, int8):
    _, feats, _, _ = era()
    values = feats.astype(np.float64)
    values.iloc[ROWS - 1, FEATURES - 1] = value
    got = _matrix(values)
    assert got.dtype == (np.int8 if int8 else np.float64)
    np.testing.assert_array_equal(got, values.to_numpy())
    if not int8:
        assert got is not None and np.shares_memory(got, values.to_numpy())  # no copy
    wide = feats.astype(np.int64)
    wide.iloc[0, 0] = 128
    assert _matrix(wide).dtype == np.float64


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_lstsq_cannot_take_raise_its_error(bad, dtype):
    _, feats, _, _ = era()
    values = feats.astype(dtype)
    values.iloc[7, 3] = bad
    with pytest.raises(np.linalg.LinAlgError, match="SVD did not converge"):
        _matrix(values)


def test_a_single_fraction_takes_the_f64_path_and_agrees_with_numerai_tools():
    preds, feats, target, meta = era()
    real = feats.astype(np.float32)
    real.iloc[11, 4] = 2.5
    assert _matrix(real).dtype == np.float64
    got = es.feature_neutral_corr(preds, real, target)
    want = ref.feature_neutral_corr(preds, real, target)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-9)
    got = es.neutralize(preds, real, proportion=0.5)
    want = ref.neutralize(preds, real, proportion=0.5)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-9)


def test_real_valued_features_agree_with_numerai_tools():
    preds, feats, target, meta = era()
    rng = np.random.default_rng(9)
    real = pd.DataFrame(
        rng.standard_normal(feats.shape), index=feats.index, columns=feats.columns
    )
    for got, want in [
        (es.feature_neutral_corr(preds, real, target), ref.feature_neutral_corr(preds, real, target)),
        (es.neutral_correlation(preds, real, target), ref.neutral_correlation(preds, real, target)),
        (es.neutral_contribution(preds, meta, real, target),
         ref.neutral_contribution(preds, meta, real, target)),
    ]:
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-9)
    name, value = es.max_feature_correlation(preds["a"], real)
    want_name, want_value = ref.max_feature_correlation(preds["a"], real)
    assert name == want_name and abs(value - want_value) < 1e-9


@pytest.mark.parametrize("case", ["plain", "near-dependent", "duplicate", "scaled"])
def test_real_valued_features_on_either_factorization_agree_with_numerai_tools(case):
    """Uniform real features take the f32 Gram matrix with refinement; a column the others
    span up to 1e-9, a duplicate and a column on a scale 1e6 take the exact f64 path (or
    numpy's lstsq, where the rank is not clear of its cutoff)."""
    preds, feats, target, _ = era()
    rng = np.random.default_rng(21)
    values = rng.random(feats.shape)
    if case == "near-dependent":
        values[:, 3] = values[:, 1] + values[:, 2] + 1e-9 * rng.random(ROWS)
    elif case == "duplicate":
        values[:, 10] = values[:, 4]
    elif case == "scaled":
        values[:, 6] *= 1e6
    real = pd.DataFrame(values, index=feats.index, columns=feats.columns)
    for got, want in [
        (es.feature_neutral_corr(preds, real, target), ref.feature_neutral_corr(preds, real, target)),
        (es.neutralize(preds, real, proportion=0.5), ref.neutralize(preds, real, proportion=0.5)),
    ]:
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_single_nan_anywhere_is_still_numerai_tools_assertion(dtype):
    preds, feats, target, _ = era()
    values = feats.astype(dtype)
    values.iloc[ROWS - 1, FEATURES - 1] = np.nan
    with pytest.raises(AssertionError, match="Neutralizers contain NaNs"):
        es.feature_neutral_corr(preds, values, target)
    with pytest.raises(AssertionError, match="Neutralizers contain NaNs"):
        es.neutralize(preds, values)


@pytest.mark.parametrize(
    "value,int8",
    [(-128.0, True), (127.0, True), (-0.0, True), (4.0000001, True), (4.0000005, False),
     (127.5, False), (128.0, False), (-129.0, False), (1e-40, False), (16777216.0, False)],
)
def test_one_float32_value_decides_the_path(value, int8):
    """float32 has its own rounding: 4.0000001 is 4.0 there (an int8), 4.0000005 is not."""
    _, feats, _, _ = era()
    values = feats.astype(np.float32)
    values.iloc[ROWS - 1, FEATURES - 1] = np.float32(value)
    got = _matrix(values)
    assert got.dtype == (np.int8 if int8 else np.float64)
    np.testing.assert_array_equal(got, values.to_numpy().astype(np.float64))


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_one_pass_is_the_kernels_finiteness_check(bad, dtype):
    """The fused kernels' check of the features is the narrowing pass itself: a value that
    is not finite gives None there (no error), and the step-by-step path decides."""
    _, feats, _, _ = era()
    values = feats.astype(dtype)
    values.iloc[ROWS // 2, 3] = bad
    assert _rs.neutralizer_matrix(values.to_numpy(), raise_not_finite=False) is None
    assert es._finite_matrix(values) is None
    assert es._finite_matrix(feats.astype(dtype)).dtype == np.int8


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_infinite_feature_gives_numerai_tools_error(dtype):
    preds, feats, target, meta = era()
    values = feats.astype(dtype)
    values.iloc[3, 7] = np.inf
    for call in (
        lambda m: m.feature_neutral_corr(preds, values, target),
        lambda m: m.neutral_correlation(preds, values, target),
        lambda m: m.neutral_contribution(preds, meta, values, target),
    ):
        with pytest.raises(Exception) as want:
            call(ref)
        with pytest.raises(type(want.value)):
            call(es)


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_a_matrix_made_for_a_kernel_is_taken_once_without_a_copy(dtype):
    """The fused kernels' matrix the narrowing (or widening) pass made goes to one kernel as
    it is; handed to a second, it is an error, not a silently empty matrix."""
    preds, feats, _, _ = era()
    for values in (feats.astype(dtype), feats.astype(dtype) + (dtype == np.float32) * 0.5):
        x = es._finite_matrix(values)
        assert x.shape == values.shape
        assert x.dtype == (np.float64 if (values.to_numpy() % 1).any() else np.int8)
        want = _rs.max_feature_correlation(preds["a"].to_numpy(), _matrix(values))
        assert _rs.max_feature_correlation(preds["a"].to_numpy(), x) == want
        with pytest.raises(ValueError, match="already handed to a kernel"):
            _rs.max_feature_correlation(preds["a"].to_numpy(), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_neutralize_answers_its_checks_from_the_one_pass(dtype):
    """neutralize's NaN and magnitude checks of the neutralizers come from the pass that
    prepares them: the same numbers, NaN still numerai-tools' assertion, and float32
    neutralizers compared with the kernel's limit without numpy's overflow warning."""
    preds, feats, _, _ = era()
    want = es.neutralize(preds, feats, proportion=0.5)
    np.testing.assert_array_equal(es.neutralize(preds, feats.astype(dtype), proportion=0.5), want)
    real = feats.astype(dtype) + dtype(0.25)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = es.neutralize(preds, real, proportion=0.5)
    np.testing.assert_allclose(got, ref.neutralize(preds, real, proportion=0.5), rtol=0, atol=1e-9)
    bad = feats.astype(dtype)
    bad.iloc[4, 2] = np.nan
    for module in (ref, es):
        with pytest.raises(AssertionError, match="Neutralizers contain NaNs"):
            module.neutralize(preds, bad)
