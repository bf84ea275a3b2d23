#!/usr/bin/env python3
"""Generate golden fixtures for erascore-kernels from the reference implementation.

The reference is numerai-tools 0.7.2 (plus scipy for `norm.ppf`). Create an environment
once, from the repository root:

    python3 -m venv .venv && .venv/bin/pip install numerai-tools==0.7.2 pyarrow

then run

    .venv/bin/python scripts/make_golden.py            # writes fixtures/golden/*.json

Everything is generated from a fixed seed, so re-running with the same library versions
reproduces the files byte for byte. The Rust integration tests in
crates/kernels/tests/it/golden.rs read these files.

Conventions of the JSON files
-----------------------------
* Floats are written with Python's `repr` (shortest round-trip), so they parse back to the
  exact float64 the reference saw. NaN never appears in inputs; an undefined expected value
  is written as null.
* Row order is id order. Inputs are built with ids `id00000`, `id00001`, ... (zero padded,
  so lexical order = numeric order); where the reference sorts by id itself (numerai_corr,
  correlation_contribution) the rows are handed to it in shuffled order and stored sorted.
  The ids are not stored (`id_format` records the pattern); row i has id `id{i:05}`.
* `target_dtype` is "float32" or "float64". The stored target values are float64 numbers;
  for float32 cases the reference received `np.asarray(values).astype(np.float32)`, so a
  reader must round each stored value to f32 (`v as f32 as f64`) to get what the reference
  saw.
* Matrices (features / neutralizers) are column-major: `{"rows", "cols", "dtype": "int8" |
  "float64", "data": [col0..., col1..., ...]}`.
* Versions of numpy / pandas / scipy / numerai-tools are recorded in `meta.json`.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import sys
from typing import Any, Dict, List, Optional

import numpy as np
import pandas as pd
import scipy
from scipy import stats

from numerai_tools import scoring as nt

SEED = 20240607
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "golden")
BUCKETS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
BUCKET_P = np.array([0.05, 0.2, 0.5, 0.2, 0.05])

rng = np.random.default_rng(SEED)


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def fl(x: Any) -> Optional[float]:
    """A JSON-safe float (None for NaN)."""
    x = float(x)
    if math.isnan(x):
        return None
    return x


def fl_list(xs: Any) -> List[Optional[float]]:
    return [fl(x) for x in np.asarray(xs, dtype=np.float64).ravel()]


def ids_for(n: int) -> List[str]:
    return [f"id{i:05d}" for i in range(n)]


def matrix_json(arr: np.ndarray) -> Dict[str, Any]:
    """Column-major matrix record."""
    arr = np.asarray(arr)
    rows, cols = arr.shape
    if arr.dtype == np.int8:
        data: List[Any] = [int(v) for v in arr.T.ravel()]
        dtype = "int8"
    else:
        data = fl_list(arr.T.ravel())
        dtype = "float64"
    return {"rows": rows, "cols": cols, "dtype": dtype, "data": data}


def write(name: str, payload: Any) -> None:
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def latent(n: int) -> np.ndarray:
    return rng.standard_normal(n)


def bucket_target(z: np.ndarray, noise: float = 1.0) -> np.ndarray:
    """Numerai-style target in {0, .25, .5, .75, 1} with the usual bucket frequencies,
    correlated with the latent z."""
    s = z + noise * rng.standard_normal(len(z))
    qs = np.quantile(s, np.cumsum(BUCKET_P)[:-1])
    return BUCKETS[np.searchsorted(qs, s)]


def continuous_unit_target(z: np.ndarray) -> np.ndarray:
    """A [0, 1] target with 4 decimals (float32-rounding exercises centring)."""
    s = z + rng.standard_normal(len(z))
    u = stats.norm.cdf(s / math.sqrt(2.0))
    return np.round(u, 4)


def returns_target(z: np.ndarray) -> np.ndarray:
    """A returns-like target (not in [0, 1]) with 5 decimals."""
    return np.round(0.05 * (0.3 * z + rng.standard_normal(len(z))), 5)


def pred_continuous(z: np.ndarray, noise: float = 1.5) -> np.ndarray:
    return np.round(z + noise * rng.standard_normal(len(z)), 6)


def pred_ties(z: np.ndarray, noise: float = 1.5) -> np.ndarray:
    """Predictions in [0, 1] rounded to 1 decimal: 11 distinct values, heavy ties."""
    s = z + noise * rng.standard_normal(len(z))
    return np.round(stats.norm.cdf(s / 2.0), 1)


def as_dtype(values: np.ndarray, dtype: str) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).astype(np.float32 if dtype == "float32" else np.float64)


def shuffled_index(n: int) -> np.ndarray:
    return rng.permutation(n)


# --------------------------------------------------------------------------------------
# ndtri
# --------------------------------------------------------------------------------------


def gen_ndtri() -> None:
    ps: List[float] = []
    ps += [5e-324, 1e-320, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-200, 1e-100]
    ps += [1e-50, 1e-30, 1e-20, 1e-16, 1e-15, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2]
    ps += [math.exp(-25.0), math.nextafter(math.exp(-25.0), 0), math.nextafter(math.exp(-25.0), 1)]
    ps += [0.075, math.nextafter(0.075, 0), math.nextafter(0.075, 1), 0.925, 0.9250000000000001]
    ps += [0.5, 0.5 + 1e-10, 0.5 - 1e-10, math.nextafter(0.5, 1), math.nextafter(0.5, 0)]
    ps += [0.025, 0.975, 0.1, 0.9, 0.25, 0.75]
    ps += [1 - 1e-2, 1 - 1e-4, 1 - 1e-6, 1 - 1e-8, 1 - 1e-10, 1 - 1e-12, 1 - 1e-14]
    ps += [1 - 1e-15, 1 - 1e-16, math.nextafter(1.0, 0)]
    ps += [1 - math.exp(-25.0)]
    ps += list(np.logspace(-300, -1, 150))
    ps += list(1.0 - np.logspace(-16, -1, 60))
    ps += list(np.linspace(0.0, 1.0, 1001)[1:-1])
    n = 5000
    ps += list((np.arange(1, n + 1) - 0.5) / n)
    # tie-kept ranks produce half-integer ordinals
    ps += list((np.arange(1, 2 * n, 7) / 2.0 - 0.5) / n)
    ps = [float(p) for p in ps if 0.0 < p < 1.0]
    expected = stats.norm.ppf(np.array(ps))
    write("ndtri.json", {"p": ps, "expected": fl_list(expected)})


# --------------------------------------------------------------------------------------
# rank
# --------------------------------------------------------------------------------------


def gen_rank() -> None:
    cases = []

    def add(name: str, values: np.ndarray) -> None:
        s = pd.Series(np.asarray(values, dtype=np.float64), index=ids_for(len(values)))
        avg = nt.tie_kept_rank(s)
        first = nt.rank(s, "first")
        # via the DataFrame entry point too (must agree)
        first_df = nt.tie_broken_rank(s.to_frame("p"))["p"]
        assert np.array_equal(first.values, first_df.values)
        cases.append(
            {
                "name": name,
                "values": fl_list(s.values),
                "average": fl_list(avg.values),
                "first": fl_list(first.values),
            }
        )

    add("ints_0_9_n1000", rng.integers(0, 10, 1000).astype(np.float64))
    add("round1_n777", np.round(rng.uniform(size=777), 1))
    add("two_values_n501", rng.integers(0, 2, 501).astype(np.float64))
    add("all_tied_n10", np.full(10, 0.3))
    add("distinct_n200", np.round(rng.standard_normal(200), 8))
    add("single", np.array([4.2]))
    add("neg_and_pos_n300", np.round(rng.standard_normal(300), 1))
    # -0.0 and 0.0 are equal for pandas: they tie (average) and break by position (first).
    add("signed_zeros", np.array([0.0, -0.0, 1.0, 0.0, -0.0, -1.0, -0.0, 0.0]))
    write("rank.json", {"cases": cases})


# --------------------------------------------------------------------------------------
# numerai_corr
# --------------------------------------------------------------------------------------


def corr_case(
    name: str,
    n: int,
    target_kind: str,
    target_dtype: str,
    target_pow15: bool,
    top_bottom: Optional[int],
) -> Dict[str, Any]:
    z = latent(n)
    if target_kind == "bucket":
        t = bucket_target(z)
    elif target_kind == "unit":
        t = continuous_unit_target(z)
    else:
        t = returns_target(z)
    preds = {
        "cont": pred_continuous(z),
        "ties": pred_ties(z),
        "neg": -pred_continuous(z, 3.0),
    }
    ids = np.array(ids_for(n))
    perm = shuffled_index(n)
    target_s = pd.Series(as_dtype(t, target_dtype)[perm], index=ids[perm], name="target")
    pred_df = pd.DataFrame({k: v[perm] for k, v in preds.items()}, index=ids[perm])
    scores = nt.numerai_corr(pred_df, target_s, top_bottom=top_bottom, target_pow15=target_pow15)
    return {
        "name": name,
        "n": n,
        "target_dtype": target_dtype,
        "target_pow15": target_pow15,
        "top_bottom": top_bottom,
        "id_format": "id{:05}",
        "target": fl_list(t),
        "prediction_names": list(preds.keys()),
        "predictions": [fl_list(v) for v in preds.values()],
        "expected": [fl(scores[k]) for k in preds.keys()],
    }


def gen_numerai_corr() -> None:
    cases = [
        corr_case("f64_bucket_pow_n1500", 1500, "bucket", "float64", True, None),
        corr_case("f64_bucket_pow_tb200_n1500", 1500, "bucket", "float64", True, 200),
        corr_case("f64_bucket_nopow_n1000", 1000, "bucket", "float64", False, None),
        corr_case("f32_bucket_pow_n5000", 5000, "bucket", "float32", True, None),
        corr_case("f32_bucket_pow_tb200_n1000", 1000, "bucket", "float32", True, 200),
        corr_case("f32_unit_pow_n1500", 1500, "unit", "float32", True, None),
        corr_case("f32_unit_pow_tb200_n900", 900, "unit", "float32", True, 200),
        corr_case("f64_unit_pow_n700", 700, "unit", "float64", True, None),
        corr_case("f64_returns_nopow_n800", 800, "returns", "float64", False, None),
        corr_case("f64_returns_nopow_tb200_n800", 800, "returns", "float64", False, 200),
        corr_case("f32_returns_nopow_n700", 700, "returns", "float32", False, None),
        corr_case("f64_bucket_pow_tb200_n500", 500, "bucket", "float64", True, 200),
    ]
    write("numerai_corr.json", {"cases": cases})


# --------------------------------------------------------------------------------------
# correlation_contribution
# --------------------------------------------------------------------------------------


def contribution_case(
    name: str,
    n: int,
    target_kind: str,
    target_dtype: str,
    top_bottom: Optional[int],
) -> Dict[str, Any]:
    z = latent(n)
    if target_kind == "bucket":
        t = bucket_target(z)
    elif target_kind == "unit":
        t = continuous_unit_target(z)
    else:
        t = returns_target(z)
    # the meta model: a stake-weighted blend of gaussianized model predictions
    models = pd.DataFrame(
        {f"m{i}": pred_continuous(z, 1.0 + 0.5 * i) for i in range(4)}, index=ids_for(n)
    )
    stakes = pd.Series([3.0, 1.0, 0.5, 2.5], index=models.columns)
    meta = nt.stake_weight(nt.gaussian(nt.tie_kept_rank(models)), stakes)
    meta = np.round(meta.values, 8)
    preds = {
        "cont": pred_continuous(z),
        "ties": pred_ties(z),
        "close_to_meta": np.round(meta + 0.3 * rng.standard_normal(n), 6),
        "equal_to_meta": meta.copy(),
    }
    ids = np.array(ids_for(n))
    perm = shuffled_index(n)
    target_s = pd.Series(as_dtype(t, target_dtype)[perm], index=ids[perm], name="target")
    meta_s = pd.Series(meta[perm], index=ids[perm], name="meta")
    pred_df = pd.DataFrame({k: v[perm] for k, v in preds.items()}, index=ids[perm])
    scores = nt.correlation_contribution(pred_df, meta_s, target_s, top_bottom=top_bottom)
    return {
        "name": name,
        "n": n,
        "target_dtype": target_dtype,
        "top_bottom": top_bottom,
        "target": fl_list(t),
        "meta_model": fl_list(meta),
        "prediction_names": list(preds.keys()),
        "predictions": [fl_list(v) for v in preds.values()],
        "expected": [fl(scores[k]) for k in preds.keys()],
    }


def gen_contribution() -> None:
    cases = [
        contribution_case("f64_bucket_n1200", 1200, "bucket", "float64", None),
        contribution_case("f64_bucket_tb200_n1200", 1200, "bucket", "float64", 200),
        contribution_case("f32_bucket_n1200", 1200, "bucket", "float32", None),
        contribution_case("f32_bucket_tb200_n1000", 1000, "bucket", "float32", 200),
        contribution_case("f32_unit_n900", 900, "unit", "float32", None),
        contribution_case("f32_unit_tb150_n900", 900, "unit", "float32", 150),
        contribution_case("f64_returns_n800", 800, "returns", "float64", None),
        contribution_case("f64_returns_tb200_n800", 800, "returns", "float64", 200),
    ]
    write("contribution.json", {"cases": cases})


# --------------------------------------------------------------------------------------
# neutralize
# --------------------------------------------------------------------------------------


def int8_features(n: int, k: int, z: Optional[np.ndarray] = None) -> np.ndarray:
    """Numerai-style int8 features 0..4 (5 equal-ish bins), some correlated with z."""
    out = np.empty((n, k), dtype=np.int8)
    for j in range(k):
        s = rng.standard_normal(n)
        if z is not None and j % 3 == 0:
            s = s + 0.8 * z
        qs = np.quantile(s, [0.2, 0.4, 0.6, 0.8])
        out[:, j] = np.searchsorted(qs, s).astype(np.int8)
    return out


def neutralize_case(
    name: str,
    neutralizers: np.ndarray,
    columns: Dict[str, np.ndarray],
    proportions: List[float],
) -> Dict[str, Any]:
    n = neutralizers.shape[0]
    idx = ids_for(n)
    cols = [f"f{j}" for j in range(neutralizers.shape[1])]
    ndf = pd.DataFrame(neutralizers, index=idx, columns=cols)
    df = pd.DataFrame(columns, index=idx)
    expected = []
    for proportion in proportions:
        out = nt.neutralize(df, ndf, proportion=proportion)
        expected.append([fl_list(out[k].values) for k in columns.keys()])
    return {
        "name": name,
        "proportions": proportions,
        "neutralizers": matrix_json(neutralizers),
        "column_names": list(columns.keys()),
        "columns": [fl_list(v) for v in columns.values()],
        # expected[i][j]: column j neutralized with proportions[i]
        "expected": expected,
    }


def gen_neutralize() -> None:
    cases = []
    n, k = 600, 20
    z = latent(n)
    feats = int8_features(n, k, z)
    idx = ids_for(n)
    raw = pd.DataFrame({"cont": pred_continuous(z), "ties": pred_ties(z)}, index=idx)
    g = nt.gaussian(nt.tie_kept_rank(raw))
    columns = {
        "gauss_cont": g["cont"].values,
        "gauss_ties": g["ties"].values,
        "raw_normal": np.round(z + rng.standard_normal(n), 6),
    }
    cases.append(neutralize_case("i8_n600_k20", feats, columns, [1.0, 0.5]))

    # rank deficient: duplicate column and constant column
    dup = np.hstack([feats, feats[:, [3]], np.full((n, 1), 2, dtype=np.int8)]).astype(np.int8)
    cases.append(neutralize_case("i8_rankdef_dup_const", dup, columns, [1.0, 0.5]))

    # float64 neutralizers: 8 normal columns, one exact linear combination of others
    n2 = 500
    z2 = latent(n2)
    x = np.round(rng.standard_normal((n2, 8)), 6)
    x[:, 0] += 0.5 * z2
    x = np.hstack([x, (x[:, [1]] - 2.0 * x[:, [2]])])
    cols2 = {
        "gauss": nt.gaussian(nt.tie_kept_rank(pd.DataFrame({"p": pred_continuous(z2)}, index=ids_for(n2))))[
            "p"
        ].values,
        "raw": np.round(z2 + rng.standard_normal(n2), 6),
    }
    cases.append(neutralize_case("f64_n500_k9_lincomb", x, cols2, [1.0, 0.75]))

    # float64, ill-conditioned but full rank (a near-duplicate column)
    x3 = np.round(rng.standard_normal((n2, 5)), 6)
    x3 = np.hstack([x3, x3[:, [0]] + np.round(1e-3 * rng.standard_normal((n2, 1)), 9)])
    cases.append(neutralize_case("f64_n500_near_collinear", x3, cols2, [1.0]))

    # a single float64 neutralizer (e.g. the meta model)
    n4 = 300
    z4 = latent(n4)
    m = nt.gaussian(nt.tie_kept_rank(pd.DataFrame({"m": pred_continuous(z4, 0.5)}, index=ids_for(n4))))
    cols4 = {"raw": pred_continuous(z4), "ties": pred_ties(z4)}
    cases.append(neutralize_case("f64_single_column", m.values, cols4, [1.0, 0.5]))

    write("neutralize.json", {"cases": cases})


# --------------------------------------------------------------------------------------
# feature_neutral_corr
# --------------------------------------------------------------------------------------


def fnc_case(
    name: str, n: int, k: int, target_dtype: str, top_bottom: Optional[int]
) -> Dict[str, Any]:
    z = latent(n)
    feats = int8_features(n, k, z)
    t = bucket_target(z)
    preds = {
        "cont": pred_continuous(z),
        "ties": pred_ties(z),
        "feature_heavy": np.round(feats[:, 0].astype(float) + 0.2 * feats[:, 3] + 0.5 * rng.standard_normal(n), 4),
    }
    idx = ids_for(n)
    fdf = pd.DataFrame(feats, index=idx, columns=[f"feature_{j:02d}" for j in range(k)])
    pdf = pd.DataFrame(preds, index=idx)
    ts = pd.Series(as_dtype(t, target_dtype), index=idx, name="target")
    scores = nt.feature_neutral_corr(pdf, fdf, ts, top_bottom=top_bottom)
    return {
        "name": name,
        "n": n,
        "target_dtype": target_dtype,
        "top_bottom": top_bottom,
        "features": matrix_json(feats),
        "target": fl_list(t),
        "prediction_names": list(preds.keys()),
        "predictions": [fl_list(v) for v in preds.values()],
        "expected": [fl(scores[k2]) for k2 in preds.keys()],
    }


def gen_fnc() -> None:
    cases = [
        fnc_case("f64_n600_k20", 600, 20, "float64", None),
        fnc_case("f32_n600_k20", 600, 20, "float32", None),
        fnc_case("f64_n600_k20_tb100", 600, 20, "float64", 100),
        fnc_case("f32_n800_k12_tb200", 800, 12, "float32", 200),
    ]
    write("feature_neutral_corr.json", {"cases": cases})


# --------------------------------------------------------------------------------------
# pearson / spearman / max_feature_correlation / stake_weight
# --------------------------------------------------------------------------------------


def gen_pearson_spearman() -> None:
    cases = []

    def add(name: str, a: np.ndarray, b: np.ndarray, a_dtype: str, top_bottom: Optional[int]) -> None:
        idx = ids_for(len(a))
        sa = pd.Series(as_dtype(a, a_dtype), index=idx)
        sb = pd.Series(np.asarray(b, dtype=np.float64), index=idx)
        pear = nt.pearson_correlation(sa, sb, top_bottom=top_bottom)
        spear = nt.spearman_correlation(sa, sb) if top_bottom is None else None
        cases.append(
            {
                "name": name,
                "a_dtype": a_dtype,
                "top_bottom": top_bottom,
                "a": fl_list(a),
                "b": fl_list(b),
                "pearson": fl(pear),
                "spearman": None if spear is None else fl(spear),
            }
        )

    z = latent(1000)
    add("cont_f64", returns_target(z), pred_continuous(z), "float64", None)
    add("bucket_vs_ties_f64", bucket_target(z), pred_ties(z), "float64", None)
    add("bucket_vs_ties_f32", bucket_target(z), pred_ties(z), "float32", None)
    add("unit_vs_cont_f32", continuous_unit_target(z), pred_continuous(z), "float32", None)
    add("bucket_vs_ties_tb200", bucket_target(z), pred_ties(z), "float64", 200)
    add("unit_vs_cont_tb100_f32", continuous_unit_target(z), pred_continuous(z), "float32", 100)
    z2 = latent(50)
    add("small_n50", pred_continuous(z2), pred_continuous(z2), "float64", None)
    # Predictions with both -0.0 and 0.0 (np.round of small negatives gives -0.0): they are
    # equal for pandas/numpy, so they tie in ranks and keep row order in the stable argsort of
    # top_bottom. k is chosen so the bottom-k boundary falls inside the group of zeros.
    z3 = latent(1000)
    b = np.round(0.3 * z3 + 0.15 + 0.3 * rng.standard_normal(1000), 1)
    assert (np.signbit(b) & (b == 0)).any() and (~np.signbit(b) & (b == 0)).any()
    k = int((b < 0).sum() + (b == 0).sum() // 2)
    t3 = bucket_target(z3)
    add("signed_zero_preds", t3, b, "float64", None)
    add("signed_zero_preds_tb", t3, b, "float64", k)
    write("pearson_spearman.json", {"cases": cases})


def gen_exposure() -> None:
    cases = []

    def add(name: str, preds: np.ndarray, feats: np.ndarray) -> None:
        idx = ids_for(len(preds))
        names = [f"feature_{j:02d}" for j in range(feats.shape[1])]
        fdf = pd.DataFrame(feats, index=idx, columns=names)
        s = pd.Series(preds, index=idx)
        fname, value = nt.max_feature_correlation(s, fdf)
        cases.append(
            {
                "name": name,
                "features": matrix_json(feats),
                "predictions": fl_list(preds),
                "expected_index": names.index(fname),
                "expected_value": fl(value),
            }
        )

    n = 600
    z = latent(n)
    feats = int8_features(n, 20, z)
    feats[:, 5] = 3  # a constant feature: NaN correlation, skipped by idxmax
    p = np.round(0.4 * feats[:, 7] + z + rng.standard_normal(n), 6)
    add("i8_n600_k20_const", p, feats)
    add("i8_n600_k20_ties", pred_ties(z), feats)
    # negative exposure dominates: the absolute value is compared
    p2 = np.round(-1.5 * feats[:, 11] + rng.standard_normal(n), 6)
    add("i8_negative", p2, feats)
    # float64 features
    xf = np.round(rng.standard_normal((400, 6)), 6)
    p3 = np.round(0.3 * xf[:, 2] - 0.6 * xf[:, 4] + rng.standard_normal(400), 6)
    add("f64_n400_k6", p3, xf)
    write("exposure.json", {"cases": cases})


def gen_stake_weight() -> None:
    cases = []
    for name, n, k in [("n1000_k5", 1000, 5), ("n300_k3_ties", 300, 3)]:
        z = latent(n)
        cols = {}
        for i in range(k):
            cols[f"model_{i}"] = pred_ties(z) if "ties" in name and i % 2 == 0 else pred_continuous(z, 1.0 + i)
        idx = ids_for(n)
        df = pd.DataFrame(cols, index=idx)
        stakes = pd.Series(np.round(rng.uniform(0.0, 100.0, k), 3), index=df.columns)
        stakes.iloc[1] = 0.0  # a zero stake is allowed
        raw = nt.stake_weight(df, stakes)
        meta = nt.stake_weight(nt.gaussian(nt.tie_kept_rank(df)), stakes)
        cases.append(
            {
                "name": name,
                "stakes": fl_list(stakes.values),
                "predictions": [fl_list(df[c].values) for c in df.columns],
                "expected_stake_weight": fl_list(raw.values),
                "expected_meta_model": fl_list(meta.values),
            }
        )
    write("stake_weight.json", {"cases": cases})


def gen_meta() -> None:
    write(
        "meta.json",
        {
            "generator": "scripts/make_golden.py",
            "seed": SEED,
            "python": sys.version.split()[0],
            "numerai_tools": importlib.metadata.version("numerai-tools"),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scipy": scipy.__version__,
        },
    )


# --------------------------------------------------------------------------------------
# neutral_correlation / neutral_contribution (drawn after everything else, so adding them
# left the earlier fixtures unchanged)
# --------------------------------------------------------------------------------------


def neutral_case(name: str, n: int, k: int, target_dtype: str, top_bottom: Optional[int]) -> Dict[str, Any]:
    z = latent(n)
    feats = int8_features(n, k, z)
    t = bucket_target(z)
    preds = {"cont": pred_continuous(z), "ties": pred_ties(z)}
    meta = pred_continuous(z, noise=0.8)
    idx = ids_for(n)
    fdf = pd.DataFrame(feats, index=idx, columns=[f"feature_{j:02d}" for j in range(k)])
    pdf = pd.DataFrame(preds, index=idx)
    ts = pd.Series(as_dtype(t, target_dtype), index=idx, name="target")
    ms = pd.Series(meta, index=idx, name="meta")
    nc = nt.neutral_correlation(pdf, fdf, ts, top_bottom=top_bottom)
    ncon = nt.neutral_contribution(pdf, ms, fdf, ts, top_bottom=top_bottom)
    return {
        "name": name,
        "n": n,
        "target_dtype": target_dtype,
        "top_bottom": top_bottom,
        "features": matrix_json(feats),
        "target": fl_list(t),
        "meta_model": fl_list(meta),
        "prediction_names": list(preds.keys()),
        "predictions": [fl_list(v) for v in preds.values()],
        "neutral_correlation": [fl(nc[c]) for c in preds.keys()],
        "neutral_contribution": [fl(ncon[c]) for c in preds.keys()],
    }


def gen_neutral() -> None:
    cases = [
        neutral_case("f64_n500_k16", 500, 16, "float64", None),
        neutral_case("f32_n500_k16", 500, 16, "float32", None),
        neutral_case("f64_n700_k10_tb150", 700, 10, "float64", 150),
    ]
    write("neutral.json", {"cases": cases})


# --------------------------------------------------------------------------------------
# partial coverage: numerai_corr / feature_neutral_corr called with the era's whole target
# and predictions for part of its rows (drawn after everything else)
# --------------------------------------------------------------------------------------


def partial_case(
    name: str,
    n: int,
    k: int,
    target_kind: str,
    target_dtype: str,
    target_pow15: bool,
    top_bottom: Optional[int],
    coverage: float,
    nan_share: float,
) -> Dict[str, Any]:
    """One era of n rows; predictions for `coverage` of them; `nan_share` of the target NaN
    (spread over predicted and unpredicted rows, as auxiliary targets have them)."""
    z = latent(n)
    feats = int8_features(n, k, z)
    t = bucket_target(z) if target_kind == "bucket" else continuous_unit_target(z)
    t = t.astype(np.float64)
    t[rng.choice(n, int(round(nan_share * n)), replace=False)] = np.nan
    predicted = np.sort(rng.choice(n, int(round(coverage * n)), replace=False))
    preds = {"cont": pred_continuous(z)[predicted], "ties": pred_ties(z)[predicted]}
    ids = np.array(ids_for(n))
    # The era's target in id order (the order its mean is summed in); predictions shuffled.
    ts = pd.Series(as_dtype(t, target_dtype), index=ids, name="target")
    perm = rng.permutation(len(predicted))
    pdf = pd.DataFrame({c: v[perm] for c, v in preds.items()}, index=ids[predicted][perm])
    corr = nt.numerai_corr(pdf, ts, top_bottom=top_bottom, target_pow15=target_pow15)
    # FNC neutralizes over the scored rows (predicted, with a target); numerai_corr inside it
    # still gets the era's whole target.
    scored = [i for i in predicted if not np.isnan(t[i])]
    fdf = pd.DataFrame(feats[scored], index=ids[scored], columns=[f"feature_{j:02d}" for j in range(k)])
    pos = {r: i for i, r in enumerate(predicted)}
    sdf = pd.DataFrame({c: v[[pos[r] for r in scored]] for c, v in preds.items()}, index=ids[scored])
    fnc = nt.feature_neutral_corr(sdf, fdf, ts, top_bottom=top_bottom) if target_pow15 else None
    return {
        "name": name,
        "n": n,
        "target_dtype": target_dtype,
        "target_pow15": target_pow15,
        "top_bottom": top_bottom,
        "era_target": fl_list(t),
        "predicted": [int(i) for i in predicted],
        "features": matrix_json(feats),
        "prediction_names": list(preds.keys()),
        "predictions": [fl_list(v) for v in preds.values()],
        "expected_corr": [fl(corr[c]) for c in preds.keys()],
        "expected_fnc": None if fnc is None else [fl(fnc[c]) for c in preds.keys()],
    }


def filter_sort_index_case() -> Dict[str, Any]:
    """numerai-tools' own filter_sort_index test vectors scored with numerai_corr: target ids
    1..5, predictions for ids 0..4 (expected 0.98316)."""
    ts = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=[1, 2, 3, 4, 5], name="target")
    pdf = pd.DataFrame({"p": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=[0, 1, 2, 3, 4])
    corr = nt.numerai_corr(pdf, ts)
    return {
        "name": "numerai_tools_filter_sort_index_vectors",
        "n": 5,
        "target_dtype": "float64",
        "target_pow15": True,
        "top_bottom": None,
        "era_target": [1.0, 2.0, 3.0, 4.0, 5.0],
        # era rows are ids 1..5; ids 1..4 are predicted (id 0 is not in the era)
        "predicted": [0, 1, 2, 3],
        "features": None,
        "prediction_names": ["p"],
        "predictions": [[2.0, 3.0, 4.0, 5.0]],
        "expected_corr": [fl(corr["p"])],
        "expected_fnc": None,
    }


def gen_partial() -> None:
    cases = [
        partial_case("f32_bucket_pow_n600_cov88_nan5", 600, 12, "bucket", "float32", True, None, 0.88, 0.05),
        partial_case("f32_unit_pow_tb100_n700_cov90_nan8", 700, 12, "unit", "float32", True, 100, 0.90, 0.08),
        partial_case("f64_unit_pow_n500_cov90_nan0", 500, 10, "unit", "float64", True, None, 0.90, 0.0),
        partial_case("f64_bucket_nopow_n400_cov85_nan3", 400, 8, "bucket", "float64", False, None, 0.85, 0.03),
        filter_sort_index_case(),
    ]
    write("partial.json", {"cases": cases})


# --------------------------------------------------------------------------------------
# scale: pearson_correlation and max_feature_correlation on predictions scaled far from 1
# (pandas centres and divides by max|x| before its dot products)
# --------------------------------------------------------------------------------------


def gen_scale() -> None:
    cases = []
    n, k = 300, 8
    z = latent(n)
    feats = int8_features(n, k, z)
    t = bucket_target(z)
    base = pred_continuous(z)
    base = base / np.max(np.abs(base))  # |x| <= 1, so x * 1e308 is still finite
    idx = ids_for(n)
    fdf = pd.DataFrame(feats, index=idx, columns=[f"feature_{j:02d}" for j in range(k)])
    ts = pd.Series(t, index=idx)
    for scale in [1.0, 1e300, 1e-310, 1e308, 1e-300, 1e150]:
        p = base * scale
        ps = pd.Series(p, index=idx)
        pear = nt.pearson_correlation(ts, ps)
        try:
            fexp = nt.max_feature_correlation(ps, fdf)[1]
        except ValueError:  # every correlation NaN: pandas' idxmax refuses
            fexp = float("nan")
        cases.append(
            {
                "name": f"scale_{scale:g}",
                "target": fl_list(t),
                "predictions": fl_list(p),
                "features": matrix_json(feats),
                "pearson": fl(pear),
                "fexp_max": fl(fexp),
            }
        )
    write("scale.json", {"cases": cases})


def main() -> None:
    # Each generator draws from the shared rng in this fixed order.
    gen_ndtri()
    gen_rank()
    gen_numerai_corr()
    gen_contribution()
    gen_neutralize()
    gen_fnc()
    gen_pearson_spearman()
    gen_exposure()
    gen_stake_weight()
    gen_meta()
    gen_neutral()
    gen_partial()
    gen_scale()
    total = sum(
        os.path.getsize(os.path.join(OUT_DIR, f)) for f in os.listdir(OUT_DIR) if f.endswith(".json")
    )
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
