"""erascore.ray on a real local Ray cluster (2 CPUs, loopback): every entry point gives
exactly the single-machine result (frames equal bit for bit, same order), on the bundled
example, on a synthetic tournament archive and on the Signals fixture with its inputs
(neutralizers, sample weights, earlier submissions, stakes); bad inputs fail with the
single-machine exception and message; and erascore.compare matches the CLI's files.

One cluster serves the module (started once: ~4 s). `-m 'not ray_slow'` keeps one test of
each entry point on the example."""

import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import erascore

ray = pytest.importorskip("ray")
import erascore.ray as er  # noqa: E402

from test_frames import EXAMPLE, SIGNALS, SIGNALS_METRICS, _signals_frames, cli_binary, synth_archive  # noqa: E402

METRICS = ["corr", "corr_tb200", "mmc", "fnc", "spearman", "pearson", "fexp_max"]
PATHS = (
    str(EXAMPLE / "data.parquet"),
    str(EXAMPLE / "predictions.parquet"),
    str(EXAMPLE / "meta_model.parquet"),
)
CONFIGS = [
    {"name": "y2024", "rule": "2024"},
    {"name": "tb-custom", "score": "1.5 * corr_tb50 - 0.5 * mmc", "cap": 0.1, "resolve_lag": 2},
    {"name": "naive", "score": "0.5 * corr + 2 * mmc", "cap": 0.05, "meta_model": "naive", "min_stake": 2.5},
    {"name": "fnc", "score": "fnc", "target": "target_aux_20"},
]


@pytest.fixture(scope="module", autouse=True)
def cluster():
    ray.init(
        num_cpus=2, include_dashboard=False, log_to_driver=False,
        _node_ip_address="127.0.0.1", configure_logging=False,
    )
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """A synthetic tournament archive (era column in the predictions, stakes), its data
    rewritten with one row group per era so that shares skip the others' features."""
    out = synth_archive(
        tmp_path_factory.mktemp("ray") / "archive", "--population", "tournament",
        "--models", "30", "--eras", "14", "--rows", "240", "--features", "12", "--seed", "5",
    )
    data = pq.read_table(out / "data.parquet")
    pq.write_table(data, out / "data.parquet", row_group_size=240)
    assert pq.ParquetFile(out / "data.parquet").metadata.num_row_groups == 14
    return out


def test_score_on_the_example_is_the_single_machine_frame():
    want = erascore.score(*PATHS, metrics=METRICS)
    got = er.score(*PATHS, metrics=METRICS, eras_per_task=5)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_score_wide_layout_is_the_single_machine_frame():
    want = erascore.score(*PATHS, metrics=["corr", "mmc"], layout="wide")
    got = er.score(*PATHS, metrics=["corr", "mmc"], layout="wide", eras_per_task=5)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.ray_slow
def test_score_in_memory_frames_in_shares_of_eras_and_models():
    data = pd.read_parquet(PATHS[0]).set_index("id")
    preds = pd.read_parquet(PATHS[1]).set_index("id")
    meta = pd.read_parquet(PATHS[2])
    want = erascore.score(data, preds, meta, metrics=METRICS, targets=["target"])
    got = er.score(data, preds, meta, metrics=METRICS, eras_per_task=3, models_per_task=2)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.ray_slow
