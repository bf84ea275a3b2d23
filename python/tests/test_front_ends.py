"""One table of cases run through the CLI (`erascore score`) and through Python
(`erascore.score`): both translate their inputs into the engine's one request
(`erascore_engine::request`), so each case gets the same decision (the same metrics, or a
refusal) and the same message, modulo how each front end names an input (`--meta-model`
in the CLI, `meta_model=` in Python). Then the Python-only argument errors of issue 23 §4."""

import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import erascore
from erascore.exceptions import (
    ArgumentError,
    ArgumentTypeError,
    DataError,
    ErascoreError,
    MissingFileError,
)
from test_frames import EXAMPLE, cli_binary, synth_archive

DATA, PREDS, META = EXAMPLE / "data.parquet", EXAMPLE / "predictions.parquet", EXAMPLE / "meta_model.parquet"

# The CLI's flag for each keyword argument (the longer flag first, so that one flag is not
# read as the start of another).
FLAGS = [
    ("--benchmark-column", "benchmark_col="),
    ("--meta-model-column", "meta_model_col="),
    ("--max-filtered-ratio", "max_filtered_ratio="),
    ("--meta-model", "meta_model="),
    ("--benchmark", "benchmark="),
    ("--stakes", "stakes="),
    ("--previous", "previous="),
    ("--neutralizers", "neutralizers="),
    ("--metrics", "metrics="),
]


def _in_python_words(cli_message: str) -> str:
    for flag, keyword in FLAGS:
        cli_message = cli_message.replace(flag, keyword)
    return cli_message


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    """Reference files in the shapes the cases need, written once."""
    root = tmp_path_factory.mktemp("front_ends")
    meta = pd.read_parquet(META)
    bench = meta[["id"]].assign(bench=meta["numerai_meta_model"].to_numpy()[::-1])
    bench.to_csv(root / "benchmark.csv", index=False)
    bench.assign(other=1.0).to_csv(root / "benchmark_two.csv", index=False)
    meta.rename(columns={"numerai_meta_model": "mm"}).to_parquet(root / "meta_mm.parquet")
    stakes = {
        "stakes": {"model_0": 3.0, "model_1": 1.0},
        "negative": {"model_0": 3.0, "model_1": -1.0},
        "nan": {"model_0": 3.0, "model_1": math.nan},
        "zero": {"model_0": 0.0, "model_1": 0.0},
        "unknown": {"model_0": 1.0, "model_z": 1.0},
    }
    paths = {"root": root, "stakes": {}}
    for name, table in stakes.items():
        path = root / f"{name}.csv"
        lines = ["model,stake"] + [f"{m},{'nan' if math.isnan(s) else s}" for m, s in table.items()]
        path.write_text("\n".join(lines) + "\n")
        paths["stakes"][name] = (path, table)
    return paths


