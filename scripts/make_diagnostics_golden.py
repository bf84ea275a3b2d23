#!/usr/bin/env python3
"""Golden values for `erascore diagnostics`: per-era metrics from numerai-tools 0.7.2 and
statistics over eras from numpy/pandas, written to fixtures/diagnostics/.

Set-up (once, from the repository root):

    python3 -m venv .venv && .venv/bin/pip install numerai-tools==0.7.2 pyarrow

Run:

    .venv/bin/python scripts/make_diagnostics_golden.py

Everything comes from a fixed seed, so re-running with the same library versions rewrites
the same files. The Rust test crates/cli/tests/cli/diagnostics.rs reads them.

What is written
---------------
* data.parquet: Numerai v5 layout, 20 eras x 420 rows (era "0001".."0020"), 12 int8
  features 0..4, float32 targets `target` and `target_aux` (the latter with NaNs, and
  25 of them in era 0011 so that its top/bottom-200 metrics are undefined there). Ids are
  short (`n` + 5 digits, randomly assigned) to keep the fixtures small; rows are not in
  id order.
* predictions.parquet: `model_a` (continuous, 5 decimals) and `model_b` (2 decimals, many
  ties), in shuffled id order, plus 200 ids that are not in the data (as live rows would be).
* meta_model.parquet (`numerai_meta_model`, a few NaN), benchmark.parquet (two columns),
  example_preds.parquet (`prediction`, a few NaN), features.json (sets `small`, `all`).
* expected_per_era.csv: era, model, target and every per-era metric, from numerai-tools
  (corr_with_example from pandas: Pearson of average ranks), floats as repr.
* expected_summary.json: {"models": {MODEL: {TARGET: {METRIC: {STAT: value}}}}}, every
  statistic computed here with pandas/numpy exactly as the cited sources write it; NaN is
  null.

The diagnostics run these values correspond to is
    --feature-set small --benchmark-column v5_lgbm_ender20 --target target,target_aux
with default payout multipliers (0.5 x corr + 2 x mmc) and top/bottom 200.
"""
from __future__ import annotations

import json
import math
import os

import numpy as np
import pandas as pd
from numerai_tools.scoring import (
    correlation_contribution,
    feature_neutral_corr,
    max_feature_correlation,
    numerai_corr,
    spearman_correlation,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "diagnostics")
SEED = 20250311
ERAS, ROWS, FEATURES = 20, 420, 12
TARGETS = ["target", "target_aux"]
MODELS = ["model_a", "model_b"]
BENCH_COL = "v5_lgbm_ender20"
TB = 200
CORR_MULT, MMC_MULT = 0.5, 2.0
METRICS = [
    "corr", "mmc", "bmc", "fnc", "fexp_max", "corr_tb200", "mmc_tb200", "spearman",
    "corr_with_example", "payout",
]

rng = np.random.default_rng(SEED)


def bucket(latent: np.ndarray) -> np.ndarray:
    q = np.quantile(latent, [0.05, 0.25, 0.75, 0.95])
    return np.digitize(latent, q) / 4.0


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# ----------------------------------------------------------------------------- inputs
frames = []
latents = []
id_numbers = rng.permutation(ERAS * ROWS)
for e in range(ERAS):
    n = ROWS
    ids = [f"n{k:05d}" for k in id_numbers[e * n:(e + 1) * n]]
    feats = np.empty((n, FEATURES), dtype=np.int8)
    z = rng.standard_normal(n)
    for j in range(FEATURES):
        s = rng.standard_normal(n) + (0.7 * z if j % 3 == 0 else 0.0)
        feats[:, j] = np.digitize(s, np.quantile(s, [0.2, 0.4, 0.6, 0.8])).astype(np.int8)
    # The target's dependence on z drifts from era to era (and turns negative in some), which
    # makes the score series autocorrelated, with losing eras and drawdowns, like real eras.
    strength = 0.05 + 0.22 * math.sin(e / 2.5)
    latent = strength * z + rng.standard_normal(n)
    df = pd.DataFrame(feats, columns=[f"feature_{j:02d}" for j in range(FEATURES)])
    df.insert(0, "id", ids)
    df.insert(1, "era", f"{e + 1:04d}")
    df.insert(2, "data_type", "validation")
    df["target"] = bucket(latent).astype(np.float32)
    aux = bucket(latent + rng.standard_normal(n)).astype(np.float32)
    aux[rng.choice(n, 25 if e == 10 else 5, replace=False)] = np.nan
    df["target_aux"] = aux
    frames.append(df)
    latents.append(z)
