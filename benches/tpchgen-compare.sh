#!/usr/bin/env bash
# Generation speed against tpchgen-cli (the tpchgen-rs project's TPC-H generator), in one
# sitting: alternating runs, best of N wall times, rows/s of each and their ratio; and
# each run's ratio (its two runs back to back) with the median of those.
#
#   breachlab generate --scale S --threads T            (default scenario, events/s)
#   tpchgen-cli parquet -c 'zstd(1)' -s SF --tables lineitem (T threads, rows/s)
#
# Usage: benches/tpchgen-compare.sh [--scale S] [--threads T] [--runs N] [--tpch-scale SF]
#   defaults: --scale 10 --threads 2 --runs 3 --tpch-scale 1
#   BREACHLAB_BIN   the breachlab binary (default: target/dist/breachlab, the published build)
#   TPCHGEN_CLI     the tpchgen-cli binary (default: tpchgen-cli on PATH)
#   TMPDIR          where both write their output (removed after each run)
#
# Install the comparison with `cargo install tpchgen-cli`. Both write zstd Parquet:
# breachlab its whole dataset (events, truth, accounts, campaigns), tpchgen-cli the
# lineitem table alone. Run it on a quiet machine; the ratio is what to compare.
set -euo pipefail

scale=10
threads=2
runs=3
tpch_scale=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --tpch-scale) tpch_scale="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "tpchgen-compare: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
breachlab="${BREACHLAB_BIN:-${CARGO_TARGET_DIR:-$root/target}/dist/breachlab}"
if [[ ! -x "$breachlab" ]]; then
  echo "tpchgen-compare: no breachlab binary at $breachlab: run 'cargo build --profile dist --locked' first" >&2
  exit 2
fi
tpchgen="${TPCHGEN_CLI:-$(command -v tpchgen-cli || true)}"
if [[ -z "$tpchgen" || ! -x "$tpchgen" ]]; then
  echo "tpchgen-compare: tpchgen-cli is not installed, so there is nothing to compare against."
  echo "  install it with:  cargo install tpchgen-cli"
  echo "  (or point TPCHGEN_CLI at the binary), then run this script again."
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
best_breachlab=""
best_tpchgen=""
events=0
lineitem=0
pairs=()
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(b == "" || a < b) }'; }

echo "breachlab: $("$breachlab" --version 2>/dev/null || echo "$breachlab")"
echo "tpchgen-cli: $("$tpchgen" --version 2>/dev/null || echo "$tpchgen")"
echo "breachlab generate --scale $scale --threads $threads  vs  tpchgen-cli parquet -c zstd(1) -s $tpch_scale --tables lineitem ($threads threads); best of $runs, alternating"
for run in $(seq 1 "$runs"); do
  rm -rf "$work/breachlab"
  start="$(now)"
  "$breachlab" generate --scale "$scale" --allow-distorted --threads "$threads" --out "$work/breachlab" >/dev/null 2>&1
  seconds="$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')"
  events="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["row_counts"]["events"])' "$work/breachlab/manifest.json")"
  rm -rf "$work/breachlab"
  if less "$seconds" "$best_breachlab"; then best_breachlab="$seconds"; fi

  rm -rf "$work/tpch"
  start="$(now)"
  "$tpchgen" parquet --compression 'zstd(1)' -s "$tpch_scale" --tables lineitem \
    --num-threads "$threads" --output-dir "$work/tpch" >/dev/null 2>&1
  tseconds="$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')"
  lineitem="$(python3 - "$work/tpch" <<'PY'
import struct, sys, pathlib
# Rows from the Parquet footers (pyarrow, when this python has it): the scale factor
# fixes them, but reading them keeps the figure honest whatever tpchgen-cli writes.
try:
    import pyarrow.parquet as pq
    print(sum(pq.ParquetFile(p).metadata.num_rows for p in pathlib.Path(sys.argv[1]).rglob("*.parquet")))
except ImportError:
    print(-1)
PY
)"
  if [[ "$lineitem" == "-1" ]]; then
    # TPC-H lineitem has about 6,000,000 rows per unit of scale (6,001,215 at SF 1).
    lineitem="$(awk -v s="$tpch_scale" 'BEGIN { printf "%d", s * 6001215 }')"
  fi
  rm -rf "$work/tpch"
  if less "$tseconds" "$best_tpchgen"; then best_tpchgen="$tseconds"; fi
  pair="$(awk -v e="$events" -v s="$seconds" -v l="$lineitem" -v t="$tseconds" \
    'BEGIN { printf "%.2f", (e / s) / (l / t) }')"
  pairs+=("$pair")
  echo "  run $run: breachlab $seconds s ($events events), tpchgen-cli $tseconds s ($lineitem rows): ratio $pair"
done

awk -v e="$events" -v bs="$best_breachlab" -v l="$lineitem" -v ts="$best_tpchgen" 'BEGIN {
  br = e / bs; tr = l / ts;
  printf "breachlab:   %.2fM events/s (best %.3f s)\n", br / 1e6, bs;
  printf "tpchgen-cli: %.2fM rows/s (best %.3f s)\n", tr / 1e6, ts;
  printf "ratio (breachlab / tpchgen-cli): %.2f\n", br / tr;
}'
# Each run's ratio is from two runs back to back, so a machine whose speed drifts during
# the sitting moves it less than it moves the best times; their median, beside the above.
printf '%s\n' "${pairs[@]}" | sort -n | awk '{ r[NR] = $1 } END {
  m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2;
  printf "median of the runs'"'"' ratios: %.2f\n", m;
}'
