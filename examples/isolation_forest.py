#!/usr/bin/env python3
"""An isolation forest (scikit-learn) on per-actor features, scoring online through the
external-detector protocol (docs/detector-protocol.md).

The actor is the authenticated principal, else the client IP. For each event, from that
event and the earlier ones only, the actor's features in the current fixed window are:
requests so far, distinct objects (`target_id`) touched, and the share of 404s. The
first --warmup events score 0 and are the training set; the forest is then fitted once
and every later batch is scored as it arrives, never looking ahead. The score is
scikit-learn's anomaly score (-score_samples: about 0.5 for ordinary points, towards 1
for isolated ones).

    breachlab bench --dataset DIR --detector-cmd 'python3 examples/isolation_forest.py'
"""

import argparse
import json
import sys

import numpy as np
import pyarrow as pa
from sklearn.ensemble import IsolationForest

SCORES = pa.schema([pa.field("score", pa.float64(), nullable=False)])


class ActorFeatures:
    """Per-actor counters in fixed windows aligned to the epoch."""

    def __init__(self, window_secs):
        self.window_us = window_secs * 1_000_000
        self.state = {}  # actor -> [window, requests, targets, not_found]

    def batch(self, batch):
        ts = batch.column("ts").cast(pa.int64()).to_pylist()
        principals = batch.column("principal_id").to_pylist()
        ips = batch.column("client_ip").to_pylist()
        targets = batch.column("target_id").to_pylist()
        statuses = batch.column("status").to_pylist()
        rows = np.empty((len(ts), 3), dtype=np.float64)
        for i, (t, principal, ip, target, status) in enumerate(zip(ts, principals, ips, targets, statuses)):
            actor = ("p", principal) if principal is not None else ("ip", ip)
            window = t // self.window_us
            s = self.state.get(actor)
            if s is None or s[0] != window:
                s = [window, 0, set(), 0]
                self.state[actor] = s
            s[1] += 1
            if target is not None:
                s[2].add(target)
            if status == 404:
                s[3] += 1
            rows[i] = (s[1], len(s[2]), s[3] / s[1])
        if len(self.state) > 200_000 and ts:
            current = ts[-1] // self.window_us
            self.state = {a: s for a, s in self.state.items() if s[0] >= current}
        return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=int, default=20_000, help="events used to fit")
    parser.add_argument("--window-secs", type=int, default=300)
    parser.add_argument("--threshold", type=float, default=0.75)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    out = sys.stdout.buffer
    hello = {
        "protocol": 1,
        "format": "arrow",
        "name": "isolation-forest.py",
        "threshold": args.threshold,
        "params": {"warmup": args.warmup, "window_secs": args.window_secs, "seed": args.seed},
    }
    out.write((json.dumps(hello) + "\n").encode())
    out.flush()

    features = ActorFeatures(args.window_secs)
    training, seen, model = [], 0, None
    writer = pa.ipc.new_stream(out, SCORES)
    for batch in pa.ipc.open_stream(sys.stdin.buffer):
        rows = features.batch(batch)
        scores = np.zeros(len(rows))
        if model is None:
            take = min(len(rows), args.warmup - seen)
            training.append(rows[:take])
            seen += take
            if seen >= args.warmup:
                model = IsolationForest(n_estimators=100, random_state=args.seed)
                model.fit(np.concatenate(training))
                training = None
            rest = rows[take:]
            if model is not None and len(rest):
                scores[take:] = -model.score_samples(rest)
        else:
            scores = -model.score_samples(rows)
        writer.write_batch(pa.record_batch([pa.array(scores, pa.float64())], schema=SCORES))
        out.flush()
    writer.close()
    out.flush()


if __name__ == "__main__":
    main()
