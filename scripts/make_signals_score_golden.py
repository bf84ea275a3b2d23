#!/usr/bin/env python3
"""Golden per-era Signals scores for `erascore score`, computed with numerai-tools 0.7.2.

Writes fixtures/signals_score/: data.parquet (tickers as ids, repeated every era; four int8
features; a float32 target with NaNs), predictions.csv (id, era, three models, one of them
tie-heavy; rows shuffled; ~95% of each era's tickers), previous.csv (each era's previous
submission: the models' predictions of the era before, on the tickers still in the
universe; none for the first era), neutralizers.csv (id, era, six float columns, the last a
copy of the first: rank-deficient), sample_weights.csv (id, era, weight), meta_model.csv,
stakes.csv, and:

- expected.csv: nc, ncontrib, alpha, mpc, churn, churn_tb40, neutral_churn, turnover per
  (era, model) with the files above;
- expected_features.csv: nc, alpha, mpc with no --neutralizers/--sample-weights (the data's
  features as neutralizers, weight 1);
- expected_max.csv: churn, churn_tb40, neutral_churn, turnover as the max over previous.csv
  and previous2.csv (each era's submission two rounds back; none for the first two eras).

Each metric is called per era the way a user calls numerai-tools on one era: the era's
predicted rows, the era's whole target column (NaN included), its neutralizers and sample
weights, and for churn/turnover the two submissions with that era's neutralizers and weights.

Run:  /work/venv-ref/bin/python scripts/make_signals_score_golden.py
"""
import os

import numpy as np
import pandas as pd
from numerai_tools.scoring import (
    alpha,
    generate_neutralized_weights,
    meta_portfolio_contribution,
    neutral_contribution,
    neutral_correlation,
)
from numerai_tools.signals import churn, neutral_churn, turnover

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "signals_score")
TB = 40
rng = np.random.default_rng(20261130)

tickers = [f"T{i:04d} US" for i in range(340)]
eras = ["0001", "0002", "0003", "0004"]
models = ["model_a", "model_b", "model_ties"]

data_frames, pred_frames, neut_frames, sw_frames, meta_frames = [], [], [], [], []
for era in eras:
    # The universe changes a little from era to era.
    universe = sorted(rng.choice(tickers, size=300, replace=False))
    n = len(universe)
    feats = rng.integers(0, 5, size=(n, 4)).astype(np.int8)
    latent = feats.astype(float) @ np.array([0.2, -0.1, 0.15, 0.05]) + rng.normal(0, 1, n)
    q = np.quantile(latent, [0.1, 0.3, 0.7, 0.9])
    target = (np.digitize(latent, q) / 4.0).astype(np.float32)
    target[rng.choice(n, 12, replace=False)] = np.nan
    d = pd.DataFrame(feats, columns=[f"feature_{i}" for i in range(4)])
    d.insert(0, "id", universe)
    d.insert(1, "era", era)
    d["target"] = target
    data_frames.append(d)

    raw = rng.normal(0, 1, (n, 5)) / np.sqrt(n)
    neut = pd.DataFrame(np.column_stack([raw, raw[:, 0]]).round(6), columns=[f"risk_{i}" for i in range(6)])
    neut.insert(0, "id", universe)
    neut.insert(1, "era", era)
    neut_frames.append(neut)

    sw = pd.DataFrame({"id": universe, "era": era, "weight": rng.uniform(0.2, 2.0, n).round(4)})
    sw_frames.append(sw)

    predicted = rng.random(n) < 0.95
    a = latent + rng.normal(0, 1.5, n)
    b = 0.5 * latent + rng.normal(0, 1.2, n) + feats[:, 0]
    p = pd.DataFrame({
        "id": universe,
        "era": era,
        "model_a": (1 / (1 + np.exp(-a))).round(6),
        "model_b": (1 / (1 + np.exp(-b))).round(6),
        "model_ties": (1 / (1 + np.exp(-a))).round(1),
    })
    pred_frames.append(p[predicted])
    meta_frames.append(pd.DataFrame({
        "id": universe, "era": era,
        "numerai_meta_model": (1 / (1 + np.exp(-(latent + rng.normal(0, 1, n))))).round(6),
    }))

data = pd.concat(data_frames, ignore_index=True)
preds = pd.concat(pred_frames, ignore_index=True)
neutralizers = pd.concat(neut_frames, ignore_index=True)
weights = pd.concat(sw_frames, ignore_index=True)
meta = pd.concat(meta_frames, ignore_index=True)
stakes = pd.Series({"model_a": 120.0, "model_b": 40.0, "model_ties": 7.5}, name="stake")

# Era e's previous submission: what the model submitted in era e-1, on the tickers of that
# submission that are still in era e's universe (a weekly resubmission).
prev_frames = []
for e in range(1, len(eras)):
    before = preds[preds.era == eras[e - 1]].copy()
    before = before[before.id.isin(set(data[data.era == eras[e]].id))]
    before["era"] = eras[e]
    prev_frames.append(before)
