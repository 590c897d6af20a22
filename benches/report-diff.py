"""Compares two breachlab report.json files apart from what measures the run.

Usage: python3 benches/report-diff.py BEFORE/report.json AFTER/report.json

Exit 0 and one line when they are equal once timings (events/s), peak memory, the
version and the dataset's path are taken out; else exit 1, naming each detector and
key that differs. Used by benches/same-report.sh (two builds, one dataset) and
tests/cluster.sh (one build, a sharded and an unsharded dataset).
"""
import json
import sys

MEASURED = {"events_per_s", "end_to_end_events_per_s", "peak_memory_bytes",
            "breachlab_version", "path"}


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in MEASURED}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def main(before_path, after_path):
    with open(before_path) as before_file, open(after_path) as after_file:
        before = strip(json.load(before_file))
        after = strip(json.load(after_file))
    if before == after:
        count = len(after["detectors"])
        print(f"same report: {count} detectors, identical apart from timings and memory")
        return 0
    for b, a in zip(before["detectors"], after["detectors"]):
        if b != a:
            keys = sorted(k for k in set(b) | set(a) if b.get(k) != a.get(k))
            print(f"{a['name']}: differs in {', '.join(keys)}")
    for key in sorted(set(before) | set(after)):
        if key != "detectors" and before.get(key) != after.get(key):
            print(f"report: differs in {key}")
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
