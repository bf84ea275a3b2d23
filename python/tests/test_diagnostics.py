"""erascore.diagnostics against the CLI (`erascore diagnostics`) on the bundled example: the
same per-era table and statistics, the same output folder, and the same refusals; and
Ctrl-C during a long call."""

import json
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import erascore
from test_frames import EXAMPLE, example_flags, run_cli


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> Path:
    return run_cli("diagnostics", tmp_path_factory.mktemp("cli") / "diag", *example_flags())


def test_per_era_and_summary_match_the_cli(cli_run):
    got = erascore.diagnostics(
        pd.read_parquet(EXAMPLE / "data.parquet"),
        pd.read_parquet(EXAMPLE / "predictions.parquet"),
        pd.read_parquet(EXAMPLE / "meta_model.parquet"),
        progress=False,
    )
    want = pd.read_csv(cli_run / "per_era.csv", dtype={"era": str, "model": str, "target": str})
    assert list(got.per_era.columns) == list(want.columns)
    assert "payout" in got.per_era.columns and "mmc" in got.per_era.columns
    for c in ["era", "model", "target"]:
        assert list(got.per_era[c]) == list(want[c])
    for c in want.columns[3:]:
        np.testing.assert_allclose(
            got.per_era[c].to_numpy(), want[c].to_numpy(), rtol=0, atol=1e-12, err_msg=c
        )
    summary = json.loads((cli_run / "summary.json").read_text())
    assert len(got.summary) == sum(
        len(metrics) for targets in summary["models"].values() for metrics in targets.values()
    )
    for row in got.summary.itertuples(index=False):
        stats = summary["models"][row.model][row.target][row.metric]
        for stat, value in stats.items():
            mine = getattr(row, stat)
            if value is None:
                assert np.isnan(mine), (row.model, row.metric, stat)
            else:
                assert mine == pytest.approx(value, rel=1e-12, abs=1e-15), (row.metric, stat)
    assert any("bmc" in n for n in got.not_computed)


def test_payout_score_is_the_weighted_sum():
    got = erascore.diagnostics(
        EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", EXAMPLE / "meta_model.parquet",
        corr_multiplier=1.0, mmc_multiplier=3.0, progress=False,
    ).per_era
    np.testing.assert_allclose(got["payout"], got["corr"] + 3.0 * got["mmc"], rtol=0, atol=1e-15)


def test_out_writes_the_cli_folder(tmp_path, cli_run):
    out = tmp_path / "diag"
    erascore.diagnostics(
        EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", EXAMPLE / "meta_model.parquet",
        out=out, progress=False,
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in cli_run.iterdir())
    mine = pd.read_csv(out / "per_era.csv")
    theirs = pd.read_csv(cli_run / "per_era.csv")
    pd.testing.assert_frame_equal(mine, theirs, check_exact=False, rtol=0, atol=1e-12)
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_a_failed_call_leaves_the_folder_as_it_was(tmp_path):
    out = tmp_path / "diag"
    out.mkdir()
    (out / "per_era.csv").write_text("old")
    with pytest.raises(ValueError, match="target_nope"):
        erascore.diagnostics(
            EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet",
            targets=["target_nope"], out=out, progress=False,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diag"]
    assert [p.name for p in out.iterdir()] == ["per_era.csv"]
    assert (out / "per_era.csv").read_text() == "old"


def test_an_out_folder_with_other_files_is_refused_before_any_work(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="notes.txt"):
        erascore.diagnostics(
            EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", out=tmp_path, progress=False
        )
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_bad_arguments_are_named():
    data, preds = EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet"
    with pytest.raises(ValueError, match="top_bottom"):
        erascore.diagnostics(data, preds, top_bottom=0, progress=False)
    with pytest.raises(ValueError, match="mmc_multiplier"):
        erascore.diagnostics(data, preds, mmc_multiplier=float("nan"), progress=False)
    # Several numeric columns and none called `benchmark`: the column must be named.
    with pytest.raises(ValueError, match="several numeric columns .*choose one with benchmark_col="):
        erascore.diagnostics(data, preds, benchmark=preds, progress=False)


def test_ctrl_c_stops_a_run_with_keyboard_interrupt():
    calls = []

    def interrupt(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 1:
            # raise() signals this thread, so the handler has run when it returns (a
            # process-directed kill() may be taken by another thread, a moment later).
            signal.raise_signal(signal.SIGINT)

    from erascore import _frames

    data, preds = _frames._prepare(
        EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", [],
        targets=["target"], features=None, needs_features=False, era_col="era", id_col="id",
    )[:2]
    # A process started in the background by a non-interactive shell ignores SIGINT, and
    # Python then installs no handler for it: install the default one for this test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            tables = dict.fromkeys(_frames.TABLES)
            tables.update(data=data, predictions=preds)
            options = dict(
                meta_model_col="numerai_meta_model", benchmark_col=None, example_col=None,
                targets=["target"], features=None, models=None, max_filtered_ratio=0.2,
                target_pow15=True, stakes=None,
            )
            erascore._erascore.score_frames(tables, options, metrics=["corr"], progress=interrupt)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert calls
