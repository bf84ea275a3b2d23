"""Every fenced code block of README.md and docs/*.md runs, so that an example that stops
working fails the tests. Blocks run page by page, in order, in a fresh folder holding data
that `erascore synth` makes under the file names the examples use:

- ```sh: run by bash (`set -euo pipefail`) with the CLI under test as `erascore` (and the
  README's `cargo run --release -p erascore-cli --` as `erascore`); sizes are capped
  (`--eras`, `--rows`, `--features`, `--models`, `--bootstrap`) to keep the test fast.
- ```python: executed, the blocks of a page sharing one namespace (ray.md on a local
  2-CPU cluster, as test_ray.py starts it). ```python signature blocks are checked
  against the function's runtime signature instead (names, kinds, defaults).
- ```toml: compare's configuration file; parsed here, and used by every `--configs
  rules.toml` of the examples.
- ```text: output, diagrams and command synopses; nothing to run.
- ```LANG no-run: REASON: not run, for a visible reason (an install, the test command
  itself, a benchmark, a nightly toolchain). Kept to a handful.

docs/benchmarks/ is a record of commands that were run at given commits; it is not
executed."""

import ast
import inspect
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import erascore

from test_frames import cli_binary

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(.*)$")
LANGUAGES = {"sh", "python", "toml", "text"}
# Sizes above these are shrunk in shell examples (a full-size `synth` takes minutes).
CAPS = {"--eras": 12, "--rows": 500, "--features": 40, "--models": 20, "--bootstrap": 200}


def blocks(page: Path) -> list:
    """(line, info string, code) of every fenced block of a page."""
    out, info, start, body = [], None, 0, []
    for number, line in enumerate(page.read_text().splitlines(), 1):
        fence = FENCE.match(line.strip())
        if info is None and fence:
            info, start, body = fence.group(1).strip(), number, []
        elif info is not None and line.strip() == "```":
            out.append((start, info, textwrap.dedent("\n".join(body)) + "\n"))
            info = None
        elif info is not None:
            body.append(line)
    assert info is None, f"{page.name}: a block opened at line {start} is not closed"
    return out


def _info(info: str) -> tuple:
    """(language, how): how is 'run', 'signature' or the no-run reason."""
    language, _, rest = info.partition(" ")
    rest = rest.strip()
    if rest.startswith("no-run:"):
        reason = rest[len("no-run:"):].strip()
        return language, ("no-run", reason)
    if rest == "signature":
        return language, ("signature", None)
    assert not rest, f"unknown fence info {info!r}"
    return language, ("run", None)


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_every_block_has_a_language_and_a_reason_when_not_run():
    no_run = []
    for page in PAGES:
        for line, info, _ in blocks(page):
            language, (how, reason) = _info(info)
            assert language in LANGUAGES, f"{_page_id(page)}:{line}: fence language {language!r}"
            if how == "no-run":
                assert len(reason) > 10, f"{_page_id(page)}:{line}: say why it cannot run"
                no_run.append(f"{_page_id(page)}:{line}")
            if how == "signature":
                assert language == "python", f"{_page_id(page)}:{line}"
    # Keep the unrunnable set tiny: installs, the test command, benchmarks, nightly fuzzing.
    assert len(no_run) <= 8, no_run


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """The files the examples name, made by `erascore synth`."""
    root = tmp_path_factory.mktemp("docs")
    cli = str(cli_binary())

    def synth(*args: str) -> None:
        subprocess.run([cli, "synth", *args, "--quiet"], check=True, capture_output=True)

    example = root / "fixtures" / "example"
    synth("--eras", "12", "--rows", "500", "--features", "40", "--models", "3", "--seed", "42", "--out", str(example))
    for name, source in (
        ("validation.parquet", "data.parquet"),
        ("preds.parquet", "predictions.parquet"),
        ("meta_model.parquet", "meta_model.parquet"),
        ("stakes.csv", "stakes.csv"),
        ("features.json", "features.json"),
    ):
        shutil.copy(example / source, root / name)
    synth("--population", "tournament", "--models", "20", "--eras", "8", "--rows", "500", "--features", "10",
          "--seed", "1", "--out", str(root / "archive"))
    synth("--tournament", "signals", "--eras", "4", "--rows", "300", "--neutralizers", "5", "--models", "3",
          "--seed", "3", "--out", str(root / "sig"))
    # compare.md's configuration file is the one every `--configs rules.toml` uses.
    (root / "rules.toml").write_text(_rules_toml())
    # The live data: the last era's rows (their ids are the live universe), and a valid
    # classic submission of them.
    data = pd.read_parquet(example / "data.parquet")
    live = data[data["era"] == data["era"].max()]
    live.to_parquet(root / "live.parquet", index=False)
    ranks = (pd.Series(range(len(live)), index=live.index) + 0.5) / len(live)
    live[["id"]].assign(prediction=ranks).to_csv(root / "submission.csv", index=False)
    preds = pd.read_parquet(example / "predictions.parquet")
    preds[preds["id"].isin(live["id"])].to_parquet(root / "live_preds.parquet", index=False)
    return root