def test_score_on_a_synthetic_archive_in_shares_of_row_groups(archive):
    paths = (str(archive / "data.parquet"), str(archive / "predictions.parquet"),
             str(archive / "meta_model.parquet"))
    kw = dict(metrics=["corr", "mmc", "fnc", "fexp_max"], targets=["target", "target_aux_20"])
    want = erascore.score(*paths, **kw)
    assert len(want) == 14 * 30 * 2
    for eras_per_task, models_per_task in [(1, None), (4, 7)]:
        got = er.score(*paths, eras_per_task=eras_per_task, models_per_task=models_per_task, **kw)
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_diagnostics_on_the_example_and_its_folder(tmp_path):
    want = erascore.diagnostics(*PATHS, out=tmp_path / "one")
    got = er.diagnostics(*PATHS, out=tmp_path / "ray", eras_per_task=4, models_per_task=2)
    pd.testing.assert_frame_equal(got.per_era, want.per_era, check_exact=True)
    pd.testing.assert_frame_equal(got.summary, want.summary, check_exact=True)
    assert got.not_computed == want.not_computed
    files = sorted(os.listdir(tmp_path / "one"))
    assert sorted(os.listdir(tmp_path / "ray")) == files
    for name in ["summary.json", "per_era.csv"]:
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    assert pq.read_table(tmp_path / "ray" / "per_era.parquet").equals(
        pq.read_table(tmp_path / "one" / "per_era.parquet"))


