#!/usr/bin/env bash
# The demo's report.html in a real headless Chromium: dumps the DOM the browser built and
# a screenshot, then report_browser.py checks the DOM against report.json; then the same
# for a small `bench --sweep` report's evasion curve (sweep_browser.py). Skips (exit 0,
# with a message) where no Chromium is installed.
#
# Usage: tests/python/report_browser.sh [BREACHLAB_BIN]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"
find_breachlab_bin report_browser.sh "${1:-}"
browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then browser="$(command -v "$candidate")"; break; fi
done
if [[ -z "$browser" ]]; then
  echo "report_browser.sh: SKIP: no Chromium found (chromium, chromium-browser, google-chrome); install one to check report.html in a browser"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" demo --out "$work/demo" >/dev/null 2>"$work/demo.log" || { cat "$work/demo.log" >&2; exit 1; }
page="$work/demo/report/report.html"
shots="${REPORT_SCREENSHOT_DIR:-$work}"
mkdir -p "$shots"
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$work/profile")
"$browser" "${flags[@]}" --dump-dom "file://$page" >"$work/dom.html" 2>"$work/browser.log" || {
  cat "$work/browser.log" >&2; exit 1; }
"$browser" "${flags[@]}" --window-size=1280,3000 --screenshot="$shots/report.png" "file://$page" \
  >/dev/null 2>>"$work/browser.log" || { cat "$work/browser.log" >&2; exit 1; }
"${PYTHON:-python3}" "$here/report_browser.py" "$work/demo/report" "$work/dom.html" "$shots/report.png"

# The evasion curve of a small sweep: two variants of the default scenario, made small.
"$bin" bench --scenario default --scale 0.02 --seeds 1 --sweep campaigns.0.rate_per_s=2,8 \
  --cache "$work/cache" --report "$work/sweep" >/dev/null 2>"$work/sweep.log" || {
  cat "$work/sweep.log" >&2; exit 1; }
"$browser" "${flags[@]}" --dump-dom "file://$work/sweep/report.html" >"$work/sweep-dom.html" \
  2>>"$work/browser.log" || { cat "$work/browser.log" >&2; exit 1; }
"${PYTHON:-python3}" "$here/sweep_browser.py" "$work/sweep" "$work/sweep-dom.html"
