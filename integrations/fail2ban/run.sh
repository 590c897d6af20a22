#!/usr/bin/env bash
# fail2ban over a breachlab dataset: export the combined-ext access log (combined with
# the event id after it, so bans can be scored), match it with the
# real fail2ban-regex and this folder's filter, apply the jail (bans.py), score the bans.
#
# Usage: integrations/fail2ban/run.sh DATASET_DIR WORK_DIR
#   BREACHLAB  the breachlab binary (default: breachlab on PATH)
#   PYTHON     python3 to run bans.py (default: python3)
# Writes WORK_DIR/access.log, WORK_DIR/matches.txt, WORK_DIR/fail2ban.csv and the report
# WORK_DIR/report-fail2ban/report.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=integrations/lib.sh
. "$here/../lib.sh"
tool_arguments "$@"
command -v fail2ban-regex >/dev/null ||
  not_installed fail2ban/run.sh "fail2ban-regex not found: install fail2ban (apt-get install fail2ban)"
mkdir -p "$work"
"$breachlab" export "$dataset" --format combined-ext --out "$work/access.log" --force
# -r: never resolve host names. -o: one `IP EPOCH EVENT_ID` line per matched failure.
fail2ban-regex -r -o '<ip> <time> <F-EVENT>' "$work/access.log" \
  "$here/filter.d/breachlab-api.conf" > "$work/matches.txt"
"$python" "$here/bans.py" "$here/jail.local" breachlab-api "$work/matches.txt" "$work/fail2ban.csv"
"$breachlab" score --dataset "$dataset" --alerts "$work/fail2ban.csv" --name fail2ban \
  --report "$work/report-fail2ban" --force >/dev/null