# (case, inputs, expected): inputs name abstract inputs; expected is the list of metrics
# chosen, or (exit code of the CLI, a fragment of the message in Python's words).
CASES = [
    ("default metrics", {}, ["corr", "fnc"]),
    ("default metrics with a meta model", {"meta_model": "meta"}, ["corr", "mmc", "fnc"]),
    ("default metrics with stakes", {"stakes": "stakes"}, ["corr", "mmc", "fnc"]),
    ("default metrics with a benchmark", {"benchmark": "benchmark"}, ["corr", "bmc", "fnc"]),
    ("default metrics with both", {"meta_model": "meta", "benchmark": "benchmark"},
     ["corr", "mmc", "bmc", "fnc"]),
    ("meta model column defaults to the only numeric one", {"meta_model": "meta_mm", "metrics": "mmc"},
     ["mmc"]),
    ("benchmark column named", {"benchmark": "benchmark", "benchmark_col": "bench", "metrics": "bmc"},
     ["bmc"]),
    ("mmc without a meta model", {"metrics": "corr,mmc"}, (2, "metric mmc needs meta_model= or stakes=")),
    ("bmc without a benchmark", {"metrics": "bmc"}, (2, "metric bmc needs benchmark=")),
    ("churn without previous", {"metrics": "churn"},
     (2, "metric churn needs previous= (the previous submission)")),
    ("mpc without stakes", {"metrics": "mpc"},
     (2, "metric mpc needs stakes= (the models of the meta portfolio)")),
    ("max_filtered_ratio out of range", {"max_filtered_ratio": 1.5},
     (2, "max_filtered_ratio= must be in [0, 1), got 1.5")),
    ("an unknown metric", {"metrics": "cor"}, (2, "unknown metric 'cor'")),
    ("a benchmark of two numeric columns", {"benchmark": "benchmark_two", "metrics": "bmc"},
     (1, "several numeric columns (bench, other); choose one with benchmark_col=")),
    ("a negative stake", {"stakes": "negative"},
     (1, "stake -1 of model 'model_1' must be a finite number >= 0")),
    ("a NaN stake", {"stakes": "nan"},
     (1, "stake NaN of model 'model_1' must be a finite number >= 0")),
    ("zero stakes", {"stakes": "zero"}, (1, "stakes are all zero")),
    ("a stake of a model without predictions", {"stakes": "unknown"},
     (1, "model 'model_z' has a stake but no column in")),
]


def _reference(files: dict, name: str) -> Path:
    return {"meta": META}.get(name) or files["root"] / (
        f"{name}.parquet" if name.startswith("meta") else f"{name}.csv"
    )


def _cli(files: dict, inputs: dict, out: Path):
    args = [str(cli_binary()), "score", "--data", str(DATA), "--predictions", str(PREDS),
            "--out", str(out), "--quiet"]
    if "meta_model" in inputs:
        args += ["--meta-model", str(_reference(files, inputs["meta_model"]))]
    if "benchmark" in inputs:
        args += ["--benchmark", str(_reference(files, inputs["benchmark"]))]
    if "benchmark_col" in inputs:
        args += ["--benchmark-column", inputs["benchmark_col"]]
    if "stakes" in inputs:
        args += ["--stakes", str(files["stakes"][inputs["stakes"]][0])]
    if "metrics" in inputs:
        args += ["--metrics", inputs["metrics"]]
    if "max_filtered_ratio" in inputs:
        args += ["--max-filtered-ratio", str(inputs["max_filtered_ratio"])]
    run = subprocess.run(args, capture_output=True, text=True)
    if run.returncode == 0:
        return list(pd.read_csv(out).columns[3:])
    message = run.stderr.strip().splitlines()[-1]
    assert message.startswith("error: "), run.stderr
    return run.returncode, _in_python_words(message[len("error: "):])


def _python(files: dict, inputs: dict):
    kw = {}
    if "meta_model" in inputs:
        kw["meta_model"] = _reference(files, inputs["meta_model"])
    if "benchmark" in inputs:
        kw["benchmark"] = _reference(files, inputs["benchmark"])
    if "benchmark_col" in inputs:
        kw["benchmark_col"] = inputs["benchmark_col"]
    if "stakes" in inputs:
        kw["stakes"] = files["stakes"][inputs["stakes"]][1]
    if "metrics" in inputs:
        kw["metrics"] = inputs["metrics"].split(",")
    if "max_filtered_ratio" in inputs:
        kw["max_filtered_ratio"] = inputs["max_filtered_ratio"]
    try:
        got = erascore.score(DATA, PREDS, progress=False, **kw)
    except ErascoreError as e:
        assert isinstance(e, ValueError), type(e)
        return type(e), str(e)
    return list(got.columns[3:])


