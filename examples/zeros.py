"""The cheapest possible external detector: scores every event 0. It measures what the
external-detector protocol itself costs (Arrow IPC both ways, the process boundary, one
batch in flight), as opposed to any detector's own work:

    breachlab bench --dataset DIR --detectors null --detector-cmd 'python3 examples/zeros.py'

compares its events/s with the built-in `null` detector's in the same report.
"""

import json
import sys

import pyarrow as pa

SCORES = pa.schema([pa.field("score", pa.float64(), nullable=False)])


def main():
    out = sys.stdout.buffer
    hello = {"protocol": 1, "format": "arrow", "name": "zeros.py", "threshold": 1.0}
    out.write((json.dumps(hello) + "\n").encode())
    out.flush()
    scores_out = pa.ipc.new_stream(out, SCORES)
    for batch in pa.ipc.open_stream(sys.stdin.buffer):
        zeros = pa.array([0.0] * batch.num_rows, pa.float64())
        scores_out.write_batch(pa.record_batch([zeros], schema=SCORES))
        out.flush()
    scores_out.close()
    out.flush()


if __name__ == "__main__":
    main()
