"""erascore.ray against the in-process engine on one machine (docs/ray.md, Measured costs).

Run from the repository root in an environment with erascore (release build) and Ray, e.g.
.venv-test after `maturin develop --release`, with the CLI built for `synth`:

    python scripts/bench_ray.py [--eras 120] [--rows 2000] [--features 200] [--models 10]
                                [--cpus 2] [--repeat 3] [--cli target/debug/erascore]

Writes a synthetic archive (`erascore synth`, data rewritten with one row group per era, as
a large data file has many), then measures, each the minimum of `--repeat` warm runs:

- `erascore.score` in process (all cores), and in a subprocess with one rayon thread (the
  single-process throughput a Ray worker is compared with);
- `erascore.ray.score` on a local cluster of `--cpus` CPUs with the default shares (one
  task per CPU) and with shares of 10 eras; the output is checked equal to the in-process
  frame (`assert_frame_equal`, exact);
- the fixed cost of one share: the engine on no eras (reading every id and era, matching
  and checking all rows), and an empty Ray task's round trip;
- the per-(era, model) cost: the in-process single-thread time at `--models` and at 4x as
  many models.

Ray starts its workers at niceness 15; the cluster here starts them at `--worker-niceness`
(default 0, the in-process runs' niceness), so that on a machine shared with other work the
comparison is between equals.

Prints a markdown table and the numbers docs/ray.md's cost model takes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def synth(cli: str, out: Path, eras: int, rows: int, features: int, models: int) -> None:
    subprocess.run(
        [cli, "synth", "--eras", str(eras), "--rows", str(rows), "--features", str(features),
         "--models", str(models), "--out", str(out), "--quiet"],
        check=True, capture_output=True,
    )
    data = pq.read_table(out / "data.parquet")
    pq.write_table(data, out / "data.parquet", row_group_size=rows)


SINGLE = """
import json, sys, time
import erascore
paths, metrics, repeat = json.loads(sys.argv[1])
erascore.score(*paths, metrics=metrics, progress=False)
times = []
for _ in range(repeat):
    t = time.perf_counter(); erascore.score(*paths, metrics=metrics, progress=False)
    times.append(time.perf_counter() - t)
print(min(times))
"""


def single_thread(paths, metrics, repeat: int) -> float:
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", SINGLE, json.dumps([paths, metrics, repeat])],
        check=True, capture_output=True, text=True, env=env,
    )
    return float(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eras", type=int, default=120)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--features", type=int, default=200)
    ap.add_argument("--models", type=int, default=10)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--metrics", default="corr,mmc,fnc")
    ap.add_argument("--cli", default=str(ROOT / "target" / "debug" / "erascore"))
    ap.add_argument("--worker-niceness", type=int, default=0,
                    help="Ray starts workers at niceness 15; on a machine shared with other work "
                         "they would lose the CPU to it, while the in-process runs keep niceness 0")
    args = ap.parse_args()
    os.environ["RAY_worker_niceness"] = str(args.worker_niceness)
    metrics = args.metrics.split(",")

    import ray

    import erascore
    import erascore.ray as er
    from erascore import _erascore as _rs

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        synth(args.cli, tmp / "a", args.eras, args.rows, args.features, args.models)
        synth(args.cli, tmp / "b", args.eras, args.rows, args.features, 4 * args.models)
        paths = [str(tmp / "a" / f) for f in ("data.parquet", "predictions.parquet", "meta_model.parquet")]
        paths4 = [str(tmp / "b" / f) for f in ("data.parquet", "predictions.parquet", "meta_model.parquet")]
        kw = dict(metrics=metrics, progress=False)

        want = erascore.score(*paths, **kw)
        local = best(lambda: erascore.score(*paths, **kw), args.repeat)
        one = single_thread(paths, metrics, args.repeat)
        one4 = single_thread(paths4, metrics, args.repeat)

        started = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False,
                 _node_ip_address="127.0.0.1", configure_logging=False)
        init_s = time.perf_counter() - started
        try:
            started = time.perf_counter()
            first = er.score(*paths, **kw)
            cold = time.perf_counter() - started
            pd.testing.assert_frame_equal(first, want, check_exact=True)
            runs = {}
            for label, ept in [("default shares (1 per CPU)", None), ("shares of 10 eras", 10)]:
                got = er.score(*paths, eras_per_task=ept, **kw)
                pd.testing.assert_frame_equal(got, want, check_exact=True)
                runs[label] = (ept, best(lambda: er.score(*paths, eras_per_task=ept, **kw), args.repeat))

            @ray.remote(num_cpus=1)
            def empty() -> None:
                return None

            ray.get([empty.remote() for _ in range(4)])
            trip = best(lambda: ray.get(empty.remote()), 10)
        finally:
            ray.shutdown()
        share_fixed = best(
            lambda: _rs.score_frames(paths[0], paths[1], paths[2], "numerai_meta_model", None, None,
                                     targets=["target"], metrics=metrics, features=None, models=None,
                                     max_filtered_ratio=0.2, target_pow15=True, progress=None, eras=[]),
            args.repeat,
        )

    n = args.eras
    per_era_model = (one4 - one) / (n * 3 * args.models)
    per_era = (one - n * args.models * per_era_model) / n
    print(f"{args.eras} eras x {args.rows} rows, {args.features} features, {args.models} models, "
          f"metrics {','.join(metrics)}; local Ray cluster of {args.cpus} CPUs "
          f"(ray.init {init_s:.1f} s; first call {cold:.2f} s, workers starting)\n")
    print("| run | wall s | vs in-process | eras/s per worker |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| erascore.score, in process ({args.cpus} threads) | {local:.3f} | 1.00x | |")
    print(f"| erascore.score, one thread | {one:.3f} | {one / local:.2f}x | {n / one:.1f} |")
    for label, (ept, t) in runs.items():
        shares = -(-n // (ept or -(-n // args.cpus)))
        workers = min(args.cpus, shares)
        print(f"| erascore.ray.score, {label}: {shares} tasks | {t:.3f} | {t / local:.2f}x | "
              f"{n / t / workers:.1f} |")
    default = runs["default shares (1 per CPU)"][1]
    print()
    print(f"throughput per worker / single process (one thread): {(n / default / args.cpus) / (n / one):.2f}")
    print(f"per-task fixed cost: engine on no eras {share_fixed * 1e3:.1f} ms "
          f"+ empty Ray task round trip {trip * 1e3:.2f} ms")
    print(f"per (era, model) cost c_em = {per_era_model * 1e3:.3f} ms; per era c_e = {per_era * 1e3:.3f} ms "
          f"(one thread, from {args.models} and {4 * args.models} models)")


if __name__ == "__main__":
    main()
