#!/usr/bin/env bash
# Opens an `erascore compare` report.html in headless Chromium and fails unless the page
# the browser builds has what the report promises: the title, one section per pair of
# configurations (from compare.json beside it), the cumulative-payout chart plus a scatter
# and a rank-shift histogram per pair (SVG), the configurations table plus a winners and a
# losers table per pair, and no console error. Also saves a screenshot to look at.
#
# Usage:
#   scripts/check_compare_report.sh [COMPARE_OUT_DIR] [OUT_PNG]
#
# Without COMPARE_OUT_DIR it builds erascore, writes a small archive with `erascore synth`
# and runs `erascore compare` on it into a temporary folder. OUT_PNG defaults to
# compare-report.png. Needs Chromium (Debian: `apt-get install -y chromium`); not used by CI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-}"
out="${2:-compare-report.png}"

chrome="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$chrome" ]]; then
    echo "error: Chromium not found; install it with: apt-get install -y chromium" >&2
    exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ -z "$dir" ]]; then
    (cd "$root" && cargo build --quiet --release -p erascore-cli)
    bin="$root/target/release/erascore"
    "$bin" synth --population tournament --models 60 --eras 12 --rows 300 --features 10 \
        --seed 7 --out "$work/archive" --quiet
    cat > "$work/rules.toml" <<'TOML'
[[config]]
name = "2024"
rule = "2024"

[[config]]
name = "corr-mmc"
score = "1 * corr + 1 * mmc"
cap = 0.1
TOML
    "$bin" compare --data "$work/archive/data.parquet" \
        --predictions "$work/archive/predictions.parquet" \
        --stakes "$work/archive/stakes.csv" --configs "$work/rules.toml" \
        --out "$work/out" --quiet >/dev/null
    dir="$work/out"
fi
report="$(cd "$dir" && pwd)/report.html"
if [[ ! -f "$report" || ! -f "$dir/compare.json" ]]; then
    echo "error: $dir holds no report.html and compare.json" >&2
    exit 2
fi
abs_out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

flags=(--headless --no-sandbox --disable-gpu
    --disable-background-networking --disable-component-update --disable-sync
    --disable-default-apps --disable-extensions --no-first-run
    --user-data-dir="$work/profile" --enable-logging=stderr --v=0)
"$chrome" "${flags[@]}" --dump-dom "file://$report" >"$work/dom.html" 2>"$work/console.log"
"$chrome" "${flags[@]}" --hide-scrollbars --window-size=1400,2600 \
    --screenshot="$abs_out" "file://$report" >/dev/null 2>>"$work/console.log"

pairs="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["pairs"]))' "$dir/compare.json")"
count() { grep -o "$1" "$work/dom.html" | wc -l; }
fail=0
check() { # what, found, expected
    if [[ "$2" -ne "$3" ]]; then
        echo "FAIL: $1: $2 in the rendered page, expected $3" >&2
        fail=1
    else
        echo "ok: $1: $2"
    fi
}
check "title 'erascore compare'" "$(count '<h1>erascore compare')" 1
check "pair sections" "$(count '<h2>')" "$pairs"
check "SVG charts" "$(count '<svg')" $((1 + 2 * pairs))
check "tables" "$(count '<table')" $((1 + 2 * pairs))
check "scripts (the page has none)" "$(count '<script')" 0
if grep -E 'Uncaught|CONSOLE\(|ERR_FILE_NOT_FOUND|net::ERR' "$work/console.log" >&2; then
    echo "FAIL: console errors above" >&2
    fail=1
fi
if [[ ! -s "$abs_out" ]]; then
    echo "FAIL: Chromium wrote no screenshot" >&2
    fail=1
else
    echo "wrote $abs_out"
fi
exit "$fail"
