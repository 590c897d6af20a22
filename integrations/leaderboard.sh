#!/usr/bin/env bash
# docs/results.md's "Real tools" table: generates the default scenario (scale 1, the demo's
# dataset) and three incident scenarios at their minimum faithful scales (seed 1; see
# `breachlab scenarios show NAME`), runs integrations/run.sh on them (fail2ban, Sigma,
# nginx limit_req) and prints the table. The incident datasets hold 0.5-2.9 M events:
# nginx's replay and Sigma's SQLite run take a while on them.
#
# Usage: integrations/leaderboard.sh [CACHE_DIR]   (default: ./breachlab-cache/real-tools;
#        datasets there are reused when present)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=integrations/lib.sh
. "$here/lib.sh"
cache="${1:-breachlab-cache/real-tools}"
export_binaries
mkdir -p "$cache"
datasets=()
for spec in default:1 optus-2022:0.0139 dell-2024:0.00199 tmobile-2023:0.000255; do
  name="${spec%%:*}"
  scale="${spec##*:}"
  dir="$cache/$name-$scale"
  if [[ ! -f "$dir/manifest.json" ]]; then
    "$BREACHLAB" generate --scenario "$name" --scale "$scale" --allow-distorted --seed 1 --out "$dir" --force >&2
  fi
  datasets+=("$dir")
done
bash "$here/run.sh" --work "$cache/work" "${datasets[@]}"
