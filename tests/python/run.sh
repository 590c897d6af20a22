#!/usr/bin/env bash
# Python interop test: creates a venv, installs the pinned readers, generates a small
# dataset with the breachlab binary and reads it back with pyarrow, pandas, polars and
# DuckDB, and through its dataset card's configs with Hugging Face `datasets`.
#
# Usage: tests/python/run.sh [BREACHLAB_BIN]
#   BREACHLAB_BIN  the breachlab binary (default: target/release/breachlab, else
#                  target/debug/breachlab, under CARGO_TARGET_DIR if set)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"
find_breachlab_bin run.sh "${1:-}"

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
"$bin" generate --scale 0.05 --allow-distorted --seed 7 --threads 2 --out "$dataset"

BREACHLAB_DATASET="$dataset" BREACHLAB_BIN="$bin" \
  "$python" -m pytest -q "$here/test_interop.py" "$here/test_card.py"
