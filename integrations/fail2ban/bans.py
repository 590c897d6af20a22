#!/usr/bin/env python3
"""Turns fail2ban-regex's matched failures into per-IP ban intervals, as the jail acts.

Reads the lines `IP EPOCH_SECONDS EVENT_ID` that `fail2ban-regex -o '<ip> <time> <F-EVENT>'`
prints (one per matched failure, in log order), applies the jail's maxretry, findtime
and bantime the way fail2ban's ticket logic does, and writes a breachlab alert file in
the per-entity interval form (entity_kind, entity, from_ts, until_ts):

- a host is banned at the failure that makes `maxretry` failures within the last
  `findtime` seconds (fail2ban's FailManager: failures older than findtime are
  forgotten);
- the ban lasts `bantime` seconds from that failure; failures during a ban are not
  counted (a banned host's requests never reach the log in a live deployment) and the
  host's failure count starts again from zero after the ban.

fail2ban reads log time to the second, so a ban starts at the second of its failure.

Usage: bans.py JAIL_LOCAL JAIL_NAME MATCHES OUT.csv
"""

import configparser
import csv
import re
import sys
from collections import defaultdict, deque
from datetime import datetime, timezone


def seconds(text):
    """fail2ban's time abbreviations: 600, 10m, 1h, 1d, 1w."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", text)
    if not match:
        raise SystemExit(f"bans.py: cannot read the time {text!r}: use e.g. 600, 10m, 1h")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
    return int(match.group(1)) * unit


def jail_settings(path, name):
    parser = configparser.ConfigParser(interpolation=None)
    if not parser.read(path):
        raise SystemExit(f"bans.py: cannot read {path}")
    if name not in parser:
        raise SystemExit(f"bans.py: {path} has no [{name}] jail")
    jail = parser[name]
    return int(jail.get("maxretry", "5")), seconds(jail.get("findtime", "10m")), seconds(jail.get("bantime", "10m"))


def bans(failures, maxretry, findtime, bantime):
    """(ip, from_s, until_s) per ban, in the order the bans start."""
    recent = defaultdict(deque)
    banned_until = {}
    out = []
    for ip, t in failures:
        if banned_until.get(ip, -1) > t:
            continue
        window = recent[ip]
        window.append(t)
        while window and window[0] <= t - findtime:
            window.popleft()
        if len(window) >= maxretry:
            out.append((ip, t, t + bantime))
            banned_until[ip] = t + bantime
            window.clear()
    return out


def rfc3339(epoch_s):
    return datetime.fromtimestamp(epoch_s, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    jail_local, name, matches, out = sys.argv[1:]
    maxretry, findtime, bantime = jail_settings(jail_local, name)
    failures = []
    with open(matches) as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if len(parts) != 3 or not parts[1].replace(".", "", 1).isdigit():
                raise SystemExit(f"bans.py: {matches} line {number}: expected `IP EPOCH EVENT_ID`, got {line!r}")
            failures.append((parts[0], int(float(parts[1]))))
    found = bans(failures, maxretry, findtime, bantime)
    with open(out, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["entity_kind", "entity", "from_ts", "until_ts"])
        for ip, start, end in found:
            writer.writerow(["ip", ip, rfc3339(start), rfc3339(end)])
    print(f"{len(failures)} failures, {len(found)} bans of {len({b[0] for b in found})} hosts "
          f"(maxretry={maxretry} findtime={findtime}s bantime={bantime}s)", file=sys.stderr)


if __name__ == "__main__":
    main()
