#!/usr/bin/env python3
"""Runs Sigma correlation rules over breachlab's `jsonl` export and writes an alert file.

The rules are compiled by pySigma's SQLite backend (pySigma-backend-sqlite) into its
correlation plans (the `zircolite` output format: SQL stages materialised into indexed
temporary tables, then the alert query), the export is loaded into an SQLite table
`events` (the export's fields, `ts` as integer epoch microseconds in `ts_us`), and each
plan is run by the backend's own executor (`sigma.backends.sqlite.runtime.execute_plan`).
Every correlation alert names one client (the rule's group-by value) and the time its
window's condition was met (`occurrence_time`, the window's end); it becomes a
per-entity interval alert from that time (no event before it is flagged) to that time
plus the rule's timespan (how long a SIEM alert of that window stays open). Overlapping
intervals of one client are merged into one row.

Usage: sigma_alerts.py RULES.yml EVENTS.jsonl OUT.csv
"""

import csv
import json
import sqlite3
import sys
from datetime import datetime, timedelta, timezone

from sigma.backends.sqlite import sqliteBackend
from sigma.backends.sqlite.runtime import execute_plan
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule

COLUMNS = ["event_id", "ts_us", "client_ip", "api_key_id", "principal_id", "method",
           "route", "path", "target_id", "status"]


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def micros(text):
    """RFC 3339 UTC text to integer epoch microseconds, exactly."""
    return (datetime.fromisoformat(text) - EPOCH) // timedelta(microseconds=1)


def load(connection, path):
    connection.execute(f"CREATE TABLE events ({', '.join(COLUMNS)})")
    rows = 0
    with open(path) as f:
        batch = []
        for number, line in enumerate(f, 1):
            try:
                e = json.loads(line)
                batch.append((e["event_id"], micros(e["ts"]), e["client_ip"], e["api_key_id"],
                              e["principal_id"], e["method"], e["route"], e["path"],
                              e["target_id"], e["status"]))
            except (ValueError, KeyError) as error:
                raise SystemExit(f"sigma_alerts.py: {path} line {number}: not a breachlab jsonl event ({error})")
            if len(batch) == 50_000:
                connection.executemany(f"INSERT INTO events VALUES ({', '.join('?' * len(COLUMNS))})", batch)
                rows += len(batch)
                batch.clear()
        connection.executemany(f"INSERT INTO events VALUES ({', '.join('?' * len(COLUMNS))})", batch)
        rows += len(batch)
    connection.execute("CREATE INDEX events_by_client ON events (client_ip, ts_us)")
    return rows


def rfc3339_us(seconds):
    us = round(seconds * 1_000_000)
    t = datetime.fromtimestamp(us // 1_000_000, tz=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{us % 1_000_000:06d}Z"


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    rules_path, events_path, out_path = sys.argv[1:]
    with open(rules_path) as f:
        collection = SigmaCollection.from_yaml(f.read())
    backend = sqliteBackend(table="events", timestamp_field="ts_us", timestamp_format="unix_us",
                            event_id_field="event_id")
    correlations = [r for r in collection.rules if isinstance(r, SigmaCorrelationRule)]
    # One plan per correlation rule (base rules that only feed a correlation give none).
    compiled = [item for item in json.loads(backend.convert(collection, output_format="zircolite"))
                if item.get("result_type") == "correlation"]
    if not correlations or len(compiled) != len(correlations):
        raise SystemExit(f"sigma_alerts.py: {rules_path}: {len(correlations)} correlation rules "
                         f"compiled to {len(compiled)} plans; expected one each")
    spans = {r.title: r.timespan.seconds for r in correlations}
    connection = sqlite3.connect(":memory:")
    rows = load(connection, events_path)
    alerts = []
    for item in compiled:
        span = spans[item["title"]]
        found, _ = execute_plan(connection, item["correlation_plan"], include_events=False)
        for alert in found:
            client = alert["group_keys"].get("client_ip")
            if client is None:
                raise SystemExit(f"sigma_alerts.py: {item['title']}: an alert without client_ip")
            alerts.append((client, alert["occurrence_time"], alert["occurrence_time"] + span))
        print(f"sigma: {item['title']}: {len(found)} alerts over {rows} events", file=sys.stderr)
    merged = merge(alerts)
    with open(out_path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["entity_kind", "entity", "from_ts", "until_ts"])
        for entity, start, end in merged:
            writer.writerow(["ip", entity, rfc3339_us(start), rfc3339_us(end)])
    print(f"sigma: {len(merged)} alert intervals", file=sys.stderr)


def merge(alerts):
    """Overlapping or touching intervals of one client as one, sorted by start."""
    out = []
    last = {}
    for client, start, end in sorted(alerts, key=lambda a: (a[0], a[1])):
        i = last.get(client)
        if i is not None and start <= out[i][2]:
            out[i][2] = max(out[i][2], end)
        else:
            last[client] = len(out)
            out.append([client, start, end])
    return sorted(out, key=lambda a: (a[1], a[0]))


if __name__ == "__main__":
    main()
