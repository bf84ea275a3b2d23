"""erascore.payout against the CLI (`erascore payout`) on scores of the bundled example, and
its refusals."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import erascore
from test_frames import EXAMPLE, cli_binary


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    d = tmp_path_factory.mktemp("payout")
    path = d / "scores.csv"
    subprocess.run(
        [
            str(cli_binary()), "score",
            "--data", str(EXAMPLE / "data.parquet"),
            "--predictions", str(EXAMPLE / "predictions.parquet"),
            "--meta-model", str(EXAMPLE / "meta_model.parquet"),
            "--metrics", "corr,mmc", "--out", str(path), "--quiet",
        ],
        check=True, capture_output=True,
    )
    return path


def cli_payout(scores, tmp_path, *flags):
    out = tmp_path / "traj.csv"
    subprocess.run(
        [str(cli_binary()), "payout", "--scores", str(scores), "--out", str(out), *flags],
        check=True, capture_output=True,
    )
    return pd.read_csv(out, dtype={"round": str, "model": str})


@pytest.mark.parametrize(
    "rule,flags",
    [("2024", []), ("weekly-2021", ["--mmc-multiplier", "2"]), ("custom", ["--cap", "0.1"])],
)
def test_trajectories_match_the_cli(scores, tmp_path, rule, flags):
    want = cli_payout(scores, tmp_path, "--stakes", str(EXAMPLE / "stakes.csv"), "--rule", rule, *flags)
    frame = pd.read_csv(scores, dtype={"era": str})
    stakes = pd.read_csv(EXAMPLE / "stakes.csv")
    kwargs = {"mmc_multiplier": 2.0} if rule == "weekly-2021" else {}
    if rule == "custom":
        kwargs = {"cap": 0.1}
    got = erascore.payout(frame, stakes=stakes, rule=rule, **kwargs)
    assert list(got.trajectory.columns) == list(want.columns)
    assert list(got.trajectory["round"]) == list(want["round"])
    assert list(got.trajectory["model"]) == list(want["model"])
    for c in ["at_risk", "score", "payout_fraction", "payout", "stake"]:
        np.testing.assert_allclose(got.trajectory[c], want[c], rtol=1e-15, atol=0, err_msg=c)
    # The final stake is S0 plus every payout, resolved or not.
    summary = got.summary.set_index("model")
    s0 = stakes.set_index("model")["stake"]
    total = got.trajectory.groupby("model")["payout"].sum()
    np.testing.assert_allclose(summary["final_stake"], (s0 + total)[summary.index], rtol=1e-14)
    assert (summary["rounds"] == 12).all()


def test_one_stake_for_every_model_and_a_dict(scores):
    frame = pd.read_csv(scores, dtype={"era": str})
    a = erascore.payout(frame, 100.0).trajectory
    b = erascore.payout(frame, stakes={m: 100.0 for m in frame["model"].unique()}).trajectory
    pd.testing.assert_frame_equal(a, b)
    assert (a.groupby("model")["at_risk"].first() == 100.0).all()


def test_nan_rounds_are_skipped_or_refused(scores):
    frame = pd.read_csv(scores, dtype={"era": str})
    frame.loc[0, "mmc"] = np.nan
    got = erascore.payout(frame, 10.0)
    model = frame.loc[0, "model"]
    assert got.skipped == {model: [frame.loc[0, "era"]]}
    assert len(got.trajectory[got.trajectory["model"] == model]) == 11
    with pytest.raises(ValueError, match="NaN"):
        erascore.payout(frame, 10.0, nan="error")
    zero = erascore.payout(frame, 10.0, nan="zero")
    assert zero.skipped == {}


def test_errors_name_what_is_wrong(scores):
    frame = pd.read_csv(scores, dtype={"era": str})
    with pytest.raises(ValueError, match="give stake"):
        erascore.payout(frame)
    with pytest.raises(ValueError, match="weekly"):
        erascore.payout(frame, 1.0, rule="weekly")
    with pytest.raises(ValueError, match="cap"):
        erascore.payout(frame, 1.0, cap=2.0)
    with pytest.raises(ValueError, match="model_0"):
        erascore.payout(frame, stakes={"model_1": 1.0, "model_2": 1.0})
    with pytest.raises(ValueError, match="stake"):
        erascore.payout(frame, float("inf"))
    with pytest.raises(ValueError, match="'mmc'"):
        erascore.payout(frame.drop(columns=["mmc"]), 1.0)
    with pytest.raises(ValueError, match="no 'round' or 'era'"):
        erascore.payout(frame.drop(columns=["era"]), 1.0)
    twice = pd.concat([frame, frame.assign(target="target_b")])
    with pytest.raises(ValueError, match="several targets"):
        erascore.payout(twice, 1.0)
    assert len(erascore.payout(twice, 1.0, target="target_b").trajectory) == 36


def test_bootstrap_gives_the_cli_quantiles(scores, tmp_path):
    flags = ["--bootstrap", "200", "--block", "3", "--seed", "5"]
    json_path = tmp_path / "summary.json"
    cli_payout(scores, tmp_path, "--stakes", str(EXAMPLE / "stakes.csv"), "--rule", "2024", *flags,
               "--json", str(json_path), "--chart", str(tmp_path / "fan.svg"))
    want = {m["model"]: m["bootstrap"] for m in json.loads(json_path.read_text())["models"]}
    frame = pd.read_csv(scores, dtype={"era": str})
    stakes = pd.read_csv(EXAMPLE / "stakes.csv")
    got = erascore.payout(frame, stakes=stakes, bootstrap=200, block=3, seed=5)
    boot = got.bootstrap.set_index("model")
    assert sorted(boot.index) == sorted(want)
    quantiles = ["p05", "p25", "p50", "p75", "p95"]
    for model, w in want.items():
        assert (boot.loc[model, "trajectories"], boot.loc[model, "block"]) == (200, 3)
        for what in ["final_stake", "max_drawdown"]:
            np.testing.assert_array_equal(
                boot.loc[model, [f"{what}_{q}" for q in quantiles]].to_numpy(float),
                [w[what][q] for q in quantiles], err_msg=f"{model} {what}",
            )
        assert boot.loc[model, "p_final_below_start"] == w["p_final_below_start"]
        # The fan: the start, then one point per round; its last point is the final
        # stake's quantiles and its realised path is S0 plus the payouts so far.
        fan = got.fan[got.fan["model"] == model]
        rounds = got.trajectory[got.trajectory["model"] == model]
        assert list(fan["step"]) == list(range(len(rounds) + 1))
        assert pd.isna(fan["round"].iloc[0]) and list(fan["round"].iloc[1:]) == list(rounds["round"])
        np.testing.assert_array_equal(
            fan[quantiles].iloc[-1].to_numpy(), [w["final_stake"][q] for q in quantiles]
        )
        s0 = stakes.set_index("model").loc[model, "stake"]
        np.testing.assert_allclose(
            fan["actual"].to_numpy(), s0 + np.concatenate([[0.0], rounds["payout"].cumsum()]),
            rtol=1e-14,
        )
        assert (fan["p05"] <= fan["p50"]).all() and (fan["p50"] <= fan["p95"]).all()
    # The default block and seed are the CLI's.
    default = erascore.payout(frame, stakes=stakes, bootstrap=50)
    assert (default.bootstrap["block"] == 10).all()
    seeded = erascore.payout(frame, stakes=stakes, bootstrap=50, seed=0)
    pd.testing.assert_frame_equal(default.fan, seeded.fan)
    assert erascore.payout(frame, stakes=stakes).fan is None


def test_bootstrap_errors_name_the_keyword(scores):
    frame = pd.read_csv(scores, dtype={"era": str})
    with pytest.raises(ValueError, match="bootstrap= needs at least 1 trajectory"):
        erascore.payout(frame, 1.0, bootstrap=0)
    with pytest.raises(ValueError, match="block= must be at least 1 round"):
        erascore.payout(frame, 1.0, bootstrap=5, block=0)
    with pytest.raises(ValueError, match="seed= needs a bootstrap"):
        erascore.payout(frame, 1.0, seed=3)
    with pytest.raises(ValueError, match="bootstrap= must be at most 10000000 trajectories, got 20000000"):
        erascore.payout(frame, 1.0, bootstrap=20_000_000)
    with pytest.raises(TypeError, match="block="):
        erascore.payout(frame, 1.0, bootstrap=5, block=2.5)