@pytest.mark.parametrize("case, inputs, expected", CASES, ids=[c[0] for c in CASES])
def test_the_cli_and_python_decide_alike(files, tmp_path, case, inputs, expected):
    cli = _cli(files, inputs, tmp_path / "scores.csv")
    py = _python(files, inputs)
    if isinstance(expected, list):
        assert cli == expected, case
        assert py == expected, case
        return
    code, fragment = expected
    assert isinstance(cli, tuple) and isinstance(py, tuple), (cli, py)
    assert cli[0] == code, cli
    assert fragment in cli[1], cli
    assert fragment in py[1], py
    # Refused before any file is read: the same words, but for the name of the input.
    if code == 2:
        assert cli[1] == py[1]
        assert py[0] is ArgumentError
    # The engine's messages name keyword arguments, never a CLI flag.
    assert "--" not in py[1], py


def test_stake_errors_are_argument_errors_naming_the_keyword(files):
    with pytest.raises(ArgumentError, match=r"^stakes=: stake -1 of model 'model_1'"):
        erascore.score(DATA, PREDS, stakes=files["stakes"]["negative"][1], progress=False)
    with pytest.raises(ArgumentError, match=r"^stakes=: model 'model_1': expected a number, got 'x'"):
        erascore.score(DATA, PREDS, stakes={"model_0": 1, "model_1": "x"}, progress=False)
    with pytest.raises(ArgumentTypeError, match="stakes=: expected"):
        erascore.score(DATA, PREDS, stakes=[("model_0", 1.0)], progress=False)


def test_diagnostics_not_computed_names_keywords():
    got = erascore.diagnostics(DATA, PREDS, progress=False)
    assert "bmc (no benchmark=)" in got.not_computed
    assert any("(no meta_model=)" in n for n in got.not_computed)
    assert not any("--" in n for n in got.not_computed)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        erascore.score(tmp_path / "nope.parquet", PREDS, progress=False)
    assert isinstance(e.value, MissingFileError) and "nope.parquet" in str(e.value)


def test_arguments_are_read_as_python_users_pass_them():
    data, preds, meta = pd.read_parquet(DATA), pd.read_parquet(PREDS), pd.read_parquet(META)
    # A str is one model name, not its characters.
    got = erascore.score(data, preds, models="model_0", metrics="corr", progress=False)
    assert set(got["model"]) == {"model_0"}
    # A Series (index: the ids) for the predictions, the meta model and the benchmark.
    series = preds.set_index("id")["model_1"]
    mm = meta.set_index("id")["numerai_meta_model"]
    got = erascore.score(data, series, meta_model=mm, benchmark=mm.rename("b"),
                         metrics=["corr", "mmc", "bmc"], progress=False)
    want = erascore.score(DATA, PREDS, META, models=["model_1"], metrics=["corr", "mmc"],
                          progress=False)
    assert set(got["model"]) == {"model_1"}
    np.testing.assert_array_equal(got["corr"].to_numpy(), want["corr"].to_numpy())
    np.testing.assert_array_equal(got["mmc"].to_numpy(), want["mmc"].to_numpy())
    # The benchmark is the meta model here, so bmc equals mmc.
    np.testing.assert_array_equal(got["bmc"].to_numpy(), got["mmc"].to_numpy())


