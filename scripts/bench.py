#!/usr/bin/env python3
"""Benchmark `erascore score` against numerai-tools 0.7.2 on the same synthetic data.

Generates a dataset with `erascore synth`, then runs each task twice in the same run:
through numerai-tools (pandas groupby per era, as a user would write it: sort the index,
take each era's rows, call numerai_corr / correlation_contribution / feature_neutral_corr /
max_feature_correlation) and through `erascore score --quiet`, one process per task and
per tool. Prints a table of wall times, speed ratios, peak RSS and the largest absolute
difference between the two tools' per-era numbers, then the issue's speed targets.

Usage (normally through scripts/bench.sh, which makes the pinned .venv-bench):

    scripts/bench.sh --eras 20 --rows 2000 --features 300 --models 5 --markdown

Tasks (--tasks, comma-separated; default: all):
    corr_mmc        CORR (numerai_corr) + MMC (correlation_contribution), every model
    fnc_medium_1    FNC against the "medium" feature set, model_0 only
    fnc_medium_all  FNC against the "medium" feature set, every model
    fnc_all_1       FNC against the "all" feature set, model_0 only
    fnc_all_all     FNC against the "all" feature set, every model
    fexp            feature exposure (max_feature_correlation / fexp_max), all features,
                    every model
    parquet         reading the feature columns: pyarrow.parquet.read_table(features + era
                    + id) next to the whole of `erascore score --metrics fexp_max
                    --models model_0` (see the notes printed with the table)
    threads         erascore alone with --threads 1 and --threads 2 on the tasks of
                    --thread-tasks (default corr_mmc, fnc_medium_all, fexp)
    diagnostics     erascore alone: `erascore diagnostics` (corr, mmc, fnc, fexp_max, ...
                    against every feature) on the last N eras for each N of --diag-eras
                    (`--eras last:N`; default: all eras), with peak RSS and the read /
                    score / write split; the streaming pipeline's memory check
  "fnc" stands for the four FNC tasks.

How the numbers are measured:
  * Every task runs in its own child process; wall time is measured around the child
    (process start, imports and parquet reading included) and peak RSS is the child's
    ru_maxrss from wait4(), so it is per task and per tool. This driver imports no
    numpy/pandas so that it stays small (a vfork'ed child's RSS before exec counts).
  * numerai-tools: "load" is pd.read_parquet of the needed columns + set_index("id") +
    sort_index() of data, predictions and meta model; "compute" is the loop over eras.
    When a task would take longer than --ref-budget seconds of compute (default 600),
    or with --sample-eras N, numerai-tools is timed on a sample of eras spread evenly over
    the whole range, and its compute time is scaled by total rows / sampled rows; the
    table says so ("12/120 eras, extrapolated"). Agreement is then checked on those eras.
  * erascore: best wall time of up to --repeat runs (default 3) of the whole process; a
    run longer than --repeat-under seconds (default 10) is not repeated.
  * ratio = numerai-tools (load + compute) / erascore's whole process; "ratio, compute
    only" = numerai-tools' per-era loop / erascore's scoring phase (its `--timings` "score"
    time: everything after the files are read), both with the data already in memory.
  * max |diff|: the largest absolute difference over every (era, model, metric) that both
    tools scored; NaN on both sides counts as equal, NaN on one side as infinite.
"""
import argparse
import csv
import json
import math
import os
import re
import platform
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

ALL_TASKS = ["corr_mmc", "fnc_medium_1", "fnc_medium_all", "fnc_all_1", "fnc_all_all",
             "fexp", "parquet", "threads", "diagnostics"]
# task -> (erascore metrics, feature set or None, one model only?)
SPEC = {
    "corr_mmc": ("corr,mmc", None, False),
    "fnc_medium_1": ("fnc", "medium", True),
    "fnc_medium_all": ("fnc", "medium", False),
    "fnc_all_1": ("fnc", "all", True),
    "fnc_all_all": ("fnc", "all", False),
    "fexp": ("fexp_max", "all", False),
    "parquet": ("fexp_max", "all", True),
}
LABEL = {
    "corr_mmc": "CORR + MMC",
    "fnc_medium_1": "FNC, medium features, 1 model",
    "fnc_medium_all": "FNC, medium features, all models",
    "fnc_all_1": "FNC, all features, 1 model",
    "fnc_all_all": "FNC, all features, all models",
    "fexp": "feature exposure (fexp_max), all features",
    "parquet": "read feature columns (pyarrow vs erascore fexp_max, 1 model)",
}
TARGET = "target"


# ---------------------------------------------------------------------------------------
# helpers


def spread(n):
    """0..n-1 in van der Corput order: every prefix is spread evenly over the range."""
    out, seen, i = [], set(), 0
    while len(out) < n:
        x, f, j = 0.0, 0.5, i
        while j:
            x += f * (j & 1)
            j >>= 1
            f /= 2
        k = int(x * n)
        if k not in seen:
            seen.add(k)
            out.append(k)
        i += 1
    return out


