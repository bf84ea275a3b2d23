#!/usr/bin/env python3
"""Generate golden fixtures for the Signals kernels of erascore-kernels.

Reference: numerai-tools 0.7.2 (`scoring.generate_neutralized_weights`, `alpha`,
`meta_portfolio_contribution`, `neutral_correlation`, `neutral_contribution`;
`signals.churn`, `neutral_churn`, `neutral_churn_penalty`, `turnover`,
`calculate_max_churn_and_turnover`, `calculate_mean_neutral_churn`). Run from the repository
root with the reference environment (see scripts/make_golden.py):

    /work/venv-ref/bin/python scripts/make_signals_golden.py   # writes fixtures/golden/signals_*.json

The conventions are those of scripts/make_golden.py: floats by `repr`, null = NaN (or "not
computed"), row order = id order with ids `id{i:05}`, matrices column-major, float32 targets
stored as the float64 values to round to f32. A case whose reference call raises stores
`"error"`: the assertion message, which the Rust test maps to the kernel's error. Inputs are
rounded to a few decimals to keep the files small (tens of KB each); everything comes from
one fixed seed, so re-running reproduces the files byte for byte.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import sys
from typing import Any, Callable, Dict, List, Optional

import numpy as np
import pandas as pd

from numerai_tools import scoring as nt
from numerai_tools import signals as ns

SEED = 20251102
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "golden")

rng = np.random.default_rng(SEED)


def fl(x: Any) -> Optional[float]:
    x = float(x)
    return None if math.isnan(x) else x


def fl_list(xs: Any) -> List[Optional[float]]:
    return [fl(x) for x in np.asarray(xs, dtype=np.float64).ravel()]


def ids_for(n: int) -> List[str]:
    return [f"id{i:05d}" for i in range(n)]


def matrix_json(arr: np.ndarray) -> Dict[str, Any]:
    arr = np.asarray(arr, dtype=np.float64)
    rows, cols = arr.shape
    return {"rows": rows, "cols": cols, "dtype": "float64", "data": fl_list(arr.T.ravel())}


def write(name: str, payload: Any) -> None:
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def attempt(fn: Callable[[], Any]) -> Dict[str, Any]:
    """{"value": fn()} or {"error": assertion message}."""
    try:
        return {"value": fn()}
    except AssertionError as e:
        return {"error": str(e)}


def risk_neutralizers(n: int, k: int, deficient: bool) -> np.ndarray:
    """Risk-model-like columns scaled to unit norm (Numerai's are roughly orthonormal);
    `deficient` appends a duplicate and a linear combination of earlier columns."""
    x = rng.standard_normal((n, k))
    x /= np.sqrt((x**2).sum(axis=0))
    if deficient:
        x = np.hstack([x, x[:, [0]], x[:, [1]] - 0.5 * x[:, [2]]])
    return np.round(x, 5)


def sample_weights(n: int, zeros: int) -> np.ndarray:
    w = np.round(rng.uniform(0.2, 2.0, n), 4)
    w[rng.choice(n, zeros, replace=False)] = 0.0
    return w


def signal_cont(z: np.ndarray, noise: float) -> np.ndarray:
    return np.round(z + noise * rng.standard_normal(len(z)), 5)


def signal_ties(z: np.ndarray, noise: float) -> np.ndarray:
    """Values in [0, 1] with one decimal: 11 distinct values, heavy ties."""
    from scipy import stats

    return np.round(stats.norm.cdf((z + noise * rng.standard_normal(len(z))) / 2.0), 1)


def returns_target(z: np.ndarray) -> np.ndarray:
    return np.round(0.05 * (0.3 * z + rng.standard_normal(len(z))), 5)


# --------------------------------------------------------------------------------------
# generate_neutralized_weights, alpha, meta_portfolio_contribution
# --------------------------------------------------------------------------------------


def portfolio_case(
    name: str,
    n: int,
    k: int,
    deficient: bool,
    target_dtype: str,
    stakes: List[float],
    nan_weight: bool = False,
) -> Dict[str, Any]:
    z = rng.standard_normal(n)
    idx = ids_for(n)
    neutralizers = risk_neutralizers(n, k, deficient)
    weights = sample_weights(n, zeros=3)
    if nan_weight:
        weights[7] = np.nan
    models = {}
    for i in range(len(stakes)):
        models[f"m{i}"] = signal_ties(z, 1.0 + 0.3 * i) if i % 2 else signal_cont(z, 1.0 + 0.3 * i)
    target = returns_target(z)
    tdtype = np.float32 if target_dtype == "float32" else np.float64
    pdf = pd.DataFrame(models, index=idx)
    ndf = pd.DataFrame(neutralizers, index=idx, columns=[f"r{j}" for j in range(neutralizers.shape[1])])
    ws = pd.Series(weights, index=idx)
    ts = pd.Series(target.astype(tdtype), index=idx, name="target")
    ss = pd.Series(stakes, index=list(models.keys()))

    def weights_of(center_and_normalize: bool) -> List[List[Optional[float]]]:
        w = nt.generate_neutralized_weights(pdf, ndf, ws, center_and_normalize=center_and_normalize)
        return [fl_list(w[c].values) for c in list(models.keys())[:2]]

    return {
        "name": name,
        "n": n,
        "target_dtype": target_dtype,
        "neutralizers": matrix_json(neutralizers),
        "sample_weights": fl_list(weights),
        "target": fl_list(target),
        "prediction_names": list(models.keys()),
        "predictions": [fl_list(v) for v in models.values()],
        "stakes": [fl(s) for s in stakes],
        # weights of the first two models only, to keep the file small
        "weights_raw": attempt(lambda: weights_of(False)),
        "weights_center_and_normalize": attempt(lambda: weights_of(True)),
        "alpha": attempt(lambda: fl_list(nt.alpha(pdf, ndf, ws, ts).values)),
        "mpc": attempt(lambda: fl_list(nt.meta_portfolio_contribution(pdf, ss, ndf, ws, ts).values)),
    }


def gen_portfolio() -> None:
    cases = [
        portfolio_case("n100_k6_f64", 100, 6, False, "float64", [10.0, 3.0, 0.0, 25.5]),
        portfolio_case("n90_k5_rankdef_f32", 90, 5, True, "float32", [1.0, 1.0, 2.0]),
        portfolio_case("n80_k4_nan_stake", 80, 4, False, "float64", [5.0, float("nan"), 2.0]),
        portfolio_case("n40_k3_nan_weight", 40, 3, False, "float64", [1.0, 2.0], nan_weight=True),
        portfolio_case("n40_k3_negative_stake", 40, 3, False, "float64", [1.0, -2.0]),
        portfolio_case("n40_k3_zero_stakes", 40, 3, False, "float64", [0.0, 0.0]),
    ]
    write("signals_portfolio.json", {"cases": cases})


# --------------------------------------------------------------------------------------
# churn (plain and top/bottom), turnover, neutral_churn_penalty
# --------------------------------------------------------------------------------------


def gen_churn() -> None:
    cases = []

    def add(name: str, ids1: List[str], s1: np.ndarray, ids2: List[str], s2: np.ndarray, tb: Optional[int]) -> None:
        a = pd.Series(s1, index=ids1)
        b = pd.Series(s2, index=ids2)
        cases.append(
            {
                "name": name,
                "ids1": ids1,
                "s1": fl_list(s1),
                "ids2": ids2,
                "s2": fl_list(s2),
                "top_bottom": tb,
                "churn": attempt(lambda: fl(ns.churn(a, b, top_bottom=tb))),
            }
        )

    n = 200
    z = rng.standard_normal(n)
    ids = ids_for(n)
    add("cont", ids, signal_cont(z, 0.5), ids, signal_cont(z, 0.5), None)
    add("ties", ids, signal_ties(z, 0.5), ids, signal_ties(z, 0.7), None)
    add("anti", ids, signal_cont(z, 0.1), ids, -signal_cont(z, 0.1), None)
    # constant by value: an exact constant fails the std assertion; seven 0.1s pass it by a
    # rounding residue and give NaN
    add("constant", ids[:10], np.full(10, 0.5), ids[:10], np.arange(10.0), None)
    add("constant_residue", ids[:7], np.full(7, 0.1), ids[:7], np.arange(7.0), None)
    # top/bottom: shuffled order (ties break by the order given), different universes, NaN
    perm1 = rng.permutation(n)
    perm2 = rng.permutation(n)[: n - 30]
    t1 = signal_ties(z, 0.4)
    t2 = signal_ties(z, 0.6)
    add("tb20_ties_shuffled", [ids[i] for i in perm1], t1[perm1], [ids[i] for i in perm2], t2[perm2], 20)
    t3 = signal_cont(z, 0.8)
    t3[[3, 50, 120]] = np.nan
    add("tb15_nan", ids, t3, ids, signal_cont(z, 0.8), 15)
    add("tb_k_larger_than_n", ids[:6], np.array([0.1, 0.5, 0.2, 0.9, 0.4, 0.3]), ids[:6], np.array([0.9, 0.5, 0.2, 0.1, 0.4, 0.3]), 10)

    turnovers = []
    for name, m in [("gross1", 150), ("small", 12)]:
        w1 = rng.standard_normal(m)
        w1 = (w1 - w1.mean()) / np.abs(w1 - w1.mean()).sum()
        w2 = w1 + 0.3 * rng.standard_normal(m) / m
        idx = ids_for(m)
        turnovers.append(
            {
                "name": name,
                "w1": fl_list(w1),
                "w2": fl_list(w2),
                "turnover": fl(ns.turnover(pd.Series(w1, index=idx), pd.Series(w2, index=idx))),
            }
        )

    penalties = []
    for churn_value, threshold, scale in [
        (0.0, 0.1, 10.0),
        (0.1, 0.1, 10.0),
        (0.15, 0.1, 10.0),
        (0.5, 0.1, 10.0),
        (2.0, 0.1, 10.0),
        (1.0, 0.3, 2.5),
        (1.9, 0.0, 1000.0),
        (2.5, 0.1, 10.0),
        (0.5, 0.1, 0.0),
        (0.5, -0.1, 10.0),
    ]:
        penalties.append(
            {
                "neutral_churn": churn_value,
                "threshold": threshold,
                "scaling_factor": scale,
                "retained": attempt(lambda: fl(ns.neutral_churn_penalty(churn_value, threshold, scale))),
            }
        )
    write("signals_churn.json", {"cases": cases, "turnover": turnovers, "penalty": penalties})


# --------------------------------------------------------------------------------------
# neutral_correlation, neutral_contribution, neutral_churn with float (rank-deficient)
# neutralizers, top/bottom
# --------------------------------------------------------------------------------------


def neutral_case(name: str, n: int, k: int, deficient: bool, tb: Optional[int]) -> Dict[str, Any]:
    z = rng.standard_normal(n)
    idx = ids_for(n)
    x = risk_neutralizers(n, k, deficient)
    x[:, 0] += np.round(0.05 * z, 5)  # some exposure to neutralize away
    x2 = risk_neutralizers(n, k, deficient)
    preds = {"cont": signal_cont(z, 1.0), "ties": signal_ties(z, 1.0)}
    meta = signal_cont(z, 0.7)
    target = returns_target(z)
    cols = [f"r{j}" for j in range(x.shape[1])]
    ndf = pd.DataFrame(x, index=idx, columns=cols)
    ndf2 = pd.DataFrame(x2, index=idx, columns=cols)
    pdf = pd.DataFrame(preds, index=idx)
    ts = pd.Series(target, index=idx, name="target")
    ms = pd.Series(meta, index=idx, name="meta")
    prev = signal_ties(z, 1.2)
    return {
        "name": name,
        "n": n,
        "top_bottom": tb,
        "neutralizers": matrix_json(x),
        "neutralizers_prev": matrix_json(x2),
        "target": fl_list(target),
        "meta_model": fl_list(meta),
        "prediction_names": list(preds.keys()),
        "predictions": [fl_list(v) for v in preds.values()],
        "previous": fl_list(prev),
        "neutral_correlation": fl_list(nt.neutral_correlation(pdf, ndf, ts, top_bottom=tb).values),
        "neutral_contribution": fl_list(nt.neutral_contribution(pdf, ms, ndf, ts, top_bottom=tb).values),
        # neutral churn of each prediction (this era's neutralizers) against `previous`
        # (the previous era's)
        "neutral_churn": [
            fl(ns.neutral_churn(pdf[c], pd.Series(prev, index=idx), ndf, ndf2)) for c in preds
        ],
    }


def gen_neutral() -> None:
    cases = [
        neutral_case("n120_k5", 120, 5, False, None),
        neutral_case("n120_k5_rankdef", 120, 5, True, None),
        neutral_case("n150_k4_rankdef_tb30", 150, 4, True, 30),
    ]
    write("signals_neutral.json", {"cases": cases})


# --------------------------------------------------------------------------------------
# the live churn/turnover check: calculate_max_churn_and_turnover and
# calculate_mean_neutral_churn on submissions that miss some of the universe
# --------------------------------------------------------------------------------------


def gen_live() -> None:
    cases = []
    for name, n, miss_curr, miss_prev in [("n150", 150, 10, 20), ("n120_ties", 120, 5, 0)]:
        z = rng.standard_normal(n)
        idx = pd.Index(ids_for(n), name="numerai_ticker")
        x_curr = risk_neutralizers(n, 5, False)
        x_prev = risk_neutralizers(n, 5, False)
        w_curr = sample_weights(n, zeros=2)
        w_prev = sample_weights(n, zeros=2)
        if "ties" in name:
            curr = signal_ties(z, 0.5)
            prev = signal_ties(z, 0.6)
        else:
            from scipy import stats

            curr = np.round(stats.norm.cdf(signal_cont(z, 0.5) / 2), 5)
            prev = np.round(stats.norm.cdf(signal_cont(z, 0.6) / 2), 5)
        curr_mask = np.ones(n, bool)
        curr_mask[rng.choice(n, miss_curr, replace=False)] = False
        prev_mask = np.ones(n, bool)
        if miss_prev:
            prev_mask[rng.choice(n, miss_prev, replace=False)] = False
        cs = pd.Series(curr[curr_mask], index=idx[curr_mask], name="signal")
        ps = pd.Series(prev[prev_mask], index=idx[prev_mask], name="signal")
        cols = [f"r{j}" for j in range(5)]
        nc_df = pd.DataFrame(x_curr, index=idx, columns=cols)
        np_df = pd.DataFrame(x_prev, index=idx, columns=cols)
        wc = pd.Series(w_curr, index=idx)
        wp = pd.Series(w_prev, index=idx)
        max_churn, max_turnover = ns.calculate_max_churn_and_turnover(
            cs.copy(), nc_df, wc, {"prev": ps.copy()}, {"prev": np_df}, {"prev": wp}
        )
        mean_neutral = ns.calculate_mean_neutral_churn(
            cs.copy(), nc_df, wc, {"prev": ps.copy()}, {"prev": np_df}, {"prev": wp}
        )
        cases.append(
            {
                "name": name,
                "n": n,
                # the submissions over the universe, null where the ticker was not submitted
                "current": fl_list(np.where(curr_mask, curr, np.nan)),
                "previous": fl_list(np.where(prev_mask, prev, np.nan)),
                "neutralizers": matrix_json(x_curr),
                "neutralizers_prev": matrix_json(x_prev),
                "sample_weights": fl_list(w_curr),
                "sample_weights_prev": fl_list(w_prev),
                "max_churn": fl(max_churn),
                "max_turnover": fl(max_turnover),
                "mean_neutral_churn": fl(mean_neutral),
            }
        )
    write("signals_live.json", {"cases": cases})


def gen_meta() -> None:
    write(
        "signals_meta.json",
        {
            "generator": "scripts/make_signals_golden.py",
            "seed": SEED,
            "python": sys.version.split()[0],
            "numerai_tools": importlib.metadata.version("numerai-tools"),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
    )


def main() -> None:
    # Each generator draws from the shared rng in this fixed order.
    gen_portfolio()
    gen_churn()
    gen_neutral()
    gen_live()
    gen_meta()


if __name__ == "__main__":
    main()
