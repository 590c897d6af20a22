#!/usr/bin/env bash
# docs/results.md's "Built-ins against fail2ban" table: on each dataset, stock fail2ban (this
# folder's integration) against every built-in detector at no more false alarms a day,
# with the built-ins' thresholds calibrated on other seeds only.
#
# For each SCENARIO:SCALE it generates the scored seeds (1..3) and the calibration seeds
# (1001..1003), runs fail2ban on all six, and takes as the budget the lowest false alarms
# per day fail2ban raised on a calibration seed. `breachlab bench --calibrate 1001..1003
# --alarm-budget B` then gives each built-in the lowest threshold that stays within B on
# every calibration seed, and scores each scored seed beside fail2ban's alerts. Nothing
# is tuned on a scored seed. The table (table.py --versus) gives the means over the
# scored seeds and names, per dataset, the built-in that let the fewest records leave
# among those that raised no more false alarms per day than fail2ban (both as means).
#
# Usage: integrations/versus-fail2ban.sh [--work DIR] [SCENARIO:SCALE...]
#   default datasets: default:1 (the demo) and every incident scenario at its minimum
#   faithful scale (`breachlab scenarios show NAME`); DIR (default
#   breachlab-cache/versus-fail2ban) keeps the datasets, alerts and reports, and finished
#   steps are reused.
#   BREACHLAB, PYTHON as for integrations/run.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=integrations/lib.sh
. "$here/lib.sh"
work_option breachlab-cache/versus-fail2ban "$@"
specs=("${operands[@]}")
if [[ ${#specs[@]} -eq 0 ]]; then
  specs=(default:1 optus-2022:0.0139 dell-2024:0.00199 panera-2018:0.00298
    authy-2024:0.00139 trello-2024:0.000695 tmobile-2023:0.000255 twitter-2019:0.000232
    venmo-2019:0.000229)
fi
export_binaries
command -v fail2ban-regex >/dev/null ||
  not_installed versus-fail2ban "fail2ban-regex not found: install fail2ban (apt-get install fail2ban)"
scored_seeds=(1 2 3)
calibration_seeds=(1001 1002 1003)
mkdir -p "$work"

# fail2ban's report for one generated seed, reused when present.
fail2ban_on() {
  local name="$1" scale="$2" seed="$3"
  local dir="$work/$name-$scale/seed$seed"
  if [[ ! -f "$dir/dataset/manifest.json" ]]; then
    "$BREACHLAB" generate --scenario "$name" --scale "$scale" --allow-distorted --seed "$seed" \
      --out "$dir/dataset" --force >&2
  fi
  if [[ ! -f "$dir/fail2ban/report-fail2ban/report.json" ]]; then
    bash "$here/fail2ban/run.sh" "$dir/dataset" "$dir/fail2ban" >&2
    rm -f "$dir/fail2ban/access.log" "$dir/fail2ban/matches.txt"
  fi
}

false_alarms_per_day() {
  "$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["detectors"][0]["false_alarms_per_day"])' "$1"
}

for spec in "${specs[@]}"; do
  name="${spec%%:*}"
  scale="${spec##*:}"
  budget=""
  for seed in "${calibration_seeds[@]}" "${scored_seeds[@]}"; do
    echo "== fail2ban on $name scale $scale seed $seed" >&2
    fail2ban_on "$name" "$scale" "$seed"
  done
  for seed in "${calibration_seeds[@]}"; do
    rate="$(false_alarms_per_day "$work/$name-$scale/seed$seed/fail2ban/report-fail2ban/report.json")"
    budget="$("$PYTHON" -c 'import sys; print(min(float(x) for x in sys.argv[1:] if x))' "$rate" "$budget")"
  done
  echo "$budget" > "$work/$name-$scale/budget.txt"
  seeds="$(IFS=,; echo "${calibration_seeds[*]}")"
  for seed in "${scored_seeds[@]}"; do
    scored="$work/$name-$scale/seed$seed"
    echo "== built-ins on $name scale $scale seed $seed, calibrated on seeds $seeds to $budget false alarms/day" >&2
    "$BREACHLAB" bench --dataset "$scored/dataset" --calibrate "$seeds" --alarm-budget "$budget" \
      --alerts "$scored/fail2ban/fail2ban.csv" --cache "$work/cache" \
      --report "$scored/versus" --force >&2
  done
done
echo
echo "fail2ban-regex $(fail2ban-regex -V 2>/dev/null | head -1); $("$BREACHLAB" --version)"
echo
"$PYTHON" "$here/table.py" --versus "$work"
