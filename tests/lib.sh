#!/usr/bin/env bash
set -euo pipefail
# Sourced by the interop tests (tests/python/run.sh, tests/python/report_browser.sh,
# tests/spark/run.sh) so that all of them test the same binary, found the same way.

# find_breachlab_bin SCRIPT [PATH]: sets `bin` to the breachlab binary to test: PATH,
# else $BREACHLAB_BIN, else target/release/breachlab, else target/debug/breachlab
# (under CARGO_TARGET_DIR if set). Without one it says so, naming SCRIPT, and exits 2.
find_breachlab_bin() {
  local script="$1"
  local root target candidate
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  target="${CARGO_TARGET_DIR:-$root/target}"
  bin="${2:-${BREACHLAB_BIN:-}}"
  if [[ -z "$bin" ]]; then
    for candidate in "$target/release/breachlab" "$target/debug/breachlab"; do
      if [[ -x "$candidate" ]]; then bin="$candidate"; break; fi
    done
  fi
  if [[ -z "$bin" || ! -x "$bin" ]]; then
    echo "$script: no breachlab binary found: run 'cargo build --release' or pass its path" >&2
    exit 2
  fi
}
