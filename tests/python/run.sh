#!/usr/bin/env bash
# Python interop test: creates a venv, installs the pinned readers, generates a small
# dataset with the breachlab binary and reads it back with pyarrow, pandas, polars and
# DuckDB.
#
# Usage: tests/python/run.sh [BREACHLAB_BIN]
#   BREACHLAB_BIN  the breachlab binary (default: target/release/breachlab, else
#                  target/debug/breachlab, under CARGO_TARGET_DIR if set)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${1:-${BREACHLAB_BIN:-}}"
if [[ -z "$bin" ]]; then
  for candidate in "$target/release/breachlab" "$target/debug/breachlab"; do
    if [[ -x "$candidate" ]]; then bin="$candidate"; break; fi
  done
fi
if [[ -z "$bin" || ! -x "$bin" ]]; then
  echo "run.sh: no breachlab binary found: run 'cargo build --release' or pass its path" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# PYTHON: an interpreter that already has requirements.txt installed (CI passes its venv's).
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  python="$work/venv/bin/python"
fi

dataset="$work/dataset"
"$bin" generate --scale 0.05 --seed 7 --threads 2 --out "$dataset"

BREACHLAB_DATASET="$dataset" BREACHLAB_BIN="$bin" \
  "$python" -m pytest -q "$here/test_interop.py"
