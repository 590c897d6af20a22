#!/usr/bin/env bash
# Runs every example end to end into one report beside the built-in detectors:
# generates a small dataset (default scenario, seed 1, scale 0.05), then
#   breachlab bench  with the built-ins, examples/ip_rate.py, examples/isolation_forest.py,
#                    examples/zeros.py (the protocol's own cost)
#                    and examples/alerts.csv (a block rule's export, made by make_alerts.py
#                    on this very dataset), and
#   breachlab score  on examples/alerts.csv alone, and
#   breachlab defend with examples/ip_rate.py blocking inline.
# Needs python3 with examples/requirements.txt installed. Usage:
#   examples/run_examples.sh [OUT_DIR]        (default: target/examples)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="${1:-$root/target/examples}"
breachlab="${BREACHLAB_BIN:-${BREACHLAB:-cargo run --quiet --release --}}"
mkdir -p "$out"
cd "$root"

$breachlab generate --scale 0.05 --allow-distorted --seed 1 --out "$out/dataset" --force
$breachlab bench --dataset "$out/dataset" --report "$out/report" --force \
    --detector-cmd "python3 $here/ip_rate.py" \
    --detector-cmd "python3 $here/isolation_forest.py" \
    --detector-cmd "python3 $here/zeros.py" \
    --alerts "$here/alerts.csv"
$breachlab score --dataset "$out/dataset" --alerts "$here/alerts.csv" \
    --name block-rule --report "$out/report-alerts" --force

python3 - "$out/report/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
names = {d["name"] for d in report["detectors"]}
expected = {"ip-rate", "null", "ip-rate.py", "isolation-forest.py", "zeros.py", "alerts"}
missing = expected - names
if missing:
    sys.exit(f"missing from the report: {sorted(missing)} (have {sorted(names)})")
print("examples OK:", ", ".join(sorted(names)))
PY

# An external detector blocks inline too (docs/defend.md): ip_rate.py with a low limit
# must refuse requests in the closed loop.
$breachlab defend --dataset "$out/dataset" --out "$out/defend" --force --window 60 \
    --detector-cmd "python3 $here/ip_rate.py --limit 20" --policy rotate
python3 - "$out/defend/report.json" <<'PY'
import json, sys
totals = json.load(open(sys.argv[1]))["totals"]
refused = totals["attack_requests_refused"] + totals["benign_requests_refused"]
if refused == 0:
    sys.exit("defend: the external detector refused nothing")
print("defend with an external detector OK:", refused, "requests refused")
PY
