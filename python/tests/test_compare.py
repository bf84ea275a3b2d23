"""erascore.compare with bmc in a configuration's score: the CLI's files byte for byte, and
the missing benchmark named."""

import subprocess
from pathlib import Path

import pandas as pd
import pytest

import erascore

from test_frames import cli_binary, synth_archive

RULES = (
    '[[config]]\nname = "corr-bmc"\nscore = "0.5 * corr + 2 * bmc"\ncap = 0.05\n\n'
    '[[config]]\nname = "y2024"\nrule = "2024"\n'
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """A small tournament archive, a benchmark file and the configurations."""
    out = synth_archive(
        tmp_path_factory.mktemp("compare") / "archive", "--population", "tournament",
        "--models", "12", "--eras", "6", "--rows", "120", "--features", "4", "--seed", "3",
    )
    benchmark_csv(out / "predictions.parquet", out / "benchmark.csv")
    (out / "rules.toml").write_text(RULES)
    return out


def benchmark_csv(predictions: Path, path: Path) -> None:
    """A benchmark column `bench`: a blend of two models, missing on every 17th row."""
    p = pd.read_parquet(predictions)
    bench = (0.7 * p["model_3"] + 0.3 * p["model_7"]).astype(float)
    bench[(pd.RangeIndex(len(p)) % 17) == 5] = float("nan")
    pd.DataFrame({"id": p["id"], "era": p["era"], "bench": bench}).to_csv(path, index=False)


def test_compare_with_bmc_writes_the_cli_files(archive, tmp_path):
    subprocess.run(
        [str(cli_binary()), "compare", "--data", str(archive / "data.parquet"),
         "--predictions", str(archive / "predictions.parquet"), "--stakes", str(archive / "stakes.csv"),
         "--configs", str(archive / "rules.toml"), "--benchmark", str(archive / "benchmark.csv"),
         "--benchmark-column", "bench", "--out", str(tmp_path / "cli"), "--quiet"],
        check=True, capture_output=True,
    )
    got = erascore.compare(
        archive / "data.parquet", archive / "predictions.parquet", archive / "stakes.csv",
        archive / "rules.toml", benchmark=archive / "benchmark.csv", benchmark_col="bench",
        out=tmp_path / "py",
    )
    for name in ["compare.json", "per_model.parquet", "per_round.parquet", "report.html"]:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    # The configurations differ, so bmc was scored.
    per = got.per_model.set_index(["config", "model"])["final_stake"]
    assert (per["corr-bmc"] != per["y2024"]).any()


def test_compare_bmc_without_a_benchmark_names_the_configuration(archive):
    args = (archive / "data.parquet", archive / "predictions.parquet", archive / "stakes.csv",
            archive / "rules.toml")
    with pytest.raises(ValueError, match="configuration 'corr-bmc'.*benchmark="):
        erascore.compare(*args)
    # The benchmark column defaults as in the CLI: `benchmark`, or the file's only numeric one.
    defaulted = erascore.compare(*args, benchmark=archive / "benchmark.csv")
    named = erascore.compare(*args, benchmark=archive / "benchmark.csv", benchmark_col="bench")
    pd.testing.assert_frame_equal(defaulted.per_model, named.per_model)


def test_compare_reports_progress_and_stops_at_ctrl_c(archive, tmp_path, monkeypatch):
    import signal

    from erascore import _frames

    args = (archive / "data.parquet", archive / "predictions.parquet", archive / "stakes.csv",
            archive / "rules.toml")
    seen: list = []
    monkeypatch.setattr(_frames, "_progress_bar", lambda show: lambda done, total: seen.append((done, total)))
    erascore.compare(*args, benchmark=archive / "benchmark.csv", progress=True)
    # Every era of every scoring pass (both configurations share one here: same target and
    # meta model), counted up to the total.
    assert seen[-1] == (6, 6)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    calls: list = []

    def interrupt(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 1:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(_frames, "_progress_bar", lambda show: interrupt)
    # A process started in the background by a non-interactive shell ignores SIGINT: install
    # the default handler for this test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            erascore.compare(*args, benchmark=archive / "benchmark.csv", out=tmp_path / "out")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert calls
    assert list(tmp_path.iterdir()) == []
