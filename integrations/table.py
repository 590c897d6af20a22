#!/usr/bin/env python3
"""Prints the real-tools leaderboard as a markdown table from the reports run.sh wrote.

Usage: table.py WORK_DIR            (holding DATASET_NAME/report-TOOL/report.json)
       table.py --versus WORK_DIR   (versus-fail2ban.sh's DATASET/seedN/versus/report.json)
"""

import json
import sys
from pathlib import Path


def dataset_name(ds):
    return f"{ds['scenario']['name']} (scale {ds['scale']:g}, seed {ds['seed']})"


def versus(work):
    """fail2ban against the built-in that let the fewest records leave at no more false
    alarms per day than fail2ban, as means over the scored seeds."""
    print("| dataset | seeds | calibration budget (false alarms/day) | fail2ban: records exposed before detection "
          "| false alarms/day | campaigns detected | best built-in at no more false alarms | records exposed "
          "| false alarms/day | campaigns detected |")
    print("|---|---|---:|---:|---:|---:|---|---:|---:|---:|")
    for folder in sorted(p for p in work.iterdir() if (p / "budget.txt").exists()):
        paths = sorted(folder.glob("seed*/versus/report.json"))
        reports = [json.loads(r.read_text()) for r in paths]
        if not reports:
            continue
        budget = float((folder / "budget.txt").read_text())
        by_name = {}
        for path, report in zip(paths, reports):
            for d in report["detectors"]:
                if d["name"] != "fail2ban":
                    by_name.setdefault(d["name"], []).append(d)
            # fail2ban's alerts as they are, scored by `breachlab score`: bench's
            # --calibrate would also move the threshold of the alert file it was given.
            scored = path.parent.parent / "fail2ban" / "report-fail2ban" / "report.json"
            by_name.setdefault("fail2ban", []).append(json.loads(scored.read_text())["detectors"][0])

        def mean(runs, key):
            return sum(run[key] for run in runs) / len(runs)

        def cells(runs):
            campaigns = runs[0]["campaigns_detected"] + runs[0]["campaigns_undetected"]
            detected = mean(runs, "campaigns_detected")
            return (f"{mean(runs, 'records_exposed_before_detection_total'):,.0f} "
                    f"| {mean(runs, 'false_alarms_per_day'):.2f} | {detected:.3g}/{campaigns}")

        fail2ban = by_name.pop("fail2ban")
        allowed = [runs for name, runs in by_name.items()
                   if name not in ("null", "random")
                   and mean(runs, "false_alarms_per_day") <= mean(fail2ban, "false_alarms_per_day") + 1e-9]
        best = min(allowed, key=lambda runs: mean(runs, "records_exposed_before_detection_total"), default=None)
        best_cells = f"{best[0]['name']} | {cells(best)}" if best else "none | — | — | —"
        ds = reports[0]["dataset"]
        seeds = ",".join(str(r["dataset"]["seed"]) for r in reports)
        print(f"| {ds['scenario']['name']} (scale {ds['scale']:g}) | {seeds} | {budget:g} | {cells(fail2ban)} | {best_cells} |")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--versus":
        versus(Path(sys.argv[2]))
        return
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
        name = dataset_name(ds)
        events = ds["row_counts"]["events"]
        fad = d["false_alarms_per_day"]
        print(f"| {name} | {events:,} | {d['name']} | {d['event']['precision']:.3f} | {d['event']['recall']:.3f} "
              f"| {d['campaigns_detected']}/{campaigns} | {d['records_exposed_before_detection_total']:,} "
              f"| {'—' if fad is None else f'{fad:.2f}'} |")


if __name__ == "__main__":
    main()