def test_eras_without_targets_in_shares_are_skipped_and_reported_as_in_one_process(tmp_path):
    # The live era (every target NaN) alone in a share: that share has no row to score,
    # which is no error while another share has targets; summary.json names the era as the
    # single-machine run's does.
    data = pd.read_parquet(PATHS[0])
    live = sorted(data["era"].unique())[-1]
    targets = [c for c in data.columns if c.startswith("target")]
    data.loc[data["era"] == live, targets] = np.nan
    data.to_parquet(tmp_path / "data.parquet")
    paths = (str(tmp_path / "data.parquet"), *PATHS[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = erascore.diagnostics(*paths, out=tmp_path / "one")
        got = er.diagnostics(*paths, out=tmp_path / "ray", eras_per_task=1)
    pd.testing.assert_frame_equal(got.per_era, want.per_era, check_exact=True)
    one = json.loads((tmp_path / "one" / "summary.json").read_text())
    assert one["eras_without_targets"] == [{"era": live, "targets": ["target"]}]
    assert json.loads((tmp_path / "ray" / "summary.json").read_text()) == one


def test_eras_without_targets_in_several_shares_warn_once_per_run(tmp_path):
    # Two eras without targets, each in a share of its own: one warning naming both, word
    # for word the single-machine run's, not one per share.
    data = pd.read_parquet(PATHS[0])
    eras = sorted(data["era"].unique())
    targets = [c for c in data.columns if c.startswith("target")]
    data.loc[data["era"].isin([eras[2], eras[-1]]), targets] = np.nan
    data.to_parquet(tmp_path / "data.parquet")
    paths = (str(tmp_path / "data.parquet"), *PATHS[1:])
    for one, distributed in [(erascore.score, er.score), (erascore.diagnostics, er.diagnostics)]:
        _, want = _recorded(lambda: one(*paths))
        _, got = _recorded(lambda: distributed(*paths, eras_per_task=1))
        unresolved = [w for w in want if "no target values" in w]
        assert len(unresolved) == 1 and eras[2] in unresolved[0] and eras[-1] in unresolved[0]
        assert got == want


@pytest.mark.ray_slow
def test_diagnostics_on_a_synthetic_archive(archive):
    paths = (str(archive / "data.parquet"), str(archive / "predictions.parquet"),
             str(archive / "meta_model.parquet"))
    want = erascore.diagnostics(*paths, targets=["target", "target_aux_20"], top_bottom=50)
    got = er.diagnostics(*paths, targets=["target", "target_aux_20"], top_bottom=50, eras_per_task=3,
                         models_per_task=8)
    pd.testing.assert_frame_equal(got.per_era, want.per_era, check_exact=True)
    pd.testing.assert_frame_equal(got.summary, want.summary, check_exact=True)


def _recorded(call):
    """What ``call`` returns, and the messages of the warnings it gives, in order."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught]


def test_score_with_the_signals_inputs_in_shares_of_eras():
    # Neutralizers, sample weights, an earlier submission and stakes (mpc's meta portfolio)
    # on the Signals fixture's 4 eras: every share gets the tables whole and scores its eras.
    f = _signals_frames()
    kw = dict(
        metrics=[*SIGNALS_METRICS, "corr", "mmc"], neutralizers=f["neutralizers"],
        sample_weights=f["sample_weights"], previous=f["previous"], stakes=f["stakes"],
        progress=False,
    )
    want, want_warnings = _recorded(
        lambda: erascore.score(f["data"], f["predictions"], f["meta_model"], **kw))
    assert len(want) == 4 * 3 and want["mpc"].notna().all()
    assert want_warnings == ["previous submission previous[0]: no rows in era '0001', so its churn and"
                             " turnover are NaN"]
    # models_per_task is not honoured in a Signals run: alpha, mpc and turnover neutralize
    # an era's models together, and their last bits depend on which models are there.
    for eras_per_task, models_per_task in [(1, None), (3, 1)]:
        got, got_warnings = _recorded(lambda: er.score(
            f["data"], f["predictions"], f["meta_model"], eras_per_task=eras_per_task,
            models_per_task=models_per_task, **kw))
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got_warnings == want_warnings
    # Without stakes too (a model scored alone gets other last bits of alpha and turnover).
    kw = {**kw, "metrics": ["alpha", "turnover", "ncontrib"], "stakes": None}
    want, want_warnings = _recorded(
        lambda: erascore.score(f["data"], f["predictions"], f["meta_model"], **kw))
    got, got_warnings = _recorded(lambda: er.score(
        f["data"], f["predictions"], f["meta_model"], eras_per_task=2, models_per_task=1, **kw))
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got_warnings == want_warnings


def test_score_signals_with_stakes_alone_paths_and_two_previous():
    # Stakes alone build the meta model (mmc's default); no neutralizers: the data's
    # features; earlier submissions as a path and a frame, the max over them.
    f = _signals_frames()
    previous2 = pd.read_csv(SIGNALS / "previous2.csv", dtype={"era": str, "id": str})
    kw = dict(previous=[str(SIGNALS / "previous.csv"), previous2], stakes=f["stakes"],
              progress=False)
    metrics = ["corr", "mmc", "nc", "alpha", "mpc", "churn", "neutral_churn", "turnover"]
    want, want_warnings = _recorded(lambda: erascore.score(
        str(SIGNALS / "data.parquet"), str(SIGNALS / "predictions.csv"), metrics=metrics, **kw))
    assert want["mmc"].notna().all() and want["turnover"].notna().sum() == 3 * 3
    assert len(want_warnings) == 3
    got, got_warnings = _recorded(lambda: er.score(
        str(SIGNALS / "data.parquet"), str(SIGNALS / "predictions.csv"), metrics=metrics,
        eras_per_task=2, **kw))
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got_warnings == want_warnings
    # The default metrics with stakes and no meta model: corr, mmc (from the stakes), fnc.
    kw = dict(stakes=f["stakes"], previous=f["previous"], progress=False)
    want, want_warnings = _recorded(lambda: erascore.score(f["data"], f["predictions"], **kw))
    got, got_warnings = _recorded(
        lambda: er.score(f["data"], f["predictions"], eras_per_task=1, **kw))
    assert list(want.columns) == ["era", "model", "target", "corr", "mmc", "fnc"]
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got_warnings == want_warnings


def test_diagnostics_with_the_signals_inputs(tmp_path):
    f = _signals_frames()
    kw = dict(neutralizers=f["neutralizers"], sample_weights=f["sample_weights"],
              previous=f["previous"], stakes=f["stakes"], progress=False)
    want, want_warnings = _recorded(lambda: erascore.diagnostics(
        f["data"], f["predictions"], f["meta_model"], out=tmp_path / "one", **kw))
    assert {"nc", "ncontrib", "alpha", "mpc", "churn", "neutral_churn", "turnover",
            "payout"} <= set(want.per_era.columns)
    got, got_warnings = _recorded(lambda: er.diagnostics(
        f["data"], f["predictions"], f["meta_model"], out=tmp_path / "ray", eras_per_task=1,
        models_per_task=1, **kw))
    pd.testing.assert_frame_equal(got.per_era, want.per_era, check_exact=True)
    pd.testing.assert_frame_equal(got.summary, want.summary, check_exact=True)
    assert got.not_computed == want.not_computed
    assert got_warnings == want_warnings
    for name in ["summary.json", "per_era.csv"]:
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    # Stakes alone: the meta model they build gives mmc and the payout score; mpc is left
    # out for want of neutralizers, as in the single-machine run.
    kw = dict(previous=f["previous"], stakes=f["stakes"], progress=False)
    want, want_warnings = _recorded(lambda: erascore.diagnostics(f["data"], f["predictions"], **kw))
    got, got_warnings = _recorded(
        lambda: er.diagnostics(f["data"], f["predictions"], eras_per_task=2, **kw))
    assert "payout" in want.per_era and "mpc" not in want.per_era
    assert got_warnings == want_warnings
    pd.testing.assert_frame_equal(got.per_era, want.per_era, check_exact=True)
    pd.testing.assert_frame_equal(got.summary, want.summary, check_exact=True)
    assert got.not_computed == want.not_computed


def test_bad_signals_inputs_fail_the_job_with_the_single_machine_error(tmp_path):
    f = _signals_frames()
    common = dict(metrics=["mpc", "alpha", "churn"], neutralizers=f["neutralizers"],
                  previous=f["previous"], progress=False)
    cases = [
        dict(stakes={"model_z": 1.0}),  # a staked model without predictions
        dict(stakes={"model_a": 0.0}),
        dict(stakes=f["stakes"], sample_weights=f["sample_weights"].assign(extra=1.0)),
        # One era's share lacks a neutralizer row.
        dict(stakes=f["stakes"], neutralizers=f["neutralizers"].iloc[5:]),
        dict(stakes=f["stakes"], previous=[f["previous"][0].drop(columns="model_b")]),
    ]
    for kw in cases:
        kw = {**common, **kw}
        want = _raised(lambda: erascore.score(f["data"], f["predictions"], **kw))
        assert issubclass(want[0], ValueError), want
        assert _raised(lambda: er.score(f["data"], f["predictions"], eras_per_task=1, **kw)) == want
    assert "model 'model_z' has a stake but no column in predictions" in _raised(
        lambda: er.score(f["data"], f["predictions"], **{**common, **cases[0]}))[1]
    want = _raised(lambda: erascore.diagnostics(f["data"], f["predictions"],
                                                stakes={"model_z": 1.0}, progress=False))
    assert issubclass(want[0], ValueError) and "model_z" in want[1]
    got = _raised(lambda: er.diagnostics(f["data"], f["predictions"], stakes={"model_z": 1.0},
                                         out=tmp_path / "d", eras_per_task=2))
    assert got == want
    assert not (tmp_path / "d").exists()


def _cli_compare(archive: Path, out: Path, rules: Path, *extra: str) -> None:
    subprocess.run(
        [str(cli_binary()), "compare", "--data", str(archive / "data.parquet"),
         "--predictions", str(archive / "predictions.parquet"), "--stakes", str(archive / "stakes.csv"),
         "--configs", str(rules), "--out", str(out), "--quiet", *extra],
        check=True, capture_output=True,
    )


def _toml(configs) -> str:
    def value(v):
        return json.dumps(v) if isinstance(v, str) else repr(v)

    return "".join(
        "[[config]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in c.items()) + "\n" for c in configs
    )


@pytest.mark.ray_slow
def test_compare_in_process_matches_the_cli_and_ray_matches_it(archive, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(_toml(CONFIGS))
    _cli_compare(archive, tmp_path / "cli", rules)
    args = (archive / "data.parquet", archive / "predictions.parquet", archive / "stakes.csv")
    one = erascore.compare(*args, rules, out=tmp_path / "one")
    # The CLI's tables and compare.json, number for number.
    pd.testing.assert_frame_equal(one.per_model, pd.read_parquet(tmp_path / "cli" / "per_model.parquet"),
                                  check_exact=True)
    pd.testing.assert_frame_equal(one.per_round, pd.read_parquet(tmp_path / "cli" / "per_round.parquet"),
                                  check_exact=True)
    assert one.summary == json.loads((tmp_path / "cli" / "compare.json").read_text())
    for name in ["compare.json", "per_model.parquet", "per_round.parquet", "report.html"]:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    # Configurations given as dicts are the same document.
    assert erascore.compare(*args, CONFIGS).summary == one.summary
    # Shares of eras on the cluster: the same, also with the meta model built chunk by chunk.
    for eras_per_task, max_values in [(3, 150_000_000), (5, 240 * 14 * 7)]:
        got = er.compare(*args, rules, eras_per_task=eras_per_task, max_values=max_values,
                         out=tmp_path / f"ray{eras_per_task}")
        pd.testing.assert_frame_equal(got.per_model, one.per_model, check_exact=True)
        pd.testing.assert_frame_equal(got.per_round, one.per_round, check_exact=True)
        assert got.summary == one.summary
        assert (tmp_path / f"ray{eras_per_task}" / "compare.json").read_bytes() == (
            tmp_path / "one" / "compare.json").read_bytes()


def test_compare_on_the_cluster_small(archive, tmp_path, capsys):
    args = (archive / "data.parquet", archive / "predictions.parquet", archive / "stakes.csv")
    want = erascore.compare(*args, CONFIGS[:2])
    # progress= as erascore.compare takes it: the eras of the shares finished.
    got = er.compare(*args, CONFIGS[:2], eras_per_task=7, progress=True)
    n_eras = pd.read_parquet(archive / "data.parquet", columns=["era"])["era"].nunique()
    assert f"{n_eras}/{n_eras}" in capsys.readouterr().err or _has_tqdm()
    pd.testing.assert_frame_equal(got.per_model, want.per_model, check_exact=True)
    pd.testing.assert_frame_equal(got.per_round, want.per_round, check_exact=True)
    assert got.summary == want.summary


def _has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def test_compare_with_a_stake_schedule_on_the_cluster(archive, tmp_path):
    # Stakes that change by round: the shares weigh the stakes at the start of the first
    # round and the driver compounds the later ones, as the in-process run does.
    eras = sorted(pd.read_parquet(archive / "data.parquet", columns=["era"])["era"].unique())
    models = [c for c in pd.read_parquet(archive / "predictions.parquet").columns
              if c not in ("id", "era")]
    rows = [(eras[0], m, 1.0 + i) for i, m in enumerate(models[1:])]
    rows += [(eras[2], models[0], 4.0), (eras[3], models[1], 10.0)]
    schedule = tmp_path / "schedule.csv"
    pd.DataFrame(rows, columns=["round", "model", "stake"]).to_csv(schedule, index=False)
    args = (archive / "data.parquet", archive / "predictions.parquet", schedule, CONFIGS[:2])
    want = erascore.compare(*args)
    got = er.compare(*args, eras_per_task=3)
    pd.testing.assert_frame_equal(got.per_model, want.per_model, check_exact=True)
    pd.testing.assert_frame_equal(got.per_round, want.per_round, check_exact=True)
    assert got.summary == want.summary
    # Not the plain stakes' numbers: the schedule was read.
    plain = erascore.compare(archive / "data.parquet", archive / "predictions.parquet",
                             archive / "stakes.csv", CONFIGS[:2])
    assert plain.summary != want.summary


def test_compare_with_bmc_on_the_cluster(archive, tmp_path):
    from test_compare import RULES, benchmark_csv

    benchmark_csv(archive / "predictions.parquet", tmp_path / "benchmark.csv")
    (tmp_path / "rules.toml").write_text(RULES)
    args = (archive / "data.parquet", archive / "predictions.parquet", archive / "stakes.csv",
            tmp_path / "rules.toml")
    bench = dict(benchmark=tmp_path / "benchmark.csv", benchmark_col="bench")
    want = erascore.compare(*args, **bench)
    got = er.compare(*args, eras_per_task=3, **bench)
    pd.testing.assert_frame_equal(got.per_model, want.per_model, check_exact=True)
    pd.testing.assert_frame_equal(got.per_round, want.per_round, check_exact=True)
    assert got.summary == want.summary
    want = _raised(lambda: erascore.compare(*args))
    assert issubclass(want[0], ValueError) and "configuration 'corr-bmc'" in want[1]
    assert _raised(lambda: er.compare(*args)) == want


def _raised(call):
    with pytest.raises(Exception) as e:
        call()
    return type(e.value), str(e.value)


@pytest.mark.ray_slow
def test_bad_inputs_fail_the_job_with_the_single_machine_error(tmp_path, archive):
    # A target the data lacks, a metric that does not exist, a ratio out of range.
    for kw in [dict(targets=["nope"]), dict(metrics=["cor"]), dict(max_filtered_ratio=1.5)]:
        want = _raised(lambda: erascore.score(*PATHS, **kw))
        assert issubclass(want[0], ValueError)
        assert _raised(lambda: er.score(*PATHS, eras_per_task=2, **kw)) == want
    # An id in two eras: a check spanning the data, made by every share on all of it.
    data = pd.read_parquet(PATHS[0])
    data.loc[data.index[-1], "id"] = data["id"].iloc[0]
    bad = tmp_path / "data.parquet"
    data.to_parquet(bad, index=False, row_group_size=500)
    want = _raised(lambda: erascore.score(str(bad), *PATHS[1:], metrics=["corr"]))
    assert issubclass(want[0], ValueError) and data["id"].iloc[0] in want[1]
    assert _raised(lambda: er.score(str(bad), *PATHS[1:], metrics=["corr"], eras_per_task=1)) == want
    # An id twice within one era: that era's share reports it.
    data = pd.read_parquet(PATHS[0])
    data.loc[data.index[1], "id"] = data["id"].iloc[0]
    twice = tmp_path / "twice.parquet"
    data.to_parquet(twice, index=False, row_group_size=500)
    want = _raised(lambda: erascore.score(str(twice), *PATHS[1:], metrics=["corr"]))
    assert issubclass(want[0], ValueError) and data["id"].iloc[0] in want[1]
    assert _raised(lambda: er.score(str(twice), *PATHS[1:], metrics=["corr"], eras_per_task=4)) == want
    want = _raised(lambda: erascore.diagnostics(str(bad), *PATHS[1:]))
    assert _raised(lambda: er.diagnostics(str(bad), *PATHS[1:], out=tmp_path / "d")) == want
    assert not (tmp_path / "d").exists()  # nothing written
    # A non-finite prediction in one share of models.
    preds = pd.read_parquet(PATHS[1])
    preds.loc[preds.index[7], "model_2"] = np.inf
    bad_preds = tmp_path / "preds.parquet"
    preds.to_parquet(bad_preds, index=False)
    want = _raised(lambda: erascore.score(PATHS[0], str(bad_preds), metrics=["corr"]))
    got = _raised(lambda: er.score(PATHS[0], str(bad_preds), metrics=["corr"], models_per_task=1))
    assert got == want
    # compare: a bad configuration, and a stakes file naming a model without predictions.
    args = (archive / "data.parquet", archive / "predictions.parquet", archive / "stakes.csv")
    bad_config = [{"name": "a", "score": "0.5 * cor"}]
    want = _raised(lambda: erascore.compare(*args, bad_config))
    assert issubclass(want[0], ValueError) and "'cor'" in want[1]
    assert _raised(lambda: er.compare(*args, bad_config)) == want
    stakes = tmp_path / "stakes.csv"
    shutil.copy(archive / "stakes.csv", stakes)
    with open(stakes, "a") as f:
        f.write("ghost,1\n")
    want = _raised(lambda: erascore.compare(*args[:2], stakes, CONFIGS[:1]))
    assert "ghost" in want[1]
    assert _raised(lambda: er.compare(*args[:2], stakes, CONFIGS[:1], out=tmp_path / "c")) == want
    assert not (tmp_path / "c").exists()
