#!/usr/bin/env bash
# docs/results.md's "Real tools" table: generates the default scenario (scale 1, the demo's
# dataset) and every incident scenario at its minimum faithful scale (seed 1; see
# `breachlab scenarios show NAME`), runs integrations/run.sh on them (fail2ban, Sigma,
# nginx limit_req) and prints the table. The datasets hold 0.5-10.3 M events each
# (authy-2024 and trello-2024 the most): nginx's replay and Sigma's SQLite run take
# minutes on each.
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
for spec in default:1 optus-2022:0.0139 dell-2024:0.00199 panera-2018:0.00298 \
  authy-2024:0.00139 trello-2024:0.000695 tmobile-2023:0.000255 twitter-2019:0.000232 \
  venmo-2019:0.000229; do
  name="${spec%%:*}"
  scale="${spec##*:}"
  dir="$cache/$name-$scale"
  if [[ ! -f "$dir/manifest.json" ]]; then
    "$BREACHLAB" generate --scenario "$name" --scale "$scale" --allow-distorted --seed 1 --out "$dir" --force >&2
  fi
  datasets+=("$dir")
done
bash "$here/run.sh" --work "$cache/work" "${datasets[@]}"
