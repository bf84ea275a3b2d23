#!/usr/bin/env bash
# Fails when `cargo run --release -p erascore-cli` (the README's first command) or maturin's
# build of the extension (`-p erascore-py --features extension-module`) and `cargo test
# --workspace --release` (the test command) would build a dependency with different
# features: that dependency, and everything above it, would then be compiled a second time.
# The fix is a line in the feature list of crates/cli/Cargo.toml or crates/py/Cargo.toml.
# (pyo3's `extension-module` is the one difference that must stay: it is maturin's.)
set -euo pipefail
cd "$(dirname "$0")/.."
features() {
    cargo tree --locked "$@" --prefix none -f '{p}|{f}' | sed 's/ (\*)$//; s/ (proc-macro)//' | sort -u
}
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
features --workspace -e normal,build,dev >"$tmp/workspace"
features -p erascore-cli -e normal,build >"$tmp/cli"
features -p erascore-py --features extension-module -e normal,build >"$tmp/py"
diff_out="$(python3 - "$tmp/workspace" "$tmp/cli" "$tmp/py" <<'PY'
import sys
def load(path):
    out = {}
    for line in open(path):
        package, _, feats = line.strip().partition("|")
        out.setdefault(package.split(" (")[0], set()).update(f for f in feats.split(",") if f)
    return out
workspace = load(sys.argv[1])
for build, path in (("erascore-cli", sys.argv[2]), ("erascore-py", sys.argv[3])):
    one = load(path)
    for package in sorted(one):
        if package.startswith(("pyo3", "erascore-py ")):
            continue
        extra = sorted(workspace.get(package, set()) - one[package])
        if extra:
            print(f"{package}: the test build adds {', '.join(extra)} to {build}'s")
PY
)"
if [ -n "$diff_out" ]; then
    echo "$diff_out" >&2
    echo "error: add these features to crates/cli/Cargo.toml or crates/py/Cargo.toml (see the comments there)" >&2
    exit 1
fi
