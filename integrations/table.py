#!/usr/bin/env python3
"""Prints the real-tools leaderboard as a markdown table from the reports run.sh wrote.

Usage: table.py WORK_DIR  (holding DATASET_NAME/report-TOOL/report.json)
"""

import json
import sys
from pathlib import Path


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    work = Path(sys.argv[1])
    print("| dataset | events | tool | precision | recall | campaigns detected | records exposed before detection | false alarms/day |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for report in sorted(work.glob("*/report-*/report.json")):
        data = json.loads(report.read_text())
        d = data["detectors"][0]
        campaigns = d["campaigns_detected"] + d["campaigns_undetected"]
        ds = data["dataset"]
        name = f"{ds['scenario']['name']} (scale {ds['scale']:g}, seed {ds['seed']})"
        events = ds["row_counts"]["events"]
        fad = d["false_alarms_per_day"]
        print(f"| {name} | {events:,} | {d['name']} | {d['event']['precision']:.3f} | {d['event']['recall']:.3f} "
              f"| {d['campaigns_detected']}/{campaigns} | {d['records_exposed_before_detection_total']:,} "
              f"| {'—' if fad is None else f'{fad:.2f}'} |")


if __name__ == "__main__":
    main()
