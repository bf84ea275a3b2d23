"""Benchmarks of the Python package against numerai-tools 0.7.2 and the CLI.

Run from the repository root in an environment with numerai-tools 0.7.2 and erascore
installed (release build), e.g. .venv-bench after `maturin develop --release`:

    python scripts/bench_python.py [--repeat 5] [--fnc-rows 5000] [--cli target/release/erascore]

Prints a markdown table: per-call times of the drop-in against numerai-tools (pandas inputs,
conversion included), `erascore.score` on in-memory frames against the CLI on the same data
written as parquet, `erascore.Evaluator` (CORR+MMC of one new prediction vector over a
prepared validation set against numerai-tools era by era; FNC with cached factorizations
against the same evaluator without), and the time of `import erascore`. Small repeat
counts: the minimum of the repeats is reported.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def settle() -> None:
    """Waits for numpy's OpenBLAS threads to stop spinning after the reference's last call:
    they keep both cores busy for a while and slowed erascore's next calls by up to 60%
    (measured 2026-12-07: 125-157 ms right after numerai-tools, 96 ms after a pause)."""
    time.sleep(0.5)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def era(rows: int, features: int, seed: int):
    rng = np.random.default_rng(seed)
    index = pd.Index([f"n{v:012x}" for v in np.sort(rng.choice(2**40, rows, replace=False))], name="id")
    preds = pd.DataFrame({"prediction": rng.random(rows)}, index=index)
    target = pd.Series(rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], rows).astype(np.float32), index=index, name="target")
    feats = pd.DataFrame(
        rng.integers(0, 5, size=(rows, features), dtype=np.int8),
        index=index,
        columns=[f"feature_{j:04d}" for j in range(features)],
    )
    return preds, target, feats


def evaluator_data(eras: int, rows: int, features: int, seed: int):
    """A validation frame (id, era, float32 target, int8 features), its meta model and one
    new prediction vector aligned to its rows."""
    rng = np.random.default_rng(seed)
    n = eras * rows
    data = pd.DataFrame({
        "id": [f"n{v:012x}" for v in rng.choice(2**40, n, replace=False)],
        "era": np.repeat([f"{e + 1:04d}" for e in range(eras)], rows),
        "target": rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], n).astype(np.float32),
    })
    # Drawn column by column (the same values as before) and joined once: inserting 705
    # columns one at a time fragments the frame and pandas warns for each.
    columns = {f"feature_{j:04d}": rng.integers(0, 5, n, dtype=np.int8) for j in range(features)}
    data = pd.concat([data, pd.DataFrame(columns, index=data.index)], axis=1)
    meta = pd.DataFrame({"id": data["id"], "numerai_meta_model": rng.random(n)})
    prediction = 0.1 * data["target"].to_numpy(np.float64) + rng.random(n)
    return data, meta, prediction


def evaluator_rows(args, repeat: int) -> list:
    """erascore.Evaluator: CORR+MMC of one new vector (target <= 20 ms at 120 eras x 6,200)
    against numerai-tools per era, and FNC cached vs not (target >= 10x)."""
    import erascore
    from numerai_tools import scoring as ref

    out = []
    data, meta, prediction = evaluator_data(args.evaluator_eras, args.evaluator_rows, 0, 3)
    ev = erascore.Evaluator(data, meta, metrics=["corr", "mmc"])
    got = ev.score(prediction)
    frame = pd.DataFrame({"id": data["id"], "prediction": prediction})
    want = erascore.score(data, frame, meta, metrics=["corr", "mmc"], progress=False)
    assert got[["corr", "mmc"]].equals(want[["corr", "mmc"]])
    settle()
    es_s = best(lambda: ev.score(prediction), max(repeat * 4, 10))

    def reference():
        indexed = data.set_index("id")
        m = meta.set_index("id")["numerai_meta_model"]
        p = pd.Series(prediction, index=data["id"], name="prediction")
        for _, era_rows in indexed.groupby("era"):
            ids = era_rows.index.sort_values()
            ref.numerai_corr(p.loc[ids].to_frame(), era_rows["target"].loc[ids])
            ref.correlation_contribution(p.loc[ids].to_frame(), m.loc[ids], era_rows["target"].loc[ids])

    ref_s = best(reference, 1)
    n = args.evaluator_eras * args.evaluator_rows
    out.append(row(
        f"Evaluator.score CORR+MMC, one new vector, {n:,} rows / {args.evaluator_eras} eras",
        ref_s, es_s, "numerai-tools per era vs a prepared evaluator; target <= 20 ms",
    ))

    data, _, prediction = evaluator_data(args.fnc_eras, args.evaluator_rows, args.fnc_features_medium, 4)
    uncached = erascore.Evaluator(data, metrics=["fnc"])
    cached = erascore.Evaluator(data, metrics=["fnc"], cache=args.fnc_cache_gb * 2**30)
    assert cached.cached[0] == args.fnc_eras, "raise --fnc-cache-gb: not every era was cached"
    assert cached.score(prediction)["fnc"].equals(uncached.score(prediction)["fnc"])
    settle()
    without = best(lambda: uncached.score(prediction), max(1, repeat // 3))
    with_cache = best(lambda: cached.score(prediction), repeat)
    out.append(
        f"| Evaluator.score FNC, {args.fnc_eras} eras x {args.evaluator_rows:,} rows x "
        f"{args.fnc_features_medium} features, cached vs not | {without * 1e3:,.0f} (no cache) | "
        f"{with_cache * 1e3:,.1f} | {without / with_cache:,.1f}x | target >= 10x; cache "
        f"{cached.cached[1] / 2**20:,.0f} MB |"
    )
    return out


def row(task, ref_s, es_s, note=""):
    ratio = ref_s / es_s if es_s > 0 else float("inf")
    return f"| {task} | {ref_s * 1e3:,.2f} | {es_s * 1e3:,.2f} | {ratio:,.1f}x | {note} |"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--fnc-rows", type=int, default=5000)
    ap.add_argument("--fnc-features", type=int, default=2750)
    ap.add_argument("--cli", default="target/release/erascore")
    ap.add_argument("--score-eras", type=int, default=60)
    ap.add_argument("--score-rows", type=int, default=5000)
    ap.add_argument("--score-features", type=int, default=780)
    ap.add_argument("--evaluator-eras", type=int, default=120)
    ap.add_argument("--evaluator-rows", type=int, default=6200)
    ap.add_argument("--fnc-eras", type=int, default=30, help="eras of the FNC evaluator case")
    ap.add_argument("--fnc-features-medium", type=int, default=705)
    ap.add_argument("--fnc-cache-gb", type=int, default=2)
    args = ap.parse_args()

    import erascore
    from erascore.numerai_tools import scoring as es
    from numerai_tools import scoring as ref

    lines = ["| task | reference ms | erascore ms | ratio | notes |", "| --- | ---: | ---: | ---: | --- |"]

    preds, target, _ = era(5000, 0, 1)
    assert abs(es.numerai_corr(preds, target).iloc[0] - ref.numerai_corr(preds, target).iloc[0]) < 1e-8
    n = max(args.repeat * 10, 20)
    lines.append(row(
        "drop-in numerai_corr, 5,000 rows",
        best(lambda: ref.numerai_corr(preds, target), n),
        best(lambda: es.numerai_corr(preds, target), n),
        "numerai-tools vs erascore.numerai_tools, pandas in and out",
    ))

    preds, target, feats = era(args.fnc_rows, args.fnc_features, 2)
    rng = np.random.default_rng(3)
    # The dtypes users hold Numerai's features in (int8 as shipped; float32/float64 after a
    # cast: the same 0..4 values), then real-valued float64 features (the f64 path).
    cases = [
        ("int8 features", feats, 1e-8),
        ("float32 features (Numerai's 0..4 values)", feats.astype(np.float32), 1e-8),
        ("float64 features (Numerai's 0..4 values)", feats.astype(np.float64), 1e-8),
        ("real-valued float64 features", feats + rng.standard_normal(feats.shape), 1e-8),
    ]
    for label, fs, tol in cases:
        got = es.feature_neutral_corr(preds, fs, target).iloc[0]
        # erascore first: after numpy's lstsq, OpenBLAS's threads keep spinning for a while
        # and would take the cores erascore's threads need.
        settle()
        es_s = best(lambda fs=fs: es.feature_neutral_corr(preds, fs, target), args.repeat)
        want_start = time.perf_counter()
        want = ref.feature_neutral_corr(preds, fs, target).iloc[0]
        ref_once = time.perf_counter() - want_start
        assert abs(got - want) < tol, (label, got, want)
        ref_s = min(ref_once, best(lambda fs=fs: ref.feature_neutral_corr(preds, fs, target), max(1, args.repeat // 3)))
        target_ratio = "10x" if label.startswith("real") else "30x"
        lines.append(row(
            f"drop-in feature_neutral_corr, {args.fnc_rows:,} rows x {args.fnc_features:,} {label}",
            ref_s,
            es_s,
            f"pandas DataFrame of features; target >= {target_ratio}",
        ))

    cli = Path(args.cli)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [str(cli), "synth", "--eras", str(args.score_eras), "--rows", str(args.score_rows),
             "--features", str(args.score_features), "--models", "3", "--out", tmp, "--quiet"],
            check=True,
        )
        data_path = Path(tmp) / "data.parquet"
        preds_path = Path(tmp) / "predictions.parquet"
        metrics = "corr,fnc"
        out = Path(tmp) / "scores.csv"

        def run_cli():
            subprocess.run(
                [str(cli), "score", "--data", str(data_path), "--predictions", str(preds_path),
                 "--metrics", metrics, "--out", str(out), "--quiet"],
                check=True, capture_output=True,
            )

        data = pd.read_parquet(data_path)
        predictions = pd.read_parquet(preds_path)
        frame_scores = erascore.score(data, predictions, metrics=metrics.split(","), progress=False)
        cli_s = best(run_cli, max(1, args.repeat // 2))
        cli_scores = pd.read_csv(out)
        assert np.allclose(frame_scores["fnc"].to_numpy(), cli_scores["fnc"].to_numpy(), atol=1e-12)
        frames_s = best(
            lambda: erascore.score(data, predictions, metrics=metrics.split(","), progress=False),
            max(1, args.repeat // 2),
        )
        lines.append(
            f"| erascore.score on pandas frames vs CLI on parquet, {args.score_eras} eras x "
            f"{args.score_rows:,} rows x {args.score_features} features, 3 models, corr+fnc | "
            f"{cli_s * 1e3:,.0f} (CLI) | {frames_s * 1e3:,.0f} | {frames_s / cli_s:.2f}x of CLI | "
            "target: within 1.2x |"
        )

    lines.extend(evaluator_rows(args, args.repeat))

    def import_time() -> float:
        code = "import time; t=time.perf_counter(); import erascore; print(time.perf_counter()-t)"
        return min(
            float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(5)
        )

    lines.append(f"| import erascore | | {import_time() * 1e3:,.1f} | | target < 300 ms |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
