"""erascore.score against the CLI (`erascore score`) on the bundled example, for every
kind of input it takes, and its errors."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import erascore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "fixtures" / "example"
METRICS = ["corr", "corr_tb200", "mmc", "fnc", "spearman", "pearson", "fexp_max"]


def cli_binary() -> Path:
    if os.environ.get("ERASCORE_BIN"):
        return Path(os.environ["ERASCORE_BIN"])
    for profile in ["debug", "release"]:
        path = ROOT / "target" / profile / "erascore"
        if path.exists():
            return path
    raise FileNotFoundError("build the CLI first (cargo build -p erascore-cli) or set ERASCORE_BIN")


def run_cli(command: str, out: Path, *flags: str) -> Path:
    """`erascore COMMAND FLAGS --out OUT --quiet`, which must succeed; returns `out`."""
    subprocess.run(
        [str(cli_binary()), command, *flags, "--out", str(out), "--quiet"],
        check=True, capture_output=True,
    )
    return out


def synth_archive(out: Path, *flags: str) -> Path:
    """`erascore synth FLAGS` writing its archive to `out`; returns `out`."""
    return run_cli("synth", out, *flags)


def example_flags() -> list[str]:
    """The bundled example's data, predictions and meta model, as command-line flags."""
    return [
        "--data", str(EXAMPLE / "data.parquet"),
        "--predictions", str(EXAMPLE / "predictions.parquet"),
        "--meta-model", str(EXAMPLE / "meta_model.parquet"),
    ]


@pytest.fixture(scope="module")
def cli_scores(tmp_path_factory) -> pd.DataFrame:
    out = run_cli(
        "score", tmp_path_factory.mktemp("cli") / "scores.csv",
        *example_flags(), "--metrics", ",".join(METRICS),
    )
    return pd.read_csv(out, dtype={"era": str, "model": str, "target": str})


def check(got: pd.DataFrame, want: pd.DataFrame):
    assert list(got.columns) == ["era", "model", "target", *METRICS]
    assert list(got["era"]) == list(want["era"])
    assert list(got["model"]) == list(want["model"])
    assert list(got["target"]) == list(want["target"])
    for m in METRICS:
        np.testing.assert_allclose(got[m].to_numpy(), want[m].to_numpy(), rtol=0, atol=1e-12, err_msg=m)


def test_paths_match_the_cli(cli_scores):
    got = erascore.score(
        EXAMPLE / "data.parquet", str(EXAMPLE / "predictions.parquet"), EXAMPLE / "meta_model.parquet",
        metrics=METRICS, progress=False,
    )
    check(got, cli_scores)


def test_pandas_frames_match_the_cli(cli_scores):
    data = pd.read_parquet(EXAMPLE / "data.parquet").set_index("id")
    preds = pd.read_parquet(EXAMPLE / "predictions.parquet").set_index("id")
    meta = pd.read_parquet(EXAMPLE / "meta_model.parquet")
    assert (data.filter(like="feature_").dtypes == np.int8).all()
    got = erascore.score(data, preds, meta, metrics=METRICS, progress=False)
    check(got, cli_scores)


def test_pyarrow_and_polars_match_the_cli(cli_scores):
    import polars as pl

    data = pq.read_table(EXAMPLE / "data.parquet")
    preds = pl.read_parquet(EXAMPLE / "predictions.parquet")
    meta = pl.read_parquet(EXAMPLE / "meta_model.parquet")
    check(erascore.score(data, preds, meta, metrics=METRICS, progress=False), cli_scores)


def test_renamed_era_and_id_columns(cli_scores):
    data = pq.read_table(EXAMPLE / "data.parquet").rename_columns(
        ["row", "date", *pq.read_schema(EXAMPLE / "data.parquet").names[2:]]
    )
    preds = pd.read_parquet(EXAMPLE / "predictions.parquet").rename(columns={"id": "row"})
    meta = pd.read_parquet(EXAMPLE / "meta_model.parquet").rename(columns={"id": "row"})
    got = erascore.score(data, preds, meta, metrics=METRICS, era_col="date", id_col="row", progress=False)
    check(got, cli_scores)


