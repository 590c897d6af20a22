#!/usr/bin/env python3
"""ip-rate, ported from the built-in Rust detector (detectors/src/builtin/ip_rate.rs) to
show the external-detector protocol (docs/detector-protocol.md) with nothing but pyarrow.

A fixed-window request counter per client IP, windows aligned to the Unix epoch: the
score of a request is the count of its IP's requests in the current window so far
divided by the limit, so the request that reaches the limit scores 1.0. It gives exactly
the scores of the built-in `ip-rate` (a test checks it).

    breachlab bench --dataset DIR --detector-cmd 'python3 examples/ip_rate.py'
    breachlab bench --dataset DIR --detector-cmd 'python3 examples/ip_rate.py --limit 300'
"""

import argparse
import json
import sys

import pyarrow as pa

SCORES = pa.schema([pa.field("score", pa.float64(), nullable=False)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window-secs", type=int, default=60)
    parser.add_argument("--limit", type=int, default=600)
    args = parser.parse_args()
    window_us = args.window_secs * 1_000_000

    out = sys.stdout.buffer
    hello = {
        "protocol": 1,
        "format": "arrow",
        "name": "ip-rate.py",
        # The built-in's default, calibrated to 5 false alarms/day on benign traffic
        # (detectors/src/builtin/calibrated.rs, IP_RATE): same scores, same alarms.
        "threshold": 0.043333333333333335,
        "params": {"window_secs": args.window_secs, "limit": args.limit},
    }
    out.write((json.dumps(hello) + "\n").encode())
    out.flush()

    counters = {}  # ip -> [window index, count]
    events = pa.ipc.open_stream(sys.stdin.buffer)
    scores_out = pa.ipc.new_stream(out, SCORES)
    for batch in events:
        timestamps = batch.column("ts").cast(pa.int64()).to_pylist()
        ips = batch.column("client_ip").to_pylist()
        scores = []
        for ts, ip in zip(timestamps, ips):
            if ip is None:
                scores.append(0.0)
                continue
            window = ts // window_us
            counter = counters.get(ip)
            if counter is None or counter[0] != window:
                counter = [window, 0]
                counters[ip] = counter
            counter[1] += 1
            scores.append(counter[1] / args.limit)
        scores_out.write_batch(pa.record_batch([pa.array(scores, pa.float64())], schema=SCORES))
        out.flush()
        if len(counters) > 4 * 65536:
            # Forget the IPs of past windows, as the Rust detector's sweep does.
            current = timestamps[-1] // window_us if timestamps else 0
            counters = {ip: c for ip, c in counters.items() if c[0] >= current}
    scores_out.close()
    out.flush()


if __name__ == "__main__":
    main()
