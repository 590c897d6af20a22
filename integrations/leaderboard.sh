#!/usr/bin/env bash
# docs/results.md's "Real tools" table: generates the default scenario at scale 0.1 and three
# incident scenarios at small scale (seed 1), runs integrations/run.sh on them (fail2ban,
# Sigma, nginx limit_req) and prints the table. The demo dataset (scale 1) is left out:
# Sigma's SQLite run takes too long on it; integrations/versus-fail2ban.sh covers it for
# fail2ban.
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
for spec in default:0.1 optus-2022:0.001 dell-2024:0.00005 tmobile-2023:0.00005; do
  name="${spec%%:*}"
  scale="${spec##*:}"
  dir="$cache/$name-$scale"
  if [[ ! -f "$dir/manifest.json" ]]; then
    "$BREACHLAB" generate --scenario "$name" --scale "$scale" --allow-distorted --seed 1 --out "$dir" --force >&2
  fi
  datasets+=("$dir")
done
bash "$here/run.sh" --work "$cache/work" "${datasets[@]}"