def era_key(e):
    e = str(e)
    return str(int(e)) if e.isdigit() else e


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def busy_cpu_s():
    """CPU seconds the whole machine has spent busy since boot (from /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return math.nan
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


LAST_OTHER = [math.nan]


def read_timings(log):
    """erascore's `--timings` line from a run's log: {"read": s, "score": s, "write": s}."""
    try:
        with open(log) as f:
            for line in f:
                if line.startswith("timings:"):
                    return {k: float(v) for k, v in
                            re.findall(r"(\w+) ([0-9.]+) s", line.split(":", 1)[1])}
    except OSError:
        pass
    return {}


def run_child(cmd, log, env=None):
    """Runs cmd with stdout/stderr to log; returns (wall seconds, peak RSS bytes, rc).

    Also leaves in LAST_OTHER[0] the CPU that other processes used meanwhile, in cores on
    average (machine busy time minus the child's own user + system time, over wall time).
    """
    with open(log, "w") as f:
        b0 = busy_cpu_s()
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        b1 = busy_cpu_s()
    LAST_OTHER[0] = max(0.0, (b1 - b0 - ru.ru_utime - ru.ru_stime) / wall) if wall > 0 else math.nan
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_maxrss * 1024, p.returncode


def tail(path, n=15):
    try:
        with open(path) as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def mib(b):
    return f"{b / 2**20:,.0f} MiB" if b < 10 * 2**30 else f"{b / 2**30:,.1f} GiB"


def secs(s):
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return "–"
    return f"{s:,.3f}" if s < 10 else f"{s:,.1f}" if s < 1000 else f"{s:,.0f}"


def ratio(a, b):
    return a / b if a and b else math.nan


def fx(r):
    return "–" if r is None or math.isnan(r) else f"{r:,.1f}×" if r >= 10 else f"{r:,.2f}×"


# ---------------------------------------------------------------------------------------
# numerai-tools side (runs in its own process: `bench.py _ref ...`)


def ref_main(argv):
    ap = argparse.ArgumentParser(prog="bench.py _ref")
    ap.add_argument("--task", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--features-json", required=True)
    ap.add_argument("--eras", default="", help="comma-separated era positions (sorted order)")
    ap.add_argument("--budget", type=float, default=600.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)

    t_start = time.perf_counter()
    import numpy as np  # noqa: F401  (imports are part of the process, not of "load")
    import pandas as pd
    import pyarrow.parquet as pq
    from numerai_tools.scoring import (
        correlation_contribution,
        feature_neutral_corr,
        max_feature_correlation,
        numerai_corr,
    )

    t_import = time.perf_counter() - t_start
    d = a.data_dir
    _, fset_name, one = SPEC[a.task]
    with open(a.features_json) as f:
        fsets = json.load(f)["feature_sets"]
    fset = fsets[fset_name] if fset_name else []
    res = {"task": a.task, "import_s": t_import}

    if a.task == "parquet":
        t0 = time.perf_counter()
        tbl = pq.read_table(f"{d}/data.parquet", columns=fset + ["era", "id"])
        res["load_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        df = tbl.to_pandas()
        res["to_pandas_s"] = time.perf_counter() - t0
        res["rows"] = len(df)
        res["compute_s"] = 0.0
        del df, tbl
        with open(a.out, "w") as f:
            json.dump(res, f)
        return

    def load(path, cols):
        names = pq.read_schema(path).names
        if "id" in names and "id" not in cols:
            cols = ["id"] + cols
        df = pd.read_parquet(path, columns=cols)
        if "id" in df.columns:
            df = df.set_index("id")
        return df.sort_index()

    t0 = time.perf_counter()
    data = load(f"{d}/data.parquet", ["era", TARGET] + fset)
    pred_cols = [c for c in pq.read_schema(f"{d}/predictions.parquet").names
                 if c not in ("id", "era", "data_type") and not c.startswith("__")]
    preds = load(f"{d}/predictions.parquet", pred_cols)
    meta = None
    if a.task == "corr_mmc":
        meta = load(f"{d}/meta_model.parquet", ["numerai_meta_model"])["numerai_meta_model"]
    res["load_s"] = time.perf_counter() - t0

    models = [pred_cols[0]] if one else pred_cols
    t0 = time.perf_counter()
    groups = data.groupby("era", sort=True).indices
    era_names = sorted(groups)
    rows_total = len(data)
    res["prep_s"] = time.perf_counter() - t0
    order = [int(x) for x in a.eras.split(",")] if a.eras else list(range(len(era_names)))
    order = [order[i] for i in spread(len(order))]  # any prefix is spread out

    values = {}  # metric -> era -> model -> value
    done, rows_done, compute, era_s, era_rows = [], 0, 0.0, [], []
    for pos in order:
        era = era_names[pos]
        t0 = time.perf_counter()
        de = data.iloc[groups[era]]
        t = de[TARGET]
        ok = t.notna()
        out = {}
        if a.task == "corr_mmc":
            idx = de.index[ok]
            pe = preds.loc[idx, models]
            tt = t[ok]
            out["corr"] = numerai_corr(pe, tt)
            out["mmc"] = correlation_contribution(pe, meta.loc[idx], tt)
        elif a.task.startswith("fnc"):
            idx = de.index[ok]
            pe = preds.loc[idx, models]
            out["fnc"] = feature_neutral_corr(pe, de.loc[ok, fset], t[ok])
        elif a.task == "fexp":
            pe = preds.loc[de.index, models]
            feats = de[fset]
            out["fexp_max"] = {
                m: (max_feature_correlation(pe[m], feats)[1] if pe[m].std() > 0 else math.nan)
                for m in models
            }
        dt = time.perf_counter() - t0
        compute += dt
        era_s.append(dt)
        era_rows.append(len(de))
        for metric, s in out.items():
            values.setdefault(metric, {})[era] = {m: float(s[m]) for m in models}
        done.append(era)
        rows_done += len(de)
        if compute > a.budget:
            break

    res.update({
        "compute_s": compute, "eras_done": done, "n_eras": len(era_names),
        "rows_done": rows_done, "rows_total": rows_total, "models": models,
        "era_s": era_s, "era_rows": era_rows,
        "values": values,
    })
    try:
        from threadpoolctl import threadpool_info

        res["blas"] = [{k: i.get(k) for k in ("internal_api", "version", "architecture",
                                                "num_threads")} for i in threadpool_info()]
    except Exception as e:  # informational only
        res["blas"] = str(e)
    with open(a.out, "w") as f:
        json.dump(res, f)


def probe_main(argv):
    """`bench.py _probe DATA_DIR FALLBACK_FEATURES_JSON`: prints the dataset's shape as JSON."""
    import pyarrow.parquet as pq

    d, fallback = argv
    fj = os.path.join(d, "features.json")
    if not os.path.exists(fj):
        # A dataset without features.json (e.g. a conformance case): every feature_* column
        # is "all", every 4th one "medium", every 16th "small".
        feats = [c for c in pq.read_schema(os.path.join(d, "data.parquet")).names
                 if c.startswith("feature_")]
        fj = fallback
        with open(fj, "w") as f:
            json.dump({"feature_sets": {"all": feats, "medium": feats[::4], "small": feats[::16]}}, f)
    with open(fj) as f:
        fsets = {k: len(v) for k, v in json.load(f)["feature_sets"].items()}
    md = pq.read_metadata(os.path.join(d, "data.parquet"))
    names = pq.read_schema(os.path.join(d, "predictions.parquet")).names
    models = [c for c in names if c not in ("id", "era", "data_type") and not c.startswith("__")]
    eras = pq.read_table(os.path.join(d, "data.parquet"), columns=["era"]).column(0).unique()
    # Warm-up: bring the files into the page cache and the Python modules into memory, so
    # that the first task timed is not penalised.
    for name in ("data.parquet", "predictions.parquet", "meta_model.parquet"):
        with open(os.path.join(d, name), "rb") as f:
            while f.read(1 << 24):
                pass
    import numerai_tools.scoring  # noqa: F401
    import pandas  # noqa: F401

    json.dump({"features_json": fj, "fsets": fsets,
               "shape": {"rows": md.num_rows, "eras": len(eras), "models": models}}, sys.stdout)


# ---------------------------------------------------------------------------------------
# driver


class Bench:
    def __init__(self, a):
        self.a = a
        self.bin = os.path.abspath(a.bin)
        os.makedirs(a.out_dir, exist_ok=True)
        self.logs = os.path.join(a.out_dir, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.rows = []  # result dicts
        self.threads = []
        self.diag = []
        self.synth_s = None

    def say(self, msg):
        print(msg, file=sys.stderr, flush=True)

    # -- data ---------------------------------------------------------------------------
    def dataset(self):
        a = self.a
        if a.data_dir:
            self.data_dir = os.path.abspath(a.data_dir)
        else:
            tag = f"e{a.eras}-r{a.rows}-f{a.features}-m{a.models}-s{a.seed}"
            self.data_dir = os.path.abspath(os.path.join(a.out_dir, "data-" + tag))
            stamp = os.path.join(self.data_dir, ".bench-stamp")
            if a.regen or not os.path.exists(stamp):
                cmd = [self.bin, "synth", "--eras", str(a.eras), "--rows", str(a.rows),
                       "--features", str(a.features), "--models", str(a.models),
                       "--seed", str(a.seed), "--out", self.data_dir, "--quiet"]
                self.say("$ " + shlex.join(cmd))
                wall, _, rc = run_child(cmd, os.path.join(self.logs, "synth.log"))
                if rc != 0:
                    sys.exit("erascore synth failed:\n" + tail(os.path.join(self.logs, "synth.log")))
                self.synth_s = wall
                with open(stamp, "w") as f:
                    f.write(tag + "\n")
        # Read the parquet footers in a child process: this driver must stay small, since
        # a child's ru_maxrss includes the RSS of the parent it was vfork'ed from.
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "_probe", self.data_dir,
                              os.path.join(a.out_dir, "features.json")],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("cannot read the dataset:\n" + out.stderr)
        probe = json.loads(out.stdout)
        self.features_json = probe["features_json"]
        self.fsets = probe["fsets"]
        self.shape = probe["shape"]

    # -- erascore -----------------------------------------------------------------------
    def erascore_cmd(self, task, out, threads=None):
        metrics, fset, one = SPEC[task]
        d = self.data_dir
        cmd = [self.bin]
        if threads:
            cmd += ["--threads", str(threads)]
        cmd += ["score", "--data", f"{d}/data.parquet", "--predictions", f"{d}/predictions.parquet",
                "--target", TARGET, "--metrics", metrics, "--out", out, "--quiet", "--timings"]
        if "mmc" in metrics:
            cmd += ["--meta-model", f"{d}/meta_model.parquet"]
        if fset:
            cmd += ["--features-json", self.features_json, "--feature-set", fset]
        if one:
            cmd += ["--models", self.shape["models"][0]]
        return cmd

    def run_erascore(self, task, threads=None):
        tag = f"{task}" + (f"-t{threads}" if threads else "")
        out = os.path.join(self.a.out_dir, f"erascore-{tag}.csv")
        cmd = self.erascore_cmd(task, out, threads)
        best, rss, runs = math.inf, 0, 0
        while runs < self.a.repeat:
            log = os.path.join(self.logs, f"erascore-{tag}.log")
            wall, peak, rc = run_child(cmd, log)
            if rc != 0:
                sys.exit(f"erascore failed ({task}):\n$ {shlex.join(cmd)}\n{tail(log)}")
            if wall < best:
                other = LAST_OTHER[0]
                phases = read_timings(log)
            best, rss, runs = min(best, wall), max(rss, peak), runs + 1
            if wall > self.a.repeat_under:
                break
        return {"s": best, "rss": rss, "csv": out, "cmd": cmd, "runs": runs, "other": other,
                "read_s": phases.get("read"), "score_s": phases.get("score")}

    # -- numerai-tools ------------------------------------------------------------------
    def run_ref(self, task):
        out = os.path.join(self.a.out_dir, f"numerai-tools-{task}.json")
        cmd = [sys.executable, os.path.abspath(__file__), "_ref", "--task", task,
               "--data-dir", self.data_dir, "--features-json", self.features_json,
               "--budget", str(self.a.ref_budget), "--out", out]
        n = self.shape["eras"]
        if self.a.sample_eras and self.a.sample_eras < n:
            k = self.a.sample_eras
            cmd += ["--eras", ",".join(str(int((i + 0.5) * n / k)) for i in range(k))]
        env = dict(os.environ)
        if not self.a.keep_openblas_env:
            # Benchmark numpy with its own BLAS kernel choice (see the env notes).
            env.pop("OPENBLAS_CORETYPE", None)
            env.pop("OPENBLAS_L2_SIZE", None)
        log = os.path.join(self.logs, f"numerai-tools-{task}.log")
        wall, rss, rc = run_child(cmd, log, env)
        other = LAST_OTHER[0]
        if rc != 0:
            sys.exit(f"numerai-tools task {task} failed:\n$ {shlex.join(cmd)}\n{tail(log)}")
        with open(out) as f:
            r = json.load(f)
        r["wall_s"], r["rss"], r["other"] = wall, rss, other
        if task != "parquet":
            r["sampled"] = len(r["eras_done"]) < r["n_eras"]
            if r["sampled"]:
                # Median seconds per row over the timed eras, times all rows: one era slowed
                # down by another process does not inflate the estimate.
                per_row = sorted(s / n for s, n in zip(r["era_s"], r["era_rows"]))
                k = len(per_row)
                med = per_row[k // 2] if k % 2 else (per_row[k // 2 - 1] + per_row[k // 2]) / 2
                r["compute_full_s"] = med * r["rows_total"]
            else:
                r["compute_full_s"] = r["compute_s"]
            # Process total as a user would see it: imports + load + compute (scaled).
            r["total_s"] = r["import_s"] + r["load_s"] + r["prep_s"] + r["compute_full_s"]
        return r

    # -- comparison ---------------------------------------------------------------------
    @staticmethod
    def compare(ref, es_csv):
        got = {}
        with open(es_csv) as f:
            for row in csv.DictReader(f):
                if row.get("target", TARGET) == TARGET:
                    got[(era_key(row["era"]), row["model"])] = row
        worst, n, missing = 0.0, 0, 0
        for metric, by_era in ref["values"].items():
            for era, by_model in by_era.items():
                for m, e in by_model.items():
                    row = got.get((era_key(era), m))
                    if row is None:
                        missing += 1
                        continue
                    g = num(row.get(metric))
                    n += 1
                    if math.isnan(e) and math.isnan(g):
                        continue
                    err = abs(e - g) if not (math.isnan(e) or math.isnan(g)) else math.inf
                    worst = max(worst, err)
        return worst, n, missing

    # -- tasks --------------------------------------------------------------------------
    def task(self, task):
        self.say(f"[{time.strftime('%H:%M:%S')}] {task}: numerai-tools ...")
        ref = self.run_ref(task)
        self.say(f"[{time.strftime('%H:%M:%S')}] {task}: erascore ...")
        es = self.run_erascore(task)
        row = {"task": task, "ref": ref, "es": es}
        _, fset, one = SPEC[task]
        row["features"] = self.fsets[fset] if fset else 0
        row["models"] = 1 if one else len(self.shape["models"])
        if task != "parquet":
            row["diff"], row["compared"], row["missing"] = self.compare(ref, es["csv"])
        self.rows.append(row)
        self.say(f"    numerai-tools {secs(ref.get('total_s', ref['load_s']))} s, "
                 f"erascore {secs(es['s'])} s")

    def thread_scaling(self):
        for task in [t.strip() for t in self.a.thread_tasks.split(",") if t.strip()]:
            if task not in SPEC:
                sys.exit(f"unknown --thread-tasks entry {task!r}")
            self.say(f"[{time.strftime('%H:%M:%S')}] threads: {task} ...")
            one = self.run_erascore(task, threads=1)
            two = self.run_erascore(task, threads=2)
            self.threads.append({"task": task, "t1": one["s"], "t2": two["s"],
                                 "rss1": one["rss"], "rss2": two["rss"],
                                 "other1": one["other"], "other2": two["other"]})

    def diagnostics(self):
        """`erascore diagnostics` on the last N eras for each N of --diag-eras."""
        d, n_eras = self.data_dir, self.shape["eras"]
        counts = [int(x) for x in self.a.diag_eras.split(",") if x.strip()] or [n_eras]
        for n in counts:
            out = os.path.join(self.a.out_dir, f"diagnostics-{n}")
            cmd = [self.bin, "diagnostics", "--data", f"{d}/data.parquet",
                   "--predictions", f"{d}/predictions.parquet",
                   "--meta-model", f"{d}/meta_model.parquet", "--target", self.a.diag_targets,
                   "--out", out, "--quiet", "--timings"]
            if n < n_eras:
                cmd += ["--eras", f"last:{n}"]
            self.say(f"[{time.strftime('%H:%M:%S')}] diagnostics, {n} eras ...")
            log = os.path.join(self.logs, f"diagnostics-{n}.log")
            wall, peak, rc = run_child(cmd, log)
            if rc != 0:
                sys.exit(f"erascore diagnostics failed:\n$ {shlex.join(cmd)}\n{tail(log)}")
            path = ""
            with open(log) as f:
                for line in f:
                    if line.startswith("data: "):
                        path = line[len("data: "):].split(";")[0].strip()
            self.diag.append({"eras": n, "s": wall, "rss": peak, "other": LAST_OTHER[0],
                              "phases": read_timings(log), "path": path,
                              "rows": n * (self.shape["rows"] // max(n_eras, 1))})

    def run(self):
        a = self.a
        self.load_start = os.getloadavg()
        self.dataset()
        tasks = []
        for t in a.tasks.split(","):
            t = t.strip()
            if t == "all":
                tasks += ALL_TASKS
            elif t == "fnc":
                tasks += [x for x in ALL_TASKS if x.startswith("fnc")]
            elif t in ALL_TASKS:
                tasks.append(t)
            elif t:
                sys.exit(f"unknown task {t!r}; tasks: {', '.join(ALL_TASKS)}, fnc, all")
        self.selected = list(dict.fromkeys(tasks))
        for t in self.selected:
            if t not in ("threads", "diagnostics"):
                self.task(t)
        if "diagnostics" in self.selected:
            self.diagnostics()
        if "threads" in self.selected:
            self.thread_scaling()
        self.report()

    # -- output -------------------------------------------------------------------------
    def table(self, header, rows):
        if self.a.markdown:
            def esc(r):
                return [str(x).replace("|", "\\|") for x in r]
            out = ["| " + " | ".join(esc(header)) + " |",
                   "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(header))) + " |"]
            out += ["| " + " | ".join(esc(r)) + " |" for r in rows]
        else:
            w = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
            def line(r):
                return "  ".join(str(x).ljust(w[i]) if i == 0 else str(x).rjust(w[i]) for i, x in enumerate(r))
            out = [line(header), "  ".join("-" * x for x in w)] + [line(r) for r in rows]
        return "\n".join(out)

    def report(self):
        a, sh = self.a, self.shape
        n_rows, n_eras, n_models = sh["rows"], sh["eras"], len(sh["models"])
        per_era = n_rows // max(n_eras, 1)
        md = a.markdown
        p = print
        p(("**Command:** `" if md else "command: ") + self.command + ("`" if md else ""))
        p("")
        info = self.environment()
        if md:
            p("Machine: " + info["machine"] + "  ")
            p("Versions: " + info["versions"] + "  ")
            p("Data: " + info["data"])
        else:
            p("machine:  " + info["machine"])
            p("versions: " + info["versions"])
            p("data:     " + info["data"])
        p("")
        header = ["task", "rows × features × models", "numerai-tools s (load + compute)",
                  "eras timed (numerai-tools)", "erascore s (read + score)", "ratio",
                  "ratio, compute only",
                  "peak RSS numerai-tools", "peak RSS erascore", "max |diff|",
                  "other CPU, cores (numerai-tools / erascore)"]
        rows = []
        for r in self.rows:
            ref, es = r["ref"], r["es"]
            shape = f"{n_rows:,} × {r['features']:,} × {r['models']}"
            if r["task"] == "parquet":
                rows.append([LABEL[r["task"]], shape,
                             f"{secs(ref['load_s'])} (pyarrow read_table)", "–",
                             f"{secs(es['s'])} (whole fexp_max run)",
                             fx(ratio(ref["load_s"], es["s"])), "–", mib(ref["rss"]),
                             mib(es["rss"]), "–", f"{ref['other']:.2f} / {es['other']:.2f}"])
                continue
            timed = f"{len(ref['eras_done'])}/{ref['n_eras']}"
            if ref["sampled"]:
                timed += (f", extrapolated ({secs(min(ref['era_s']))}–{secs(max(ref['era_s']))}"
                          " s/era)")
            load = ref["import_s"] + ref["load_s"] + ref["prep_s"]
            diff = r["diff"]
            dtxt = f"{diff:.1e}" if diff > 0 else "0"
            if r["missing"]:
                dtxt += f" ({r['missing']} missing)"
            es_txt = secs(es["s"])
            if es.get("read_s") is not None and es.get("score_s") is not None:
                es_txt += f" ({secs(es['read_s'])} + {secs(es['score_s'])})"
            rows.append([LABEL[r["task"]], shape,
                         f"{secs(ref['total_s'])} ({secs(load)} + {secs(ref['compute_full_s'])})",
                         timed, es_txt, fx(ratio(ref["total_s"], es["s"])),
                         fx(ratio(ref["compute_full_s"], es.get("score_s") or es["s"])),
                         mib(ref["rss"]),
                         mib(es["rss"]), dtxt, f"{ref['other']:.2f} / {es['other']:.2f}"])
        if rows:
            p(self.table(header, rows))
            p("")
        if self.threads:
            th = ["task (erascore only)", "--threads 1 s", "--threads 2 s", "speed-up",
                  "peak RSS 1 thread", "peak RSS 2 threads", "other CPU, cores (1 / 2 threads)"]
            p(self.table(th, [[LABEL[t["task"]], secs(t["t1"]), secs(t["t2"]),
                               fx(ratio(t["t1"], t["t2"])), mib(t["rss1"]), mib(t["rss2"]),
                               f"{t['other1']:.2f} / {t['other2']:.2f}"]
                              for t in self.threads]))
            p("")
        if self.diag:
            dh = ["diagnostics (erascore only)", "rows × features × models × targets", "wall s",
                  "read s", "score s (features decoded meanwhile)", "write s", "peak RSS",
                  "read path", "other CPU, cores"]
            n_targets = len(self.a.diag_targets.split(","))
            p(self.table(dh, [[f"last {r['eras']} eras", f"{r['rows']:,} × "
                               f"{self.fsets.get('all', 0):,} × {n_models} × {n_targets}",
                               secs(r["s"]), secs(r["phases"].get("read")),
                               secs(r["phases"].get("score")), secs(r["phases"].get("write")),
                               mib(r["rss"]), r["path"], f"{r['other']:.2f}"]
                              for r in self.diag]))
            if len(self.diag) > 1:
                lo, hi = min(self.diag, key=lambda r: r["eras"]), max(self.diag, key=lambda r: r["eras"])
                p("")
                p(f"peak RSS at {hi['eras']} eras / at {lo['eras']} eras: "
                  f"{hi['rss'] / lo['rss']:.3f} (target ≤ 1.10); largest peak "
                  f"{mib(max(r['rss'] for r in self.diag))} (target ≤ 2.5 GB)")
            p("")
        if not self.rows:
            return
        notes = self.notes(per_era, n_eras, n_models)
        for n in notes:
            p(("- " if md else "* ") + n)
        p("")
        targets = self.targets(n_eras, n_models)
        if targets:
            p("**Speed targets (issue 5):**" if md else "speed targets (issue 5):")
            p("")
            for t in targets:
                p(("- " if md else "* ") + t)

    def environment(self):
        from importlib import metadata

        def v(pkg):
            try:
                return metadata.version(pkg)
            except metadata.PackageNotFoundError:
                return "?"

        cpu = platform.processor() or "?"
        flags = set()
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name") and cpu == (platform.processor() or "?"):
                        cpu = line.split(":", 1)[1].strip()
                    elif line.startswith("flags") and not flags:
                        flags = set(line.split(":", 1)[1].split())
        except OSError:
            pass
        # erascore's exact int8 Gram kernel is the first of these the CPU has (FNC speed
        # depends on it); numpy uses none of them.
        units = [name for flag, name in [("amx_int8", "AMX-INT8"), ("avx512_vnni", "AVX-512 VNNI"),
                                         ("avx512f", "AVX-512F")] if flag in flags]
        if units:
            cpu += " (" + ", ".join(units) + ")"
        try:
            with open("/proc/meminfo") as f:
                mem = int(f.readline().split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            mem = 0
        es_v = subprocess.run([self.bin, "--version"], capture_output=True, text=True).stdout.strip()
        try:
            commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                    capture_output=True, text=True).stdout.strip()
        except OSError:
            commit = "?"
        blas = ""
        for r in self.rows:
            b = r["ref"].get("blas")
            if isinstance(b, list) and b:
                blas = ", ".join(f"{x.get('internal_api')} {x.get('version')} "
                                 f"{x.get('architecture')} {x.get('num_threads')} threads" for x in b)
                break
        sh = self.shape
        shown = self.data_dir
        if shown.startswith(ROOT + os.sep):
            shown = os.path.relpath(shown, ROOT)
        data = (f"`{shown}`: {sh['rows']:,} rows in {sh['eras']} eras, "
                f"features: " + ", ".join(f"{k} {n:,}" for k, n in sorted(self.fsets.items(), key=lambda x: x[1]))
                + f"; {len(sh['models'])} models; target `{TARGET}`")
        if self.synth_s is not None:
            data += f"; generated by erascore synth in {secs(self.synth_s)} s"
        la, ls = os.getloadavg(), self.load_start
        return {
            "machine": f"{cpu}, {os.cpu_count()} cores, {mib(mem)} RAM; load average (1, 5, 15 "
                       f"min) at the start {ls[0]:.2f} {ls[1]:.2f} {ls[2]:.2f}, at the end "
                       f"{la[0]:.2f} {la[1]:.2f} {la[2]:.2f}",
            "versions": f"{es_v} (commit {commit}), numerai-tools {v('numerai-tools')}, "
                        f"numpy {v('numpy')}, pandas {v('pandas')}, scipy {v('scipy')}, "
                        f"pyarrow {v('pyarrow')}, Python {platform.python_version()}"
                        + (f"; numpy BLAS: {blas}" if blas else ""),
            "data": data,
        }

    def notes(self, per_era, n_eras, n_models):
        n = []
        n.append("Times are wall seconds of one child process per task and tool. numerai-tools: "
                 "\"load\" is Python imports + pd.read_parquet of the needed columns + "
                 "set_index/sort_index (+ groupby), \"compute\" the per-era loop calling "
                 "numerai-tools; erascore: the whole `erascore score --quiet` process, best of "
                 f"up to {self.a.repeat} runs (runs over {self.a.repeat_under:g} s are not "
                 "repeated). Files are read once beforehand, so every run reads from the page "
                 "cache.")
        n.append("ratio = numerai-tools (load + compute) / erascore's whole process; \"ratio, "
                 "compute only\" = numerai-tools' per-era loop / erascore's scoring phase "
                 "(`--timings`: all but reading the files), both with the data in memory. "
                 "erascore's time is split as (read + score) from `--timings`.")
        if any(r["task"] != "parquet" and r["ref"]["sampled"] for r in self.rows):
            n.append("Where \"eras timed\" is a fraction, numerai-tools was timed on that many "
                     "eras spread evenly over the range (the range of its per-era times is in "
                     "brackets) and its compute time is the median time per row of those eras "
                     "times all rows; max |diff| is over the timed eras.")
        n.append("max |diff| = largest |erascore − numerai-tools| over every (era, model, "
                 "metric) of the task (CSV round trip of 17 significant digits).")
        if any(r["task"] == "parquet" for r in self.rows):
            n.append("Parquet row: there is no read-only erascore command, so its time is the "
                     "whole `erascore score --metrics fexp_max --models model_0` process (read "
                     "features + era + id + one prediction column, then one model's exposure), "
                     "an upper bound on its read time. pyarrow's time is "
                     "`pyarrow.parquet.read_table(columns=features + ['era', 'id'])` only (no "
                     "pandas conversion).")
        n.append("Peak RSS: ru_maxrss of the child from wait4 (numerai-tools' includes the "
                 "Python interpreter, pandas and the loaded frame).")
        n.append("Other CPU: the machine's busy CPU time during the run minus the child's own "
                 "user + system time, divided by the wall time, i.e. how many of the "
                 f"{os.cpu_count()} cores other processes took on average. Well above 0, the "
                 "timing is disturbed (numpy's 2-thread OpenBLAS is hit hardest).")
        return n

    def find(self, task):
        return next((r for r in self.rows if r["task"] == task), None)

    def targets(self, n_eras, n_models):
        out = []

        def verdict(ok):
            return "**met**" if ok and self.a.markdown else "met" if ok else (
                "**missed**" if self.a.markdown else "MISSED")

        r = self.find("corr_mmc")
        if r:
            x = ratio(r["ref"]["total_s"], r["es"]["s"])
            y = ratio(r["ref"]["compute_full_s"], r["es"].get("score_s") or r["es"]["s"])
            out.append(f"CORR+MMC ≥ 50×: {fx(x)} whole process ({fx(y)} compute only) — "
                       f"{verdict(x >= 50)}.")
        r1, ra = self.find("fnc_all_1"), self.find("fnc_all_all")
        if r1:
            ref = r1["ref"]
            per_ref = ref["compute_s"] / len(ref["eras_done"])
            score_s = r1["es"].get("score_s")
            per_es = (score_s or r1["es"]["s"]) / n_eras
            x = per_ref / per_es
            whole = per_ref / (r1["es"]["s"] / n_eras)
            out.append(f"FNC, all features, one model ≥ 30× per era: numerai-tools "
                       f"{per_ref * 1000:,.1f} ms/era (compute only) vs erascore "
                       f"{per_es * 1000:,.1f} ms/era ("
                       + ("scoring phase" if score_s else "whole run")
                       + f" / {n_eras} eras) = {fx(x)}; counting erascore's whole run, "
                       f"reading included, {fx(whole)} — {verdict(x >= 30)}.")
        if r1 and ra and n_models > 1:
            t1, ta = r1["es"]["s"], ra["es"]["s"]
            extra = (ta - t1) / (n_models - 1)
            frac = extra / t1
            msg = (f"FNC, each extra model ≤ 5% of the first: erascore 1 model {secs(t1)} s, "
                   f"{n_models} models {secs(ta)} s, so {extra * 1000:,.0f} ms per extra model "
                   f"= {frac * 100:.1f}% of the one-model run")
            if extra < 0:
                msg += " (the all-model run was the faster one: timing noise)"
            load = self.load_estimate()
            if load is not None and t1 - load > 0:
                msg += f" ({extra / (t1 - load) * 100:.1f}% of its compute, after ~{secs(load)} s of reading)"
            out.append(msg + f" — {verdict(frac <= 0.05)}.")
        r = self.find("fexp")
        if r:
            x = ratio(r["ref"]["total_s"], r["es"]["s"])
            y = ratio(r["ref"]["compute_full_s"], r["es"].get("score_s") or r["es"]["s"])
            out.append(f"Feature exposure ≥ 30×: {fx(x)} whole process ({fx(y)} compute "
                       f"only) — {verdict(x >= 30)}.")
        r = self.find("parquet")
        if r:
            pa, es = r["ref"]["load_s"], r["es"]["s"]
            msg = (f"Parquet read within 2× of pyarrow: pyarrow read_table {secs(pa)} s; whole "
                   f"erascore fexp_max run on one model {secs(es)} s = {es / pa:.2f}× pyarrow "
                   f"(upper bound)")
            load = self.load_estimate()
            if load is not None:
                msg += (f"; subtracting one model's exposure compute (estimated from the "
                        f"all-model fexp run as (t_all − t_1)/(models − 1)) leaves ~{secs(load)} s "
                        f"= {load / pa:.2f}× pyarrow")
            out.append(msg + f" — {verdict(es <= 2 * pa or (load is not None and load <= 2 * pa))}.")
        for t in self.threads:
            x = ratio(t["t1"], t["t2"])
            out.append(f"2 threads ≥ 1.7× over 1 thread, {LABEL[t['task']]}: {fx(x)} — "
                       f"{verdict(x >= 1.7)}.")
        return out

    def load_estimate(self):
        rp, rf = self.find("parquet"), self.find("fexp")
        n_models = len(self.shape["models"])
        if not (rp and rf and n_models > 1):
            return None
        t1, ta = rp["es"]["s"], rf["es"]["s"]
        return t1 - max(ta - t1, 0.0) / (n_models - 1)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_ref":
        return ref_main(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] == "_probe":
        return probe_main(sys.argv[2:])
    class Fmt(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
        pass

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=Fmt)
    ap.add_argument("--eras", type=int, default=20)
    ap.add_argument("--rows", type=int, default=2000, help="rows per era")
    ap.add_argument("--features", type=int, default=300)
    ap.add_argument("--models", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "out", "bench"),
                    help="dataset, outputs and logs go here (the dataset is reused when it exists)")
    ap.add_argument("--data-dir", help="use this dataset (data.parquet, predictions.parquet, "
                    "meta_model.parquet[, features.json]) instead of running erascore synth")
    ap.add_argument("--sample-eras", type=int, default=0,
                    help="time numerai-tools on this many evenly spread eras (0: all, within --ref-budget)")
    ap.add_argument("--ref-budget", type=float, default=600.0,
                    help="numerai-tools compute seconds per task before it stops and extrapolates")
    ap.add_argument("--tasks", default="all", help=", ".join(ALL_TASKS) + ", fnc, all")
    ap.add_argument("--repeat", type=int, default=3, help="erascore runs per task (the fastest is kept)")
    ap.add_argument("--repeat-under", type=float, default=10.0,
                    help="repeat an erascore run only while it takes less than this many seconds")
    ap.add_argument("--thread-tasks", default="corr_mmc,fnc_medium_all,fexp",
                    help="tasks of the threads comparison (erascore --threads 1 vs 2)")
    ap.add_argument("--diag-eras", default="",
                    help="diagnostics task: comma-separated era counts N, each run as --eras last:N")
    ap.add_argument("--diag-targets", default="target",
                    help="diagnostics task: --target of the runs (comma-separated)")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "erascore"))
    ap.add_argument("--regen", action="store_true", help="regenerate the dataset")
    ap.add_argument("--keep-openblas-env", action="store_true",
                    help="keep OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for numpy (they are unset by default)")
    a = ap.parse_args()
    a.out_dir = os.path.abspath(a.out_dir)
    if not os.path.exists(a.bin):
        sys.exit(f"{a.bin} not found: cargo build --release -p erascore-cli")
    b = Bench(a)
    prog = os.environ.get("BENCH_PROG") or os.path.relpath(os.path.abspath(sys.argv[0]), os.getcwd())
    b.command = shlex.join([prog] + sys.argv[1:])
    print(("**Command:** `" if a.markdown else "command: ") + b.command + ("`" if a.markdown else ""),
          file=sys.stderr, flush=True)
    b.run()


if __name__ == "__main__":
    main()
