#!/usr/bin/env python3
"""Makes examples/alerts.csv the way a SIEM export would look: a block rule that fired on
client IPs that sent more than --limit requests in one minute, blocking each from that
minute's end for --block-minutes. Reads a dataset's events with pyarrow only.

    python3 examples/make_alerts.py DATASET_DIR > examples/alerts.csv
"""

import argparse
import collections
import datetime
import glob
import os
import sys

import pyarrow.parquet as pq


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--limit", type=int, default=120)
    parser.add_argument("--block-minutes", type=int, default=60)
    args = parser.parse_args()
    files = sorted(glob.glob(os.path.join(args.dataset, "events", "**", "*.parquet"), recursive=True))
    counts = collections.Counter()
    for path in files:
        table = pq.read_table(path, columns=["ts", "client_ip"])
        minutes = [t // 60_000_000 for t in table.column("ts").cast("int64").to_pylist()]
        counts.update(zip(table.column("client_ip").to_pylist(), minutes))
    fired = {}
    for (ip, minute), count in counts.items():
        if count > args.limit and (ip not in fired or minute < fired[ip]):
            fired[ip] = minute
    out = sys.stdout
    out.write("# block rule: > %d requests/min per client_ip, blocked %d min\n" % (args.limit, args.block_minutes))
    out.write("entity_kind,entity,from_ts,until_ts\n")
    for ip, minute in sorted(fired.items(), key=lambda kv: (kv[1], kv[0])):
        start = datetime.datetime.fromtimestamp((minute + 1) * 60, datetime.timezone.utc)
        end = start + datetime.timedelta(minutes=args.block_minutes)
        out.write("ip,%s,%s,%s\n" % (ip, start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")))


if __name__ == "__main__":
    main()
