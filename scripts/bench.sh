#!/usr/bin/env bash
# Benchmark erascore against numerai-tools 0.7.2: makes the pinned virtualenv .venv-bench
# (scripts/bench-requirements.txt), builds the release binary, then runs scripts/bench.py
# with the given arguments, e.g.
#
#   scripts/bench.sh --eras 20 --rows 2000 --features 300 --models 5
#   scripts/bench.sh --help
#
# PYTHON picks the interpreter for the virtualenv (default python3, 3.11 or newer);
# BENCH_NO_BUILD=1 skips `cargo build`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-bench"
req="$root/scripts/bench-requirements.txt"

if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/.bench-requirements.txt"; then
    echo "setting up $venv ..." >&2
    "${PYTHON:-python3}" -m venv "$venv"
    echo '*' > "$venv/.gitignore"   # keep the virtualenv out of git status
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$venv/.bench-requirements.txt"
fi

if [ -z "${BENCH_NO_BUILD:-}" ]; then
    (cd "$root" && cargo build --release --quiet -p erascore-cli)
fi

export BENCH_PROG="scripts/bench.sh"
exec "$venv/bin/python" "$root/scripts/bench.py" "$@"