def test_argument_errors_name_the_keyword():
    data, preds = pd.read_parquet(DATA), pd.read_parquet(PREDS)
    with pytest.raises(ArgumentError, match=r"predictions=: no column 'row'.*id_col="):
        erascore.score(data.rename(columns={"id": "row"}), preds, id_col="row", progress=False)
    with pytest.raises(ArgumentError, match=r"data=: no column 'id'.*name the id column with id_col="):
        erascore.score(data.rename(columns={"id": "row"}), preds, progress=False)
    with pytest.raises(ArgumentError, match=r"features=: 1 of the 2 features named are not columns"):
        erascore.score(data, preds, features=["feature_0000", "feature_nope"], progress=False)
    with pytest.raises(ArgumentError, match=r"top_bottom= must be at least 1, got -5"):
        erascore.diagnostics(DATA, PREDS, top_bottom=-5, progress=False)
    with pytest.raises(ArgumentError, match=r"max_filtered_ratio=: expected a number, got 'x'"):
        erascore.score(DATA, PREDS, max_filtered_ratio="x", progress=False)
    with pytest.raises(ArgumentTypeError, match=r"models=: expected a name or a list of names"):
        erascore.score(DATA, PREDS, models=3, progress=False)
    with pytest.raises(TypeError, match=r"scores=: expected a DataFrame"):
        erascore.payout(None, stake=1.0)
    with pytest.raises(ArgumentError, match=r"resolve_lag= must be at least 0, got -1"):
        erascore.payout(pd.DataFrame({"era": ["1"], "corr": [0.1], "mmc": [0.0]}), stake=1.0,
                        resolve_lag=-1)
    with pytest.raises(DataError):
        erascore.score(DATA, PREDS, targets=["nope"], progress=False)


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_the_cli_and_python_score_tables_are_the_same_table(files, tmp_path, layout):
    # One table (the report crate's): the same columns, in the same order, with the same
    # numbers; Python's wide frame has the era as its index.
    out = tmp_path / "scores.parquet"
    run = subprocess.run(
        [str(cli_binary()), "score", "--data", str(DATA), "--predictions", str(PREDS),
         "--meta-model", str(META), "--benchmark", str(_reference(files, "benchmark")),
         "--target", "target,target_aux_20" if layout == "wide" else "target",
         "--layout", layout, "--out", str(out), "--quiet"],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    cli = pd.read_parquet(out)
    got = erascore.score(DATA, PREDS, META, benchmark=_reference(files, "benchmark"),
                         targets=["target", "target_aux_20"] if layout == "wide" else ["target"],
                         layout=layout, progress=False)
    if layout == "wide":
        assert got.index.name == "era"
        got = got.reset_index()
        assert "model_0/target_aux_20/mmc" in got.columns
    else:
        assert list(got.columns[:3]) == ["era", "model", "target"]
    assert list(got.columns) == list(cli.columns)
    pd.testing.assert_frame_equal(got, cli, check_exact=True)


# diagnostics: the metrics the inputs allow, the notes on what is left out, and refusals.
DIAGNOSTICS_CASES = [
    ("no meta model or benchmark", {}, None),
    ("meta model and benchmark", {"meta_model": "meta", "benchmark": "benchmark"}, None),
    ("stakes build the meta model", {"stakes": "stakes"}, None),
    ("top_bottom 0", {"top_bottom": 0}, "top_bottom= must be at least 1, got 0"),
    ("a benchmark of two numeric columns", {"benchmark": "benchmark_two"},
     "several numeric columns (bench, other); choose one with benchmark_col="),
]


@pytest.mark.parametrize("case, inputs, refused", DIAGNOSTICS_CASES,
                         ids=[c[0] for c in DIAGNOSTICS_CASES])
def test_diagnostics_decide_alike(files, tmp_path, case, inputs, refused):
    args = [str(cli_binary()), "diagnostics", "--data", str(DATA), "--predictions", str(PREDS),
            "--out", str(tmp_path / "cli"), "--quiet"]
    kw: dict = {}
    if "meta_model" in inputs:
        args += ["--meta-model", str(_reference(files, inputs["meta_model"]))]
        kw["meta_model"] = _reference(files, inputs["meta_model"])
    if "benchmark" in inputs:
        args += ["--benchmark", str(_reference(files, inputs["benchmark"]))]
        kw["benchmark"] = _reference(files, inputs["benchmark"])
    if "stakes" in inputs:
        args += ["--stakes", str(files["stakes"][inputs["stakes"]][0])]
        kw["stakes"] = files["stakes"][inputs["stakes"]][1]
    if "top_bottom" in inputs:
        args += ["--top-bottom", str(inputs["top_bottom"])]
        kw["top_bottom"] = inputs["top_bottom"]
    run = subprocess.run(args, capture_output=True, text=True)
    if refused is not None:
        assert run.returncode != 0
        cli = _in_python_words(run.stderr.strip().splitlines()[-1].removeprefix("error: "))
        cli = cli.replace("--top-bottom", "top_bottom=")
        with pytest.raises(ArgumentError) as e:
            erascore.diagnostics(DATA, PREDS, progress=False, **kw)
        assert refused in cli and refused in str(e.value), (cli, str(e.value))
        return
    assert run.returncode == 0, run.stderr
    got = erascore.diagnostics(DATA, PREDS, progress=False, **kw)
    want = pd.read_parquet(tmp_path / "cli" / "per_era.parquet")
    assert list(got.per_era.columns) == list(want.columns)
    notes = [n for line in run.stderr.splitlines() if line.startswith("note: not computed: ")
             for n in line.removeprefix("note: not computed: ").split("; ")]
    assert [_in_python_words(n).replace("--example-preds", "example_preds=") for n in notes] \
        == got.not_computed


# payout: the payout crate's refusals, worded as flags by the CLI and as keyword arguments
# in Python (issue 22: no message made outside the CLI names a flag). (case, arguments,
# exit code of the CLI, the message in Python's words)
PAYOUT_FLAGS = [("--mmc-multiplier", "mmc_multiplier="), ("--rule", "rule="), ("--nan", "nan="),
                ("--threshold", "threshold="), ("--mmc-col", "mmc_col=")]
PAYOUT_CASES = [
    ("a multiplier the preset does not allow", {"rule": "2024", "mmc_multiplier": 1.0}, 2,
     "2024: mmc multiplier 1 is not allowed (allowed: 2); for any other value set rule= to custom"),
    ("a NaN score with nan='error'", {"rule": "2024", "nan": "error"}, 1,
     "model 'm', round '2': corr score is NaN (set nan= to skip or zero to go on)"),
    ("a total at risk without a threshold", {"rule": "custom", "total_at_risk": 5.0}, 2,
     "rule custom has no staking threshold: give threshold= T to turn a total at risk"),
    # One decision (the payout crate's), not the CLI's file reader first.
    ("no mmc column for a rule that weighs it",
     {"rule": "custom", "corr_multiplier": 1.0, "mmc_multiplier": 1.0, "drop": "mmc"}, 1,
     "the rule uses the second score but there is no 'mmc' column (name it with mmc_col=, "
     "or set mmc_multiplier= to 0)"),
]


@pytest.mark.parametrize("case, kw, code, message", PAYOUT_CASES, ids=[c[0] for c in PAYOUT_CASES])
def test_payout_errors_name_the_keyword(tmp_path, case, kw, code, message):
    scores = pd.DataFrame({"era": ["1", "2", "3"], "model": "m", "corr": [0.1, math.nan, 0.2],
                           "mmc": [0.0, 0.1, 0.0]})
    kw = dict(kw)
    if "drop" in kw:
        scores = scores.drop(columns=[kw.pop("drop")])
    scores.to_csv(tmp_path / "scores.csv", index=False)
    args = [str(cli_binary()), "payout", "--scores", str(tmp_path / "scores.csv"), "--stake", "1",
            "--out", str(tmp_path / "out.csv")]
    for k, v in kw.items():
        args += ["--" + k.replace("_", "-"), str(v)]
    run = subprocess.run(args, capture_output=True, text=True)
    cli = run.stderr.strip().splitlines()[-1].removeprefix("error: ")
    for flag, keyword in PAYOUT_FLAGS:
        cli = cli.replace(flag, keyword)
    with pytest.raises(ErascoreError) as e:
        erascore.payout(scores, stake=1.0, **kw)
    assert run.returncode == code, run.stderr
    assert message in cli, cli
    assert message in str(e.value), str(e.value)
    assert isinstance(e.value, ArgumentError if code == 2 else DataError), type(e.value)
    assert "--" not in str(e.value)


def test_a_missing_second_score_names_its_keywords():
    scores = pd.DataFrame({"era": ["1", "2"], "model": "m", "corr": [0.1, 0.2]})
    with pytest.raises(DataError, match=r"no 'mmc' column \(name it with mmc_col=, or set "
                                        r"mmc_multiplier= to 0\)"):
        erascore.payout(scores, stake=1.0, rule="custom", corr_multiplier=1.0, mmc_multiplier=1.0)


# compare: one engine request (`erascore_engine::compare::CompareRequest`) that the CLI and
# Python translate into. (case, what differs from a plain run, exit code of the CLI or 0, a
# fragment of the message in Python's words)
COMPARE_RULES = '[[config]]\nname = "y2024"\nrule = "2024"\n\n[[config]]\nname = "c"\nscore = "corr"\n'
COMPARE_CASES = [
    ("the default run", {}, 0, None),
    ("stakes that change by round", {"schedule": True}, 0, None),
    ("max_filtered_ratio out of range", {"max_filtered_ratio": 1.5}, 2,
     "max_filtered_ratio= must be in [0, 1), got 1.5"),
    ("bmc without a benchmark", {"rules": '[[config]]\nname = "b"\nscore = "corr + bmc"\n'}, 2,
     "configuration 'b': its score uses bmc, which needs benchmark="),
    ("an unknown rule", {"rules": '[[config]]\nname = "x"\nrule = "nope"\n'}, 2,
     "unknown payout rule 'nope'"),
]


@pytest.fixture(scope="module")
def tournament(tmp_path_factory) -> Path:
    out = synth_archive(
        tmp_path_factory.mktemp("compare_front_ends") / "archive", "--population", "tournament",
        "--models", "6", "--eras", "5", "--rows", "100", "--features", "4", "--seed", "5",
    )
    eras = sorted(pd.read_parquet(out / "data.parquet", columns=["era"])["era"].unique())
    models = [c for c in pd.read_parquet(out / "predictions.parquet").columns
              if c not in ("id", "era")]
    rows = [(eras[0], m, 1.0 + i) for i, m in enumerate(models)] + [(eras[2], models[0], 10.0)]
    pd.DataFrame(rows, columns=["round", "model", "stake"]).to_csv(out / "schedule.csv", index=False)
    return out


@pytest.mark.parametrize("case, given, code, fragment", COMPARE_CASES,
                         ids=[c[0] for c in COMPARE_CASES])
def test_compare_decides_alike(tournament, tmp_path, case, given, code, fragment):
    rules = tmp_path / "rules.toml"
    rules.write_text(given.get("rules", COMPARE_RULES))
    stakes = tournament / ("schedule.csv" if given.get("schedule") else "stakes.csv")
    ratio = given.get("max_filtered_ratio", 0.2)
    run = subprocess.run(
        [str(cli_binary()), "compare", "--data", str(tournament / "data.parquet"),
         "--predictions", str(tournament / "predictions.parquet"), "--stakes", str(stakes),
         "--configs", str(rules), "--max-filtered-ratio", str(ratio),
         "--out", str(tmp_path / "cli"), "--quiet"],
        capture_output=True, text=True,
    )
    assert run.returncode == code, run.stderr
    call = lambda: erascore.compare(  # noqa: E731
        tournament / "data.parquet", tournament / "predictions.parquet", stakes, rules,
        max_filtered_ratio=ratio, out=tmp_path / "py", progress=False)
    if code == 0:
        call()
        for name in ["compare.json", "per_model.parquet", "per_round.parquet"]:
            assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
        return
    cli = _in_python_words(run.stderr.strip().splitlines()[-1].removeprefix("error: "))
    with pytest.raises(ArgumentError) as e:
        call()
    assert fragment in cli, cli
    assert fragment in str(e.value), str(e.value)
    assert "--" not in str(e.value)
    assert not (tmp_path / "py").exists()