previous = pd.concat(prev_frames, ignore_index=True)

# Two rounds back, for the max over several --previous files.
prev2_frames = []
for e in range(2, len(eras)):
    before = preds[preds.era == eras[e - 2]].copy()
    before = before[before.id.isin(set(data[data.era == eras[e]].id))]
    before["era"] = eras[e]
    prev2_frames.append(before)
previous2 = pd.concat(prev2_frames, ignore_index=True)

os.makedirs(OUT, exist_ok=True)
data.to_parquet(os.path.join(OUT, "data.parquet"), index=False)
preds.sample(frac=1, random_state=4).to_csv(os.path.join(OUT, "predictions.csv"), index=False)
previous.sample(frac=1, random_state=5).to_csv(os.path.join(OUT, "previous.csv"), index=False)
previous2.sample(frac=1, random_state=6).to_csv(os.path.join(OUT, "previous2.csv"), index=False)
neutralizers.to_csv(os.path.join(OUT, "neutralizers.csv"), index=False)
weights.to_csv(os.path.join(OUT, "sample_weights.csv"), index=False)
meta.to_csv(os.path.join(OUT, "meta_model.csv"), index=False)
stakes.rename_axis("model").reset_index().to_csv(os.path.join(OUT, "stakes.csv"), index=False)


def by_era(frame, era, cols):
    f = frame[frame.era == era].set_index("id").sort_index()
    return f[cols]


def against(p, prev, n, w, model):
    s1, s2 = p[model], prev[model]
    w1 = generate_neutralized_weights(p[[model]], n, w, center_and_normalize=True)[model]
    w2 = generate_neutralized_weights(prev[[model]], n, w, center_and_normalize=True)[model]
    return {
        "churn": churn(s1, s2),
        f"churn_tb{TB}": churn(s1, s2, top_bottom=TB),
        "neutral_churn": neutral_churn(s1, s2, n, n),
        "turnover": turnover(w1, w2),
    }


rows, rows_features, rows_max = [], [], []
for era in eras:
    d = by_era(data, era, ["target"] + [f"feature_{i}" for i in range(4)])
    t = d["target"]
    p = by_era(preds, era, models)
    n = by_era(neutralizers, era, [f"risk_{i}" for i in range(6)])
    w = by_era(weights, era, ["weight"])["weight"]
    m = by_era(meta, era, ["numerai_meta_model"])["numerai_meta_model"]
    nc = neutral_correlation(p, n, t)
    ncontrib = neutral_contribution(p, m, n, t)
    al = alpha(p, n, w, t)
    mpc = meta_portfolio_contribution(p, stakes, n, w, t)
    feats = d[[f"feature_{i}" for i in range(4)]].astype(float)
    ones = pd.Series(1.0, index=d.index)
    nc_f = neutral_correlation(p, feats, t)
    al_f = alpha(p, feats, ones, t)
    mpc_f = meta_portfolio_contribution(p, stakes, feats, ones, t)
    prev = by_era(previous, era, models) if (previous.era == era).any() else None
    for model in models:
        c = tb = nch = to = float("nan")
        if prev is not None:
            s1, s2 = p[model], prev[model]
            c = churn(s1, s2)
            tb = churn(s1, s2, top_bottom=TB)
            nch = neutral_churn(s1, s2, n, n)
            w1 = generate_neutralized_weights(p[[model]], n, w, center_and_normalize=True)[model]
            w2 = generate_neutralized_weights(prev[[model]], n, w, center_and_normalize=True)[model]
            to = turnover(w1, w2)
        rows.append({
            "era": era, "model": model, "target": "target",
            "nc": nc[model], "ncontrib": ncontrib[model], "alpha": al[model], "mpc": mpc[model],
            "churn": c, f"churn_tb{TB}": tb, "neutral_churn": nch, "turnover": to,
        })
        # The max over both earlier submissions that exist for the era.
        found = [
            against(p, by_era(f, era, models), n, w, model)
            for f in (previous, previous2)
            if (f.era == era).any()
        ]
        best = {k: max((x[k] for x in found), default=float("nan")) for k in
                ["churn", f"churn_tb{TB}", "neutral_churn", "turnover"]}
        rows_max.append({"era": era, "model": model, "target": "target", **best})
        rows_features.append({
            "era": era, "model": model, "target": "target",
            "nc": nc_f[model], "alpha": al_f[model], "mpc": mpc_f[model],
        })

pd.DataFrame(rows).to_csv(os.path.join(OUT, "expected.csv"), index=False, float_format="%.17g")
pd.DataFrame(rows_features).to_csv(
    os.path.join(OUT, "expected_features.csv"), index=False, float_format="%.17g"
)
pd.DataFrame(rows_max).to_csv(os.path.join(OUT, "expected_max.csv"), index=False, float_format="%.17g")
print("wrote", OUT)