def _rules_toml() -> str:
    tomls = [code for _, info, code in blocks(ROOT / "docs" / "compare.md") if _info(info)[0] == "toml"]
    assert len(tomls) == 1
    return tomls[0]


def _capped(code: str) -> str:
    def cap(m: re.Match) -> str:
        flag, value = m.group(1), int(m.group(2))
        return f"{flag} {min(value, CAPS[flag])}"

    code = re.sub(r"(" + "|".join(map(re.escape, CAPS)) + r") (\d+)\b", cap, code)
    return code.replace("cargo run --release -p erascore-cli --", "erascore")


def _run_sh(code: str, cwd: Path, where: str) -> None:
    bin_dir = cwd / ".bin"
    bin_dir.mkdir(exist_ok=True)
    link = bin_dir / "erascore"
    if not link.exists():
        link.symlink_to(cli_binary())
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + _capped(code)], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{where} exited {done.returncode}:\n{done.stderr[-3000:]}"


def _check_signature(code: str, where: str) -> None:
    """`erascore.NAME(params) -> ...` is the runtime signature of that function."""
    m = re.match(r"\s*([\w.]+)\((.*)\)\s*->", code, re.S)
    assert m, f"{where}: not a signature block"
    dotted, params = m.group(1), m.group(2)
    target = erascore
    for part in dotted.split(".")[1:]:
        target = getattr(target, part)
    documented = ast.parse(f"def f({params}): ...").body[0].args
    want = []
    for p, default in zip(documented.args, [None] * (len(documented.args) - len(documented.defaults)) + documented.defaults):
        want.append((p.arg, inspect.Parameter.POSITIONAL_OR_KEYWORD, ast.literal_eval(default) if default else inspect.Parameter.empty))
    for p, default in zip(documented.kwonlyargs, documented.kw_defaults):
        want.append((p.arg, inspect.Parameter.KEYWORD_ONLY, ast.literal_eval(default) if default else inspect.Parameter.empty))
    got = [(p.name, p.kind, p.default) for p in inspect.signature(target).parameters.values()]
    assert want == got, f"{where}: the documented signature of {dotted} is not the code's"


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    ray.init(
        num_cpus=2, include_dashboard=False, log_to_driver=False,
        _node_ip_address="127.0.0.1", configure_logging=False,
    )
    yield
    ray.shutdown()


def _pages_marked() -> list:
    """Pages whose examples start a Ray cluster carry the `ray_slow` marker."""
    return [
        pytest.param(page, marks=[pytest.mark.ray_slow] if "import ray" in page.read_text() else [], id=_page_id(page))
        for page in PAGES
    ]


@pytest.mark.parametrize("page", _pages_marked())
def test_page_examples_run(page, workspace, tmp_path, request, monkeypatch):
    runnable = [(line, info, code) for line, info, code in blocks(page) if _info(info)[1][0] != "no-run"]
    if not any(_info(info)[0] in ("sh", "python") for _, info, _ in runnable):
        pytest.skip("no runnable block")
    cwd = tmp_path / "work"
    shutil.copytree(workspace, cwd, symlinks=True)
    monkeypatch.chdir(cwd)
    namespace: dict = {"__name__": "__docs__"}
    for line, info, code in runnable:
        where = f"{_page_id(page)}:{line}"
        language, (how, _) = _info(info)
        if language == "sh":
            _run_sh(code, cwd, where)
        elif language == "python" and how == "signature":
            _check_signature(code, where)
        elif language == "python":
            if "import ray" in code:
                request.getfixturevalue("ray_cluster")
                # The page's cluster address is the test's local cluster, already connected.
                code = code.replace('ray.init(address="auto")', 'ray.init(address="auto", ignore_reinit_error=True)')
                code = code.replace('"/data/', f'"{cwd}/')
            exec(compile(code, where, "exec"), namespace)
        elif language == "toml" and tomllib is not None:
            tomllib.loads(code)