def test_default_metrics_and_progress_callback(capsys):
    got = erascore.score(EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", progress=True)
    assert list(got.columns) == ["era", "model", "target", "corr", "fnc"]
    assert got["corr"].notna().all()


def test_agrees_with_numerai_tools_per_era():
    from numerai_tools.scoring import numerai_corr

    data = pd.read_parquet(EXAMPLE / "data.parquet").set_index("id")
    preds = pd.read_parquet(EXAMPLE / "predictions.parquet").set_index("id")
    got = erascore.score(data, preds, metrics=["corr"], progress=False)
    era = got["era"].iloc[0]
    rows = data[data["era"] == era]
    want = numerai_corr(preds.loc[rows.index], rows["target"])
    for model, value in want.items():
        row = got[(got["era"] == era) & (got["model"] == model)]
        assert abs(row["corr"].iloc[0] - value) < 1e-8


def test_errors_name_what_is_wrong():
    data = pd.read_parquet(EXAMPLE / "data.parquet")
    preds = pd.read_parquet(EXAMPLE / "predictions.parquet")
    with pytest.raises(ValueError, match="target_nope"):
        erascore.score(data, preds, targets=["target_nope"], metrics=["corr"], progress=False)
    with pytest.raises(ValueError, match="unknown metric 'sharpness'"):
        erascore.score(data, preds, metrics=["corr", "sharpness"], progress=False)
    with pytest.raises(ValueError, match="predictions must be finite"):
        erascore.score(data, preds.assign(model_0=np.inf), metrics=["corr"], progress=False)
    with pytest.raises(TypeError, match="expected a pandas/polars DataFrame"):
        erascore.score(42, preds, progress=False)
    with pytest.raises(ValueError, match="overlap"):
        erascore.score(data, preds.sample(frac=0.5, random_state=0), metrics=["corr"], progress=False)


def test_import_is_lazy():
    code = "import sys, erascore; assert 'pandas' not in sys.modules, 'pandas imported'"
    subprocess.run([os.sys.executable, "-c", code], check=True)


SIGNALS = ROOT / "fixtures" / "signals_score"
SIGNALS_METRICS = ["nc", "ncontrib", "alpha", "mpc", "churn", "churn_tb40", "neutral_churn", "turnover"]


def _signals_frames():
    def csv(name):
        return pd.read_csv(SIGNALS / name, dtype={"era": str, "id": str})

    stakes = csv("stakes.csv")
    return dict(
        data=pd.read_parquet(SIGNALS / "data.parquet"),
        predictions=csv("predictions.csv"),
        meta_model=csv("meta_model.csv"),
        neutralizers=csv("neutralizers.csv"),
        sample_weights=csv("sample_weights.csv"),
        previous=[csv("previous.csv")],
        stakes=dict(zip(stakes["model"], stakes["stake"])),
    )


def test_signals_metrics_from_frames_match_numerai_tools():
    # The goldens are numerai-tools 0.7.2's own numbers (scripts/make_signals_score_golden.py).
    f = _signals_frames()
    with pytest.warns(UserWarning, match="no rows in era '0001'"):
        got = erascore.score(
            f["data"], f["predictions"], f["meta_model"],
            metrics=SIGNALS_METRICS, neutralizers=f["neutralizers"],
            sample_weights=f["sample_weights"], previous=f["previous"], stakes=f["stakes"],
            progress=False,
        )
    want = pd.read_csv(SIGNALS / "expected.csv", dtype={"era": str})
    key = ["era", "model", "target"]
    merged = want.merge(got, on=key, suffixes=("_want", "_got"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][key]
    finite = 0
    for m in SIGNALS_METRICS:
        w, g = merged[f"{m}_want"].to_numpy(), merged[f"{m}_got"].to_numpy()
        assert np.array_equal(np.isnan(w), np.isnan(g)), m
        assert np.nanmax(np.abs(w - g)) <= 1e-9, m
        finite += int(np.isfinite(w).sum())
    assert finite >= 9 * len(SIGNALS_METRICS)


def test_signals_inputs_errors_name_the_input():
    f = _signals_frames()
    common = dict(metrics=["mpc"], neutralizers=f["neutralizers"], progress=False)
    with pytest.raises(ValueError, match="model 'model_z' has a stake but no column"):
        erascore.score(f["data"], f["predictions"], stakes={"model_z": 1.0}, **common)
    with pytest.raises(ValueError, match="one weight column expected"):
        erascore.score(
            f["data"], f["predictions"], stakes=f["stakes"],
            sample_weights=f["sample_weights"].assign(extra=1.0), **common,
        )


def test_signals_metrics_in_diagnostics_match_numerai_tools():
    f = _signals_frames()
    with pytest.warns(UserWarning):
        diag = erascore.diagnostics(
            f["data"], f["predictions"], f["meta_model"],
            neutralizers=f["neutralizers"], sample_weights=f["sample_weights"],
            previous=f["previous"], stakes=f["stakes"], progress=False,
        )
    want = pd.read_csv(SIGNALS / "expected.csv", dtype={"era": str})
    key = ["era", "model", "target"]
    merged = want.merge(diag.per_era, on=key, suffixes=("_want", "_got"))
    assert len(merged) == len(diag.per_era) >= 9
    for m in ["nc", "ncontrib", "alpha", "mpc", "churn", "neutral_churn", "turnover"]:
        w, g = merged[f"{m}_want"].to_numpy(), merged[f"{m}_got"].to_numpy()
        assert np.array_equal(np.isnan(w), np.isnan(g)), m
        assert np.nanmax(np.abs(w - g)) <= 1e-9, m
        assert set(diag.summary.loc[diag.summary["metric"] == m, "model"]) >= {"model_a", "model_b"}
