#!/usr/bin/env bash
# Renders an `erascore diagnostics` report.html with headless Chromium and saves a PNG, so a
# person (or a reviewer) can look at what the report really shows, offline.
#
# Usage:
#   scripts/screenshot_report.sh [REPORT_HTML] [OUT_PNG]
#
# Without REPORT_HTML it first builds erascore and runs diagnostics on fixtures/diagnostics
# into a temporary folder. OUT_PNG defaults to report-screenshot.png.
#
# Needs Chromium (Debian: `apt-get install -y chromium`). Every network feature Chromium has
# is switched off and the page is opened from file://, so a chart that needed the network
# would show up missing in the picture.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
report="${1:-}"
out="${2:-report-screenshot.png}"

chrome="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$chrome" ]]; then
    echo "error: Chromium not found; install it with: apt-get install -y chromium" >&2
    exit 2
fi

if [[ -z "$report" ]]; then
    work="$(mktemp -d)"
    fx="$root/fixtures/diagnostics"
    (cd "$root" && cargo build --quiet --release -p erascore-cli)
    "$root/target/release/erascore" diagnostics \
        --data "$fx/data.parquet" \
        --predictions "$fx/predictions.parquet" \
        --meta-model "$fx/meta_model.parquet" \
        --benchmark-models "$fx/benchmark.parquet" --benchmark-column v5_lgbm_ender20 \
        --example-preds "$fx/example_preds.parquet" \
        --target target,target_aux \
        --features-json "$fx/features.json" --feature-set small \
        --out "$work" --quiet >/dev/null
    report="$work/report.html"
fi
if [[ ! -f "$report" ]]; then
    echo "error: $report does not exist" >&2
    exit 2
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
abs_report="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
abs_out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

"$chrome" --headless --no-sandbox --disable-gpu \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --disable-extensions --no-first-run \
    --user-data-dir="$profile" \
    --hide-scrollbars --window-size=1400,2400 \
    --screenshot="$abs_out" "file://$abs_report" 2>/dev/null

if [[ ! -s "$abs_out" ]]; then
    echo "error: Chromium wrote no screenshot" >&2
    exit 1
fi
echo "wrote $abs_out (from $abs_report)"
