"""Checks the DOM a real headless Chromium built from a `bench --sweep` report.html
against its report.json: one line per detector through one vertex per scored variant,
variants evenly spaced left to right, and each line's heights ordered as its records
exposed before detection are (more records, higher on the page), plus the dashed line of
the campaigns' totals.

Usage: python3 sweep_browser.py REPORT_DIR DOM_FILE
Standard library only.
"""

import json
import sys
from html.parser import HTMLParser


class Polylines(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lines = []

    def handle_starttag(self, tag, attrs):
        if tag == "polyline":
            self.lines.append(dict(attrs))


def fail(message):
    print(f"sweep_browser: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def vertices(line):
    return [tuple(map(float, pair.split(","))) for pair in line["points"].split()]


def main(report_dir, dom_file):
    sweep = json.load(open(f"{report_dir}/report.json"))["sweep"]
    parser = Polylines()
    parser.feed(open(dom_file, encoding="utf-8").read())
    lines = {l["data-detector"]: l for l in parser.lines if l.get("class") == "sweep-line"}
    totals = [l for l in parser.lines if l.get("class") == "sweep-total"]
    if len(totals) != 1:
        fail(f"{len(totals)} lines of the campaigns' totals, expected 1")
    names = [d["name"] for d in sweep["detectors"]]
    if sorted(lines) != sorted(names):
        fail(f"lines for {sorted(lines)}, the report has detectors {sorted(names)}")
    xs_all = [x for x, _ in vertices(totals[0])]
    if len(xs_all) != len(sweep["variants"]):
        fail(f"the totals line has {len(xs_all)} vertices for {len(sweep['variants'])} variants")
    steps = [b - a for a, b in zip(xs_all, xs_all[1:])]
    if any(step <= 0 or abs(step - steps[0]) > 0.2 for step in steps):
        fail(f"variants are not evenly spaced left to right: {xs_all}")
    checked = 0
    for detector in sweep["detectors"]:
        drawn = vertices(lines[detector["name"]])
        scored = [
            (index, point["records_exposed_before_detection"])
            for index, point in enumerate(detector["points"])
            if point is not None
        ]
        if len(drawn) != len(scored):
            fail(f"{detector['name']}: {len(drawn)} vertices for {len(scored)} scored variants")
        for (x, _), (index, _) in zip(drawn, scored):
            if abs(x - xs_all[index]) > 0.2:
                fail(f"{detector['name']}: a vertex at x {x}, variant {index} is at {xs_all[index]}")
        pairs = list(zip([y for _, y in drawn], [r for _, r in scored]))
        for ya, ra in pairs:
            for yb, rb in pairs:
                if ra > rb and not ya < yb:
                    fail(f"{detector['name']}: {ra} records drawn at y {ya}, not above {rb} at y {yb}")
                if ra == rb and abs(ya - yb) > 0.2:
                    fail(f"{detector['name']}: equal records drawn at heights {ya} and {yb}")
        checked += len(drawn)
    print(f"sweep_browser: ok: {len(lines)} detector lines, {checked} vertices where report.json puts them")


if __name__ == "__main__":
    main(*sys.argv[1:3])