data = pd.concat(frames, ignore_index=True)
z = np.concatenate(latents)
features = [c for c in data.columns if c.startswith("feature_")]
small = features[:8]

ids = data["id"].to_numpy()
preds = pd.DataFrame({"id": ids})
preds["model_a"] = np.round(sigmoid(z + 1.0 * rng.standard_normal(len(z))), 5)
preds["model_b"] = np.round(sigmoid(0.8 * z + 0.3 * data["feature_03"] + 1.2 * rng.standard_normal(len(z))), 2)
extra = pd.DataFrame({
    "id": [f"live{i:05d}" for i in range(200)],
    "model_a": np.round(rng.uniform(0, 1, 200), 5),
    "model_b": np.round(rng.uniform(0, 1, 200), 2),
})
preds = pd.concat([preds, extra], ignore_index=True).sample(frac=1, random_state=5).reset_index(drop=True)

meta = pd.DataFrame({"id": ids, "numerai_meta_model": np.round(sigmoid(z + 0.8 * rng.standard_normal(len(z))), 5)})
meta.loc[rng.choice(len(meta), 40, replace=False), "numerai_meta_model"] = np.nan
bench = pd.DataFrame({
    "id": ids,
    BENCH_COL: np.round(sigmoid(z + 1.2 * rng.standard_normal(len(z))), 5),
    "v5_lgbm_cyrusd20": np.round(sigmoid(z + 1.0 * rng.standard_normal(len(z))), 5),
})
example = pd.DataFrame({"id": ids, "prediction": np.round(sigmoid(z + 1.0 * rng.standard_normal(len(z))), 5)})
example.loc[rng.choice(len(example), 30, replace=False), "prediction"] = np.nan

os.makedirs(OUT, exist_ok=True)


def save(df: pd.DataFrame, name: str) -> None:
    df.to_parquet(os.path.join(OUT, name), index=False, compression="zstd")


save(data, "data.parquet")
save(preds, "predictions.parquet")
save(meta, "meta_model.parquet")
save(bench, "benchmark.parquet")
save(example, "example_preds.parquet")
with open(os.path.join(OUT, "features.json"), "w") as f:
    json.dump({"feature_sets": {"small": small, "all": features}, "targets": TARGETS}, f, indent=1)
    f.write("\n")

# ------------------------------------------------------------------ per-era metrics
# Read back what was written, so the reference sees exactly the on-disk (float32) values.
data = pd.read_parquet(os.path.join(OUT, "data.parquet")).set_index("id")
preds = pd.read_parquet(os.path.join(OUT, "predictions.parquet")).set_index("id")
meta_s = pd.read_parquet(os.path.join(OUT, "meta_model.parquet")).set_index("id")["numerai_meta_model"]
bench_s = pd.read_parquet(os.path.join(OUT, "benchmark.parquet")).set_index("id")[BENCH_COL]
ex_s = pd.read_parquet(os.path.join(OUT, "example_preds.parquet")).set_index("id")["prediction"]
assert data["target"].dtype == np.float32

