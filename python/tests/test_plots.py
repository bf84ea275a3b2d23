"""Diagnostics.plot / Payout.plot / Compare.plot on matplotlib's Agg backend: the figures
are built and the data they draw is checked against the frames they plot."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import erascore
from erascore._frames import Compare, Payout

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "example"


def test_diagnostics_plot_overlays_every_model_per_metric():
    d = erascore.diagnostics(
        EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", EXAMPLE / "meta_model.parquet",
        progress=False,
    )
    fig = d.plot()
    axes = fig.get_axes()
    metrics = [m for m in ("corr", "mmc", "bmc", "fnc") if m in d.per_era.columns]
    assert len(axes) == len(metrics) == 3  # no benchmark: no BMC axis
    models = list(dict.fromkeys(d.per_era["model"]))
    target = d.per_era["target"].iloc[0]
    for ax, metric in zip(axes, metrics):
        lines = ax.get_lines()[: len(models)]
        assert [line.get_label() for line in lines] == models
        for line, model in zip(lines, models):
            rows = d.per_era[(d.per_era["model"] == model) & (d.per_era["target"] == target)]
            want = rows[metric].fillna(0.0).cumsum().to_numpy()
            np.testing.assert_allclose(line.get_ydata(), want, rtol=0, atol=1e-15)
    matplotlib.pyplot.close(fig)


def test_payout_and_compare_plots_draw_their_frames():
    trajectory = pd.DataFrame({
        "model": ["a", "a", "a", "b", "b", "b"],
        "round": ["1", "2", "3", "1", "2", "3"],
        "stake": [100.0, 101.0, 99.5, 50.0, 52.0, 53.0],
    })
    fig = Payout(trajectory, pd.DataFrame(), {}).plot()
    lines = fig.get_axes()[0].get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    np.testing.assert_array_equal(lines[1].get_ydata(), [50.0, 52.0, 53.0])
    matplotlib.pyplot.close(fig)

    per_model = pd.DataFrame({
        "config": ["x", "x", "y", "y"],
        "model": ["a", "b", "a", "b"],
        "total_payout": [1.0, -2.0, 3.0, 4.0],
    })
    fig = Compare(per_model, pd.DataFrame(), {}).plot()
    ax = fig.get_axes()[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]
    # The box of each configuration spans its models' payouts (whiskers at min and max).
    whiskers = [line.get_ydata() for line in ax.get_lines() if len(line.get_ydata()) == 2]
    spans = sorted({tuple(sorted(w)) for w in whiskers})
    assert min(s[0] for s in spans) == -2.0 and max(s[1] for s in spans) == 4.0
    matplotlib.pyplot.close(fig)


def test_matplotlib_is_imported_only_to_plot():
    code = (
        "import sys, erascore; "
        "d = erascore.diagnostics(sys.argv[1], sys.argv[2], progress=False); "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run(
        [os.sys.executable, "-c", code, str(EXAMPLE / "data.parquet"),
         str(EXAMPLE / "predictions.parquet")],
        check=True,
    )


def test_payout_plot_draws_the_bootstrap_fan():
    scores = pd.DataFrame({
        "era": [str(i) for i in range(30)] * 2,
        "model": ["a"] * 30 + ["b"] * 30,
        "corr": np.sin(np.arange(60)) * 0.03,
        "mmc": np.cos(np.arange(60)) * 0.01,
    })
    p = erascore.payout(scores, 100.0, bootstrap=100, block=4, seed=1)
    fig = p.plot()
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["a", "b"]
    for ax, model in zip(axes, ["a", "b"]):
        fan = p.fan[p.fan["model"] == model]
        x = fan["step"].to_numpy()
        lines = {line.get_label(): line for line in ax.get_lines()}
        np.testing.assert_array_equal(lines["median"].get_ydata(), fan["p50"])
        np.testing.assert_array_equal(lines["realised"].get_ydata(), fan["actual"])
        np.testing.assert_array_equal(lines["realised"].get_xdata(), x)
        # Each band's polygon runs along its lower quantile and back along its upper one.
        bands = {c.get_label(): c.get_paths()[0].vertices for c in ax.collections}
        for label, lo, hi in [("5-95%", "p05", "p95"), ("25-75%", "p25", "p75")]:
            v = bands[label]
            for q in (lo, hi):
                on = {(a, b) for a, b in zip(x, fan[q])}
                assert on <= {tuple(p) for p in v}, (label, q)
    matplotlib.pyplot.close(fig)
