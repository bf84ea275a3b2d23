#!/usr/bin/env bash
# The project's one test command: the Rust tests, then the Python package's tests.
#
#   scripts/test.sh            # cargo test --workspace --release, then build the extension
#                              # into .venv-test and run pytest (python/tests)
#   scripts/test.sh -k corr    # extra arguments go to pytest
#
# The virtualenv (.venv-test) gets the pinned test requirements (python/tests/
# requirements.txt: numerai-tools 0.7.2 as the reference, pytest, hypothesis, polars,
# maturin) and the extension built by maturin in the release profile. (Not `--profile
# test`: maturin drives `cargo rustc`, where that profile builds the test harness, an
# executable, instead of the library.) PYTHON picks the interpreter (default python3, >= 3.10).
#
# Everything is built in the release profile, the one the README's first command
# (`cargo run --release`) and the extension use: the dependencies (arrow, parquet, faer...,
# most of a cold build) are compiled once for all three instead of once more for tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

cargo test --workspace --release --locked

PYTHON="${PYTHON:-python3}"
VENV=.venv-test
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r python/tests/requirements.txt
VIRTUAL_ENV="$PWD/$VENV" "$VENV/bin/maturin" develop --quiet --locked --release \
    --manifest-path crates/py/Cargo.toml
# The frame API tests compare with the CLI that `cargo test` built.
export ERASCORE_BIN="${ERASCORE_BIN:-$PWD/target/release/erascore}"
# pytest exits 5 when it collects no tests: with `set -e` that fails the run too.
"$VENV/bin/python" -m pytest -q python/tests "$@"
# The numbers must not depend on the CPU path (the Rust goldens run under every path this
# machine has): the drop-in tests again on the paths every CPU falls back to, the f32 Gram
# kernel and scalar loops (ERASCORE_KERNEL / ERASCORE_SIMD, ARCHITECTURE.md). Only the
# drop-in files, to keep CI short; skipped when arguments pick tests.
if [ "$#" -eq 0 ]; then
    ERASCORE_KERNEL=f32 ERASCORE_SIMD=scalar "$VENV/bin/python" -m pytest -q \
        python/tests/test_dropin_scoring.py python/tests/test_dropin_signals_submissions.py \
        python/tests/test_dropin_feature_dtypes.py
fi
