"""Checks the DOM a real headless Chromium built from the demo's report.html against
the demo's report.json: every first detection has a mark of its own on the timeline,
every precision-recall curve runs through measured points only, the exposure panels name
their campaigns, and the page loads nothing from outside.

Usage: python3 report_browser.py REPORT_DIR DOM_FILE SCREENSHOT_FILE
(report_browser.sh produces DOM_FILE and SCREENSHOT_FILE with Chromium.)
Standard library only.
"""

import json
import sys
from html.parser import HTMLParser


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []  # (tag, attrs, text)
        self._open_text = None

    def handle_starttag(self, tag, attrs):
        self.elements.append([tag, dict(attrs), ""])
        self._open_text = self.elements[-1] if tag == "text" else None

    def handle_data(self, data):
        if self._open_text is not None:
            self._open_text[2] += data

    def handle_endtag(self, tag):
        self._open_text = None


def fail(message):
    print(f"report_browser: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def main(report_dir, dom_file, screenshot):
    report = json.load(open(f"{report_dir}/report.json"))
    dom = open(dom_file, encoding="utf-8").read()
    parser = Elements()
    parser.feed(dom)
    elements = parser.elements
    if not any(tag == "svg" for tag, _, _ in elements):
        fail("the browser's DOM holds no SVG")

    # Every first detection is a mark of its own.
    expected = {
        (d["name"], str(c["campaign_id"]))
        for d in report["detectors"]
        for c in d["campaigns"]
        if c["first_detection_ts_us"] is not None
    }
    marks = [a for tag, a, _ in elements if tag == "circle" and a.get("class") == "detection"]
    found = {(m["data-detector"], m["data-campaign"]) for m in marks}
    if len(marks) != len(expected) or found != expected:
        fail(f"{len(marks)} detection marks for {len(expected)} detections; missing {sorted(expected - found)}")
    spots = {(m["cx"], m["cy"]) for m in marks}
    if len(spots) != len(marks):
        fail(f"{len(marks) - len(spots)} detection marks drawn on another's spot")

    # Precision-recall: map pixels back with the axis ticks, compare with the measured points.
    texts = [(a, t) for tag, a, t in elements if tag == "text"]
    curves = [a for tag, a, _ in elements if tag == "polyline" and a.get("class") == "pr-curve"]
    with_points = [d for d in report["detectors"] if d["pr_curve"]]
    if len(curves) != len(with_points):
        fail(f"{len(curves)} PR curves drawn for {len(with_points)} detectors with a curve")

    def tick(label, anchor):
        # The PR plot's ticks are the only `0.0`/`1.0` labels in the page.
        hits = [a for a, t in texts if t == label and a.get("text-anchor") == anchor]
        if not hits:
            fail(f"no PR tick {label}")
        key = "x" if anchor == "middle" else "y"
        return float(hits[-1][key]) - (4.0 if anchor == "end" else 0.0)

    x0, x1 = tick("0.0", "middle"), tick("1.0", "middle")
    y0, y1 = tick("0.0", "end"), tick("1.0", "end")
    checked = 0
    for curve in curves:
        detector = next(d for d in report["detectors"] if d["name"] == curve["data-detector"])
        measured = [(p["recall"], p["precision"]) for p in detector["pr_curve"]]
        drawn = []
        for pair in curve["points"].split():
            x, y = map(float, pair.split(","))
            drawn.append(((x - x0) / (x1 - x0), (y - y0) / (y1 - y0)))
        tolerance = 0.004
        near = lambda a, b: abs(a - b) <= tolerance
        for recall, precision in drawn:
            if not any(near(recall, r) for r, _ in measured):
                fail(f"{detector['name']}: a vertex at recall {recall:.3f}, never measured")
            if not any(near(precision, p) for _, p in measured):
                fail(f"{detector['name']}: a vertex at precision {precision:.3f}, never measured")
        for (ax, ay), (bx, by) in zip(drawn, drawn[1:]):
            if not near(ax, bx):
                ends = [p for r, p in measured if near(r, bx)]
                if not near(ay, by) or not any(near(by, p) for p in ends):
                    fail(f"{detector['name']}: a run to recall {bx:.3f} at precision {by:.3f}, not the precision measured there {ends}")
        last = drawn[-1]
        if not (near(last[0], measured[-1][0]) and near(last[1], measured[-1][1])):
            fail(f"{detector['name']}: the curve ends at {last}, the last measured point is {measured[-1]}")
        checked += len(drawn)

    # Exposure panels: a legend entry and titled curves per campaign.
    campaigns = {str(c["campaign_id"]) for d in report["detectors"] for c in d["campaigns"]}
    keys = {a.get("data-campaign") for tag, a, _ in elements if tag == "span" and a.get("class") == "key"}
    if keys != campaigns:
        fail(f"exposure legend names campaigns {sorted(keys)}, the report has {sorted(campaigns)}")

    # Offline: nothing to fetch.
    for tag, attrs, _ in elements:
        for name in ("src", "href"):
            if name in attrs:
                fail(f"<{tag} {name}=...>: the page must not load anything")
    if "http://" in dom or "https://" in dom:
        fail("a URL in the page")

    with open(screenshot, "rb") as image:
        head = image.read(8)
    if head != b"\x89PNG\r\n\x1a\n":
        fail(f"{screenshot} is not a PNG")
    print(
        f"report_browser: ok: {len(marks)} detection marks, {len(curves)} PR curves "
        f"({checked} vertices on measured points), {len(keys)} campaigns in the legend; "
        f"screenshot {screenshot}"
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
