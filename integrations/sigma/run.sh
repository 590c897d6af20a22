#!/usr/bin/env bash
# Sigma correlation rules over a breachlab dataset: export JSON lines, compile
# rules/api_enumeration.yml with pySigma's SQLite backend, run its correlation plans
# over the events in SQLite (sigma_alerts.py), score the alerts.
#
# Usage: integrations/sigma/run.sh DATASET_DIR WORK_DIR
#   BREACHLAB  the breachlab binary (default: breachlab on PATH)
#   PYTHON     a python with integrations/requirements.txt installed (default: python3)
# Writes WORK_DIR/events.jsonl, WORK_DIR/sigma.csv and WORK_DIR/report-sigma/report.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=integrations/lib.sh
. "$here/../lib.sh"
tool_arguments "$@"
"$python" -c 'import sigma.backends.sqlite' 2>/dev/null ||
  not_installed sigma/run.sh "pySigma's SQLite backend is not importable by $python: pip install -r integrations/requirements.txt"
mkdir -p "$work"
"$breachlab" export "$dataset" --format jsonl --out "$work/events.jsonl" --force
"$python" "$here/sigma_alerts.py" "$here/rules/api_enumeration.yml" "$work/events.jsonl" "$work/sigma.csv"
"$breachlab" score --dataset "$dataset" --alerts "$work/sigma.csv" --name sigma \
  --report "$work/report-sigma" --force >/dev/null