rows = []
for era, de in data.groupby("era", sort=True):
    de = de.sort_index()
    pe = preds.loc[de.index]
    me, be, ee = meta_s.loc[de.index], bench_s.loc[de.index], ex_s.loc[de.index]
    fexp = {m: max_feature_correlation(pe[m], de[small])[1] for m in MODELS}
    keep = ee.notna()
    with_example = {m: pe.loc[keep, m].rank(method="average").corr(ee[keep].rank(method="average")) for m in MODELS}
    for target in TARGETS:
        t = de[target]
        ok = t.notna()
        corr = numerai_corr(pe, t)
        mmc = correlation_contribution(pe, me, t)
        bmc = correlation_contribution(pe, be, t)
        n_tb_corr = int(ok.sum())
        n_tb_mmc = int((ok & me.notna()).sum())
        mmc_tb = correlation_contribution(pe, me, t, top_bottom=TB) if n_tb_mmc > 2 * TB else None
        for m in MODELS:
            fnc = feature_neutral_corr(pe.loc[ok, [m]], de.loc[ok, small], t[ok])[m]
            corr_tb = numerai_corr(pe[[m]], t, top_bottom=TB)[m] if n_tb_corr > 2 * TB else np.nan
            rows.append({
                "era": era, "model": m, "target": target,
                "corr": corr[m],
                "mmc": mmc[m],
                "bmc": bmc[m],
                "fnc": fnc,
                "fexp_max": fexp[m],
                "corr_tb200": corr_tb,
                "mmc_tb200": np.nan if mmc_tb is None else mmc_tb[m],
                "spearman": spearman_correlation(t[ok], pe.loc[ok, m]),
                "corr_with_example": with_example[m],
                "payout": CORR_MULT * corr[m] + MMC_MULT * mmc[m],
            })
per_era = pd.DataFrame(rows)
per_era.to_csv(os.path.join(OUT, "expected_per_era.csv"), index=False, float_format="%.17g")

# --------------------------------------------------------------------- statistics
# Each written as its source writes it; the era series is in era order with NaN eras dropped.


def stats(s: pd.Series) -> dict:
    s = s.dropna().reset_index(drop=True)
    n = len(s)
    mean = s.mean()
    std = s.std(ddof=0)
    # hello-numerai diagnostics
    max_dd = (s.cumsum().expanding(min_periods=1).max() - s.cumsum()).max()
    # example-scripts utils.validation_metrics
    rolling_max = (s + 1).cumprod().rolling(window=9000, min_periods=1).max()
    daily_value = (s + 1).cumprod()
    mdd_mult = -((rolling_max - daily_value) / rolling_max).max()
    payout_daily_value = (s.clip(-0.25, 0.25) + 1).cumprod()
    apy = (((payout_daily_value.dropna().iloc[-1]) ** (1 / n)) ** 49 - 1) * 100
    # numerblox autocorr1, autocorr_penalty, smart_sharpe, calmar_ratio
    x = s.to_numpy()
    rho = np.corrcoef(x[:-1], x[1:])[0, 1]
    penalty = np.sqrt(1 + 2 * np.sum([((n - i) / n) * rho**i for i in range(1, n)]))
    smart = np.nanmean(x) / (np.nanstd(x, ddof=1) * penalty)
    calmar = np.nan if mdd_mult == 0 else apy / -mdd_mult
    return {
        "mean": mean,
        "std": std,
        "sharpe": np.nan if std == 0 else mean / std,
        "max_drawdown": max_dd,
        "max_drawdown_multiplicative": mdd_mult,
        "apy": apy,
        "autocorrelation": rho,
        "smart_sharpe": smart,
        "calmar": calmar,
        "hit_rate": float((s > 0).mean()),
        "eras": n,
    }


def js(v):
    v = float(v)
    return None if math.isnan(v) else v


summary: dict = {"models": {}}
for m in MODELS:
    summary["models"][m] = {}
    for target in TARGETS:
        sub = per_era[(per_era.model == m) & (per_era.target == target)].sort_values("era")
        summary["models"][m][target] = {
            metric: {k: js(v) for k, v in stats(sub[metric]).items()} for metric in METRICS
        }
with open(os.path.join(OUT, "expected_summary.json"), "w") as f:
    json.dump(summary, f, indent=1, allow_nan=False)
    f.write("\n")

total = sum(os.path.getsize(os.path.join(OUT, p)) for p in os.listdir(OUT))
print(f"wrote {OUT} ({total} bytes)")
