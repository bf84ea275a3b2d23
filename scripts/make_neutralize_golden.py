#!/usr/bin/env python3
"""Golden per-era neutralized predictions for `erascore neutralize` and
`erascore.neutralize`, computed with numerai-tools 0.7.2.

Reads the data and predictions of fixtures/score (scripts/make_score_golden.py: five eras,
int8 features with a duplicate and a constant column, a tie-heavy model, a model constant in
era 0003, unsorted ids) and writes fixtures/neutralize/:
  features.json           a "small" feature set (five features, the duplicate included)
  neutralizers.csv        id, era and three float neutralizers (one of them a copy of
                          another scaled, so least squares has to drop it)
  expected_all_p0.5.csv   predictions_partial.csv (88% of each era) against every feature,
                          proportion 0.5
  expected_small_p1.csv   predictions.csv against the "small" set, proportion 1
  expected_file_p0.75.csv predictions.csv against neutralizers.csv, proportion 0.75
Each expected file has id, era and one column per model: per era, the era's predicted rows
sorted by id, `variance_normalize(neutralize(gaussian(tie_kept_rank(p)), n, proportion))`,
as a user calls numerai-tools era by era. A model constant in an era is NaN there.

Set-up:  python3 -m venv .venv && .venv/bin/pip install numerai-tools==0.7.2 pyarrow
Run:     .venv/bin/python scripts/make_neutralize_golden.py
"""
import json
import os

import numpy as np
import pandas as pd
from numerai_tools.scoring import gaussian, neutralize, tie_kept_rank, variance_normalize

HERE = os.path.dirname(os.path.abspath(__file__))
SCORE = os.path.join(HERE, "..", "fixtures", "score")
OUT = os.path.join(HERE, "..", "fixtures", "neutralize")
os.makedirs(OUT, exist_ok=True)

data = pd.read_parquet(os.path.join(SCORE, "data.parquet")).sort_index()
features = [c for c in data.columns if c.startswith("feature_")]
small = ["feature_00", "feature_03", "feature_07", "feature_11", "feature_14"]
with open(os.path.join(OUT, "features.json"), "w") as f:
    json.dump({"feature_sets": {"small": small, "all": features}}, f, indent=2)

rng = np.random.default_rng(23)
neutralizers = pd.DataFrame(index=data.index)
neutralizers["era"] = data["era"]
neutralizers["beta"] = rng.normal(0, 1, len(data))
neutralizers["size"] = rng.uniform(-2, 2, len(data)) + 0.3 * data["feature_01"]
neutralizers["beta_scaled"] = 3.0 * neutralizers["beta"]
neutralizers.sample(frac=1, random_state=9).to_csv(
    os.path.join(OUT, "neutralizers.csv"), index_label="id", float_format="%.17g"
)


def neutralized(preds, neutralizer_of, proportion):
    out = []
    for era, de in data.groupby("era"):
        pe = preds.loc[preds.index.intersection(de.index)].sort_index()
        n = neutralizer_of(pe.index)
        cols = {}
        for m in pe.columns:
            p = pe[[m]]
            if p[m].std() == 0:
                # numerai-tools turns a constant column into NaN before its least squares.
                cols[m] = np.full(len(p), np.nan)
                continue
            cols[m] = variance_normalize(neutralize(gaussian(tie_kept_rank(p)), n, proportion))[m].to_numpy()
        frame = pd.DataFrame(cols, index=pe.index)
        frame.insert(0, "era", era)
        out.append(frame)
    return pd.concat(out)


preds = pd.read_csv(os.path.join(SCORE, "predictions.csv"), index_col="id")
partial = pd.read_csv(os.path.join(SCORE, "predictions_partial.csv"), index_col="id")
numeric_neutralizers = neutralizers.drop(columns="era")
cases = [
    ("expected_all_p0.5.csv", partial, lambda ix: data.loc[ix, features].astype(float), 0.5),
    ("expected_small_p1.csv", preds, lambda ix: data.loc[ix, small].astype(float), 1.0),
    ("expected_file_p0.75.csv", preds, lambda ix: numeric_neutralizers.loc[ix], 0.75),
]
for name, p, n, proportion in cases:
    neutralized(p, n, proportion).to_csv(os.path.join(OUT, name), index_label="id", float_format="%.17g")
print("wrote", OUT)
