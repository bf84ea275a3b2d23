#!/usr/bin/env python3
"""Times numerai-tools 0.7.2's Signals `alpha` and `meta_portfolio_contribution` on one era of
the shape of benches/benches/signals.rs: 100 models x 5,000 tickers x 50 neutralizers (float64
risk factors, standard normals / sqrt(n)), sample weights in [0.5, 1.5), a float32 target in
{0, .25, .5, .75, 1}. Prints the minimum over repeats of each call, in milliseconds, and, with
--rust-ms, the ratio to the criterion times of `cargo bench -p erascore-benches --bench signals`.

    /work/venv-ref/bin/python scripts/bench_signals.py [--repeat 5] [--rust-ms ALPHA,MPC,BOTH]
"""
import argparse
import time

import numpy as np
import pandas as pd
from numerai_tools.scoring import alpha, meta_portfolio_contribution

TICKERS, MODELS, NEUTRALIZERS = 5_000, 100, 50


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rust-ms", help="criterion medians: alpha,mpc,both (ms)")
    args = ap.parse_args()
    rng = np.random.default_rng(11)
    index = pd.Index([f"T{i:06d}" for i in range(TICKERS)], name="id")
    preds = pd.DataFrame(
        rng.random((TICKERS, MODELS)), index=index, columns=[f"model_{m:03d}" for m in range(MODELS)]
    )
    neutralizers = pd.DataFrame(
        rng.normal(0, 1, (TICKERS, NEUTRALIZERS)) / np.sqrt(TICKERS),
        index=index,
        columns=[f"risk_{j:03d}" for j in range(NEUTRALIZERS)],
    )
    weights = pd.Series(0.5 + rng.random(TICKERS), index=index, name="weight")
    target = pd.Series(
        rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], TICKERS, p=[0.05, 0.2, 0.5, 0.2, 0.05]).astype(np.float32),
        index=index,
        name="target",
    )
    stakes = pd.Series(np.round(10 * np.exp(3 * rng.random(MODELS)), 2), index=preds.columns)

    t_alpha = best(lambda: alpha(preds, neutralizers, weights, target), args.repeat)
    t_mpc = best(
        lambda: meta_portfolio_contribution(preds, stakes, neutralizers, weights, target), args.repeat
    )
    print(f"numerai-tools 0.7.2, {MODELS} models x {TICKERS} tickers x {NEUTRALIZERS} neutralizers, "
          f"min of {args.repeat}:")
    print(f"  alpha: {t_alpha * 1e3:.1f} ms")
    print(f"  meta_portfolio_contribution: {t_mpc * 1e3:.1f} ms")
    print(f"  both: {(t_alpha + t_mpc) * 1e3:.1f} ms")
    if args.rust_ms:
        ra, rm, rb = (float(x) for x in args.rust_ms.split(","))
        print(f"ratio (numerai-tools / erascore): alpha {t_alpha * 1e3 / ra:.1f}x, "
              f"mpc {t_mpc * 1e3 / rm:.1f}x, both {(t_alpha + t_mpc) * 1e3 / rb:.1f}x")


if __name__ == "__main__":
    main()
