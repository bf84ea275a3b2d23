#!/usr/bin/env python3
"""Golden per-era scores for `erascore score`, computed with numerai-tools 0.7.2.

Writes fixtures/score/: data.parquet (Numerai v5 layout, float32 targets plus a float64
one), predictions.csv (unsorted ids, a tie-heavy model, a model constant in one era),
meta_model.parquet, benchmark.parquet and expected_<target>.csv; predictions_partial.csv
(88% of each era's rows) and expected_partial_<target>.csv. Eras have 450, 400, 380,
520 and 610 rows so the top/bottom-200 rule is exercised on both sides of 400.

Set-up:  python3 -m venv .venv && .venv/bin/pip install numerai-tools==0.7.2 pyarrow
Run:     .venv/bin/python scripts/make_score_golden.py
"""
import os

import numpy as np
import pandas as pd
from numerai_tools.scoring import (
    correlation_contribution,
    feature_neutral_corr,
    max_feature_correlation,
    numerai_corr,
    pearson_correlation,
    spearman_correlation,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "score")
rng = np.random.default_rng(7)
sizes = [450, 400, 380, 520, 610]
frames = []
for e, n in enumerate(sizes):
    ids = [f"n{rng.integers(0, 2**60):015x}" for _ in range(n)]
    feats = rng.integers(0, 5, size=(n, 14)).astype(np.int8)
    feats = np.column_stack([feats, feats[:, 0], np.full(n, 2, np.int8)])  # duplicate + constant
    latent = feats[:, :4].astype(float) @ np.array([0.3, -0.2, 0.25, 0.1]) + rng.normal(0, 1.5, n)
    q = np.quantile(latent, [0.05, 0.25, 0.75, 0.95])
    target = np.digitize(latent, q) / 4.0
    aux = np.digitize(latent + rng.normal(0, 1, n), q) / 4.0
    if e == 4:
        aux[rng.choice(n, 40, replace=False)] = np.nan
    df = pd.DataFrame(feats, columns=[f"feature_{i:02d}" for i in range(feats.shape[1])])
    df.insert(0, "id", ids)
    df.insert(1, "era", f"{e + 1:04d}")
    df.insert(2, "data_type", "validation")
    df["target"] = target.astype(np.float32)
    df["target_aux"] = aux.astype(np.float32)
    df["target_f64"] = np.clip(latent / 8 + 0.5, 0, 1)  # continuous float64 target
    df["_latent"] = latent
    frames.append(df)
data = pd.concat(frames).set_index("id")
features = [c for c in data.columns if c.startswith("feature_")]

lat = data.pop("_latent")
preds = pd.DataFrame(index=data.index)
preds["model_a"] = 1 / (1 + np.exp(-(lat + rng.normal(0, 2, len(lat)))))
preds["model_ties"] = preds["model_a"].round(1)
preds["model_flat"] = rng.uniform(0, 1, len(lat))
preds.loc[data.era == "0003", "model_flat"] = 0.5  # constant within one era
meta = pd.DataFrame({"era": data.era, "numerai_meta_model": 1 / (1 + np.exp(-(lat + rng.normal(0, 1, len(lat)))))})
bench = pd.DataFrame({"v5_lgbm": rng.uniform(0, 1, len(lat)) + 0.1 * lat})

os.makedirs(OUT, exist_ok=True)
data.to_parquet(os.path.join(OUT, "data.parquet"))
preds.sample(frac=1, random_state=3).to_csv(os.path.join(OUT, "predictions.csv"), index_label="id")
meta.to_parquet(os.path.join(OUT, "meta_model.parquet"))
bench.to_parquet(os.path.join(OUT, "benchmark.parquet"))

data = data.sort_index()
preds = preds.sort_index()


def nan_safe(f):
    try:
        v = f()
        return float(v)
    except AssertionError:
        return float("nan")


for target in ["target", "target_aux", "target_f64"]:
    rows = []
    for era, de in data.groupby("era"):
        t = de[target]
        ok = t.notna()
        pe = preds.loc[de.index]
        corr = numerai_corr(pe, t)
        mmc = correlation_contribution(pe, meta.loc[de.index, "numerai_meta_model"], t)
        bmc = correlation_contribution(pe, bench.loc[de.index, "v5_lgbm"], t)
        for m in preds.columns:
            p = pe[[m]]
            tb = float("nan")
            if ok.sum() > 400:
                tb = float(numerai_corr(p, t, top_bottom=200)[m])
            fnc = nan_safe(lambda: feature_neutral_corr(p[ok], de.loc[ok, features], t[ok])[m])
            rows.append({
                "era": era, "model": m, "target": target,
                "corr": corr[m], "corr_tb200": tb, "mmc": mmc[m], "bmc": bmc[m], "fnc": fnc,
                "spearman": spearman_correlation(t[ok], pe.loc[ok, m]),
                "pearson": pearson_correlation(t[ok], pe.loc[ok, m]),
                "fexp_max": max_feature_correlation(pe[m], de[features])[1] if pe[m].std() > 0 else float("nan"),
            })
    pd.DataFrame(rows).to_csv(os.path.join(OUT, f"expected_{target}.csv"), index=False, float_format="%.17g")

# Partial coverage: predictions for 88% of each era's rows, as the 20% rule allows. The
# reference is called as a user calls it per era: the era's predicted rows and the era's whole
# target column, so numerai_corr (corr, corr_tb200, fnc) centres the target over every row of
# the era that has one, predicted or not. A separate generator keeps the files above unchanged.
prng = np.random.default_rng(11)
keep = []
for _era, de in data.groupby("era"):
    keep.extend(prng.choice(de.index.to_numpy(), size=int(round(0.88 * len(de))), replace=False))
partial = preds.loc[sorted(keep)]
partial.sample(frac=1, random_state=5).to_csv(os.path.join(OUT, "predictions_partial.csv"), index_label="id")
for target in ["target", "target_aux", "target_f64"]:
    rows = []
    for era, de in data.groupby("era"):
        t = de[target]
        pe = partial.loc[partial.index.intersection(de.index)].sort_index()
        scored = pe.index[t.loc[pe.index].notna().to_numpy()]
        corr = numerai_corr(pe, t)
        mmc = correlation_contribution(pe, meta.loc[pe.index, "numerai_meta_model"], t)
        bmc = correlation_contribution(pe, bench.loc[pe.index, "v5_lgbm"], t)
        for m in preds.columns:
            p = pe[[m]]
            tb = float("nan")
            if len(scored) > 400:
                tb = float(numerai_corr(p, t, top_bottom=200)[m])
            fnc = nan_safe(lambda: feature_neutral_corr(p.loc[scored], de.loc[scored, features], t)[m])
            rows.append({
                "era": era, "model": m, "target": target,
                "corr": corr[m], "corr_tb200": tb, "mmc": mmc[m], "bmc": bmc[m], "fnc": fnc,
                "spearman": spearman_correlation(t.loc[scored], pe.loc[scored, m]),
                "pearson": pearson_correlation(t.loc[scored], pe.loc[scored, m]),
                "fexp_max": max_feature_correlation(pe[m], de.loc[pe.index, features])[1] if pe[m].std() > 0 else float("nan"),
            })
    pd.DataFrame(rows).to_csv(os.path.join(OUT, f"expected_partial_{target}.csv"), index=False, float_format="%.17g")
print("wrote", OUT)
