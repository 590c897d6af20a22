"""The integrations' own logic on hand-made input with hand-computed results:
fail2ban's jail applied to matched failures (bans.py), and the Sigma rules compiled by
pySigma's SQLite backend and run over a hand-made JSON lines export (sigma_alerts.py).
"""

import csv
import importlib.util
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bans = load("bans", ROOT / "fail2ban" / "bans.py")


def test_a_ban_needs_maxretry_failures_within_findtime():
    # 4 failures: no ban. The 5th, 40 s after the first: banned for 600 s from t=40.
    failures = [("a", t) for t in (0, 10, 20, 30, 40)]
    assert bans.bans(failures, 5, 600, 600) == [("a", 40, 640)]
    assert bans.bans(failures[:4], 5, 600, 600) == []


def test_old_failures_are_forgotten_and_a_banned_host_starts_again():
    # The 5th failure at t=700 bans nobody: 0 and 100 are findtime (600 s) or more
    # before it, leaving 200, 300, 700. Two more within findtime of 200 make five at 720.
    failures = [("b", t) for t in (0, 100, 200, 300, 700, 710, 720)]
    assert bans.bans(failures[:5], 5, 600, 600) == []
    assert bans.bans(failures, 5, 600, 600) == [("b", 720, 1320)]
    # Banned at t=4 until 604: 5 and 100 fall in the ban and do not count (without that
    # rule 100 would make five with 639..642); after it, 639..643 are five more.
    failures = [("c", t) for t in (0, 1, 2, 3, 4, 5, 100, 639, 640, 641, 642, 643, 644)]
    assert bans.bans(failures, 5, 600, 600) == [("c", 4, 604), ("c", 643, 1243)]
    # Hosts are counted apart.
    mixed = [("d", 0), ("e", 1), ("d", 2), ("e", 3), ("d", 4), ("d", 5), ("d", 6)]
    assert bans.bans(mixed, 5, 600, 600) == [("d", 6, 606)]


def test_jail_settings_and_time_units(tmp_path):
    assert bans.jail_settings(ROOT / "fail2ban" / "jail.local", "breachlab-api") == (5, 600, 600)
    assert [bans.seconds(t) for t in ("600", "10m", "1h", "2d")] == [600, 600, 3600, 172800]


def test_bans_script_writes_an_alert_file(tmp_path):
    matches = tmp_path / "matches.txt"
    matches.write_text("".join(f"10.0.0.1 {1772409600 + t} {t}\n" for t in range(5)))
    out = tmp_path / "alerts.csv"
    subprocess.run([sys.executable, ROOT / "fail2ban" / "bans.py", ROOT / "fail2ban" / "jail.local",
                    "breachlab-api", matches, out], check=True, capture_output=True)
    rows = list(csv.reader(out.open()))
    # 1772409600 is 2026-03-02T00:00:00Z; the ban starts at the 5th failure, t + 4 s.
    assert rows == [["entity_kind", "entity", "from_ts", "until_ts"],
                    ["ip", "10.0.0.1", "2026-03-02T00:00:04Z", "2026-03-02T00:10:04Z"]]


T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)


def event(n, seconds, ip, target):
    ts = (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"event_id": n, "ts": ts, "client_ip": ip, "api_key_id": None, "principal_id": None,
            "method": "GET", "route": "/v1/accounts/{id}", "path": f"/v1/accounts/{target}",
            "target_id": target, "status": 200}


def test_sigma_rules_flag_fanout_and_bursts(tmp_path):
    pytest.importorskip("sigma.backends.sqlite",
                        reason="pySigma's SQLite backend is not installed: pip install -r integrations/requirements.txt")
    rows = []
    # A: 60 distinct objects, one a second: the 50th (t=49 s) meets value_count >= 50.
    rows += [(k, "10.0.0.1", 1000 + k) for k in range(60)]
    # B: 40 distinct objects in 40 s: under both thresholds.
    rows += [(k + 0.25, "10.0.0.2", 2000 + k) for k in range(40)]
    # C: 400 requests for one object, two a second: the 300th (t=149.5 s) meets event_count >= 300.
    rows += [(k * 0.5 + 0.1, "10.0.0.3", 7) for k in range(400)]
    rows.sort()
    jsonl = tmp_path / "events.jsonl"
    jsonl.write_text("".join(json.dumps(event(n, *r)) + "\n" for n, r in enumerate(rows)))
    out = tmp_path / "sigma.csv"
    subprocess.run([sys.executable, ROOT / "sigma" / "sigma_alerts.py", ROOT / "sigma" / "rules" / "api_enumeration.yml",
                    jsonl, out], check=True, capture_output=True)
    got = list(csv.reader(out.open()))
    assert got == [
        ["entity_kind", "entity", "from_ts", "until_ts"],
        # Alerts at t = 49..59 s, each open 600 s: merged to [49 s, 659 s].
        ["ip", "10.0.0.1", "2026-03-02T00:00:49.000000Z", "2026-03-02T00:10:59.000000Z"],
        # Alerts at t = 149.6..199.6 s, each open 300 s: merged to [149.6 s, 499.6 s].
        ["ip", "10.0.0.3", "2026-03-02T00:02:29.600000Z", "2026-03-02T00:08:19.600000Z"],
    ]


def detector(name, exposed, alarms_per_day, detected):
    return {"name": name, "records_exposed_before_detection_total": exposed,
            "false_alarms_per_day": alarms_per_day, "campaigns_detected": detected,
            "campaigns_undetected": 1 - detected}


def test_versus_table_takes_fail2ban_from_its_own_score(tmp_path):
    dataset = {"scenario": {"name": "optus-2022"}, "scale": 0.0139, "seed": 1}
    folder = tmp_path / "optus-2022-0.0139"
    (folder / "seed1" / "versus").mkdir(parents=True)
    (folder / "seed1" / "fail2ban" / "report-fail2ban").mkdir(parents=True)
    (folder / "budget.txt").write_text("0\n")
    # bench's report: fail2ban silenced by a calibrated threshold, so nothing beats it at
    # its 0 false alarms a day except a built-in that raises none either.
    (folder / "seed1" / "versus" / "report.json").write_text(json.dumps({"dataset": dataset, "detectors": [
        detector("fail2ban", 1000, 0.0, 0), detector("sequential", 900, 0.0, 1),
        detector("ip-rate", 5, 0.5, 1)]}))
    # fail2ban's alerts as they are: 0.5 false alarms a day and 400 records.
    (folder / "seed1" / "fail2ban" / "report-fail2ban" / "report.json").write_text(json.dumps({
        "dataset": dataset, "detectors": [detector("fail2ban", 400, 0.5, 1)]}))
    out = subprocess.run([sys.executable, ROOT / "table.py", "--versus", tmp_path], check=True,
                         capture_output=True, text=True).stdout
    row = out.strip().splitlines()[-1]
    assert row == ("| optus-2022 (scale 0.0139) | 1 | 0 | 400 | 0.50 | 1/1 "
                   "| ip-rate | 5 | 0.50 | 1/1 |")
