#!/usr/bin/env bash
# Scoring at volume: peak memory and events/s of every built-in detector alone and of
# all of them in one pass, on `tmobile-2023` (seed 1) at several scales generated
# through bench's dataset cache (kept between runs; generated once per scale).
#
# Usage: benches/volume.sh [--scales 0.01,0.03,0.1] [--cache DIR] [--detectors a,b,...]
#   defaults: --scales 0.01,0.03,0.1 --cache breachlab-cache, every built-in
#   BREACHLAB_BIN   the breachlab binary (default: target/release/breachlab)
#   TMPDIR          where the reports go (removed at the end)
#
# Prints one markdown table per scale: events, then per row (each detector alone, then
# `all`) the peak memory of the process (VmHWM, as bench's report gives it), the
# detector's own events/s and the pass's end-to-end events/s. Scale 0.1 is about 200M
# events: some 10 minutes a pass on two cores, 17 passes.
set -euo pipefail

scales="0.01,0.03,0.1"
cache="breachlab-cache"
detectors=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scales) scales="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    --detectors) detectors="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "volume.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BREACHLAB_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/breachlab}"
if [[ ! -x "$bin" ]]; then
  echo "volume.sh: no breachlab binary at $bin: run 'cargo build --release' or set BREACHLAB_BIN" >&2
  exit 2
fi
if [[ -z "$detectors" ]]; then
  detectors="$("$bin" detectors | awk '/^[^ ]/ {print $1}' | paste -sd, -)"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One bench run of detectors WHICH; prints its table row.
measure() {
  local dataset="$1" which="$2" report="$work/report-$RANDOM"
  "$bin" bench --dataset "$dataset" --detectors "$which" --audit never \
    --report "$report" >/dev/null 2>&1
  python3 - "$report/report.json" "$which" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
rows = report["detectors"]
# In one pass every detector shares the process's peak and the end-to-end rate; the
# detector's own rate of the whole pass is the slowest lane's.
own = min(d["events_per_s"] for d in rows) if sys.argv[2] == "all" else rows[0]["events_per_s"]
peak = rows[0]["peak_memory_bytes"] / 1e9
end_to_end = rows[0]["end_to_end_events_per_s"]
print(f"| {sys.argv[2]} | {peak:.2f} GB | {own / 1e6:.2f} M | {end_to_end / 1e6:.2f} M |")
PY
}

IFS=, read -r -a scale_list <<< "$scales"
IFS=, read -r -a detector_list <<< "$detectors"
for scale in "${scale_list[@]}"; do
  # Generates into the cache when missing (the null detector's pass is the cheapest).
  "$bin" bench --scenario tmobile-2023 --seeds 1 --scale "$scale" --cache "$cache" \
    --detectors null --audit never --report "$work/generate" --force >/dev/null
  dataset="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dataset"]["path"])' \
    "$work/generate/report.json")"
  events="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["detectors"][0]["counts"]["total_events"])' \
    "$work/generate/report.json")"
  echo
  echo "tmobile-2023 seed 1, scale $scale: $events events ($dataset)"
  echo
  echo "| detectors | peak memory | detector events/s | end-to-end events/s |"
  echo "|---|---:|---:|---:|"
  for which in "${detector_list[@]}" all; do
    measure "$dataset" "$which"
  done
done
