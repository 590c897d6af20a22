#!/usr/bin/env bash
# Two breachlab builds score alike: both score the same generated dataset with every
# built-in detector, and their report.json files must be identical once the keys that
# measure the machine (timings, events/s, peak memory) and the version are taken out.
# Run it before merging a change to the detectors' or the metrics' state, with the
# build before the change as BEFORE.
#
# Usage: benches/same-report.sh BEFORE AFTER [--scale S] [--seed N] [--scenario NAME]
#   defaults: the default scenario, --scale 1 (the demo dataset), --seed 1
#   TMPDIR   where the dataset and the two reports go (removed at the end)
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,10p' "$0"
  exit 2
fi
before="$1"
after="$2"
shift 2
scale=1
seed=1
scenario=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --scenario) scenario="$2"; shift 2 ;;
    *) echo "same-report.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
generate=(generate --seed "$seed" --scale "$scale" --threads 2 --out "$work/dataset")
[[ -n "$scenario" ]] && generate+=(--scenario "$scenario")
"$after" "${generate[@]}" --allow-distorted >/dev/null
for side in before after; do
  bin="$before"
  [[ "$side" == after ]] && bin="$after"
  "$bin" bench --dataset "$work/dataset" --audit never --report "$work/$side" >/dev/null 2>&1
done

python3 "$(dirname "$0")/report-diff.py" "$work/before/report.json" "$work/after/report.json"
