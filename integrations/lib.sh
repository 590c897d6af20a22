#!/usr/bin/env bash
set -euo pipefail
# Sourced by the integration scripts: their common arguments and defaults, and the exit
# code that says a tool is missing. Exit codes: 2 a usage error; 3 the tool is not
# installed, which integrations/run.sh reports as SKIP before running the other tools.

# not_installed SCRIPT MESSAGE: says on stderr what is missing, and exits 3.
not_installed() {
  echo "$1: $2" >&2
  exit 3
}

# tool_arguments "$@": a per-tool script's arguments, DATASET_DIR WORK_DIR, into
# `dataset` and `work`; `breachlab` and `python` from BREACHLAB (default: breachlab on
# PATH) and PYTHON (default: python3).
tool_arguments() {
  if [[ $# -ne 2 ]]; then
    echo "usage: $0 DATASET_DIR WORK_DIR" >&2
    exit 2
  fi
  dataset="$1"
  work="$2"
  breachlab="${BREACHLAB:-breachlab}"
  python="${PYTHON:-python3}"
}

# work_option DEFAULT "$@": the DIR of a leading `--work DIR` into `work` (else DEFAULT)
# and the arguments after it into the array `operands`.
work_option() {
  work="$1"
  shift
  if [[ "${1:-}" == "--work" ]]; then
    work="$2"
    shift 2
  fi
  operands=("$@")
}

# export_binaries: exports BREACHLAB (default: the release build of this checkout, under
# CARGO_TARGET_DIR if set, else breachlab on PATH) and PYTHON (default: python3) for the
# per-tool scripts.
export_binaries() {
  if [[ -z "${BREACHLAB:-}" ]]; then
    local root built
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    built="${CARGO_TARGET_DIR:-$root/target}/release/breachlab"
    if [[ -x "$built" ]]; then BREACHLAB="$built"; else BREACHLAB=breachlab; fi
  fi
  export BREACHLAB
  export PYTHON="${PYTHON:-python3}"
}
