#!/usr/bin/env bash
# The README's "Real tools" table: generates the demo dataset (default scenario, seed 1,
# scale 1) and four library scenarios at small scale, runs integrations/run.sh on them
# and prints the table.
#
# Usage: integrations/leaderboard.sh [CACHE_DIR]   (default: ./breachlab-cache/real-tools;
#        datasets there are reused when present)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cache="${1:-breachlab-cache/real-tools}"
breachlab="${BREACHLAB:-${CARGO_TARGET_DIR:-$root/target}/release/breachlab}"
export BREACHLAB="$breachlab"
mkdir -p "$cache"
datasets=()
for spec in default:0.1 default:1 optus-2022:0.001 dell-2024:0.00005 tmobile-2023:0.00005; do
  name="${spec%%:*}"
  scale="${spec##*:}"
  dir="$cache/$name-$scale"
  if [[ ! -f "$dir/manifest.json" ]]; then
    "$breachlab" generate --scenario "$name" --scale "$scale" --seed 1 --out "$dir" --force >&2
  fi
  datasets+=("$dir")
done
bash "$here/run.sh" --work "$cache/work" "${datasets[@]}"
