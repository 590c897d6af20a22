#!/usr/bin/env bash
# Replays a breachlab dataset through a real nginx (limit_req, or ModSecurity + OWASP CRS)
# in front of `breachlab origin`, all on 127.0.0.1, turns nginx's access log into an
# alert file and scores it with `breachlab score`.
#
#   integrations/nginx/run.sh DATASET            # prints the score and one markdown row
#
# Environment (all optional):
#   CONFIG=limit_req|modsecurity  what nginx runs (default limit_req)
#   RATE=10 BURST=20              limit_req per client, in requests per dataset second
#   MODE=dry-run|enforce          limit_req_dry_run on (default: every request still reaches
#                                 the origin, rejections are only logged) or off
#   WALL=60                       target wall seconds for the replay: SPEED = span / WALL
#   SPEED=X                       or set the speed directly (dataset seconds per second)
#   LIMIT=N                       replay only the first N events
#   CONCURRENCY=64                requests in flight
#   OUT=DIR                       keep logs, alerts and report there (default: a temp dir)
#   BREACHLAB (or BREACHLAB_BIN)  the breachlab binary (default: this checkout's release
#                                 build, else breachlab on PATH)
#   NGINX                         the nginx binary (default: nginx on PATH)
set -euo pipefail

die() { echo "nginx/run.sh: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: integrations/nginx/run.sh DATASET (a breachlab generate output folder)"
dataset="$1"
[ -f "$dataset/manifest.json" ] || die "$dataset: no manifest.json; generate one with: breachlab generate --out $dataset"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=integrations/lib.sh
. "$here/../lib.sh"
nginx="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
[ -x "$nginx" ] ||
  not_installed nginx/run.sh "nginx not found: install it (Debian: apt-get install nginx) or set NGINX"
BREACHLAB="${BREACHLAB_BIN:-${BREACHLAB:-}}"
export_binaries
bin="$(command -v "$BREACHLAB" || true)"
[ -n "$bin" ] || die "$BREACHLAB is not built: run 'cargo build --release' or set BREACHLAB"
command -v python3 >/dev/null || die "python3 is needed (free ports, log conversion)"

config="${CONFIG:-limit_req}"
rate="${RATE:-10}"
burst="${BURST:-20}"
mode="${MODE:-dry-run}"
concurrency="${CONCURRENCY:-64}"
case "$config" in limit_req|modsecurity) ;; *) die "CONFIG=$config: use limit_req or modsecurity";; esac
case "$mode" in dry-run) dry_run=on;; enforce) dry_run=off;; *) die "MODE=$mode: use dry-run or enforce";; esac

read -r span_s events < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
print((m["time_span"]["end_us"] - m["time_span"]["start_us"]) / 1e6, m["row_counts"]["events"])' "$dataset")
if [ -n "${LIMIT:-}" ] && [ "$LIMIT" -lt "$events" ]; then events="$LIMIT"; fi
speed="${SPEED:-$(python3 -c 'import sys; print(max(1.0, float(sys.argv[1]) / float(sys.argv[2])))' "$span_s" "${WALL:-60}")}"
# nginx takes an integer rate per second or per minute: RATE x SPEED in wall time.
nginx_rate="$(python3 -c '
import sys
per_s = float(sys.argv[1]) * float(sys.argv[2])
print(f"{round(per_s)}r/s" if per_s >= 10 else f"{max(1, round(per_s * 60))}r/m")' "$rate" "$speed")"

out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
prefix="$(mktemp -d)"
mkdir -p "$prefix/tmp" "$prefix/logs"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

origin_pid=""; nginx_pid=""
cleanup() {
  [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null || true
  [ -n "$origin_pid" ] && kill -TERM "$origin_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$prefix"
}
trap cleanup EXIT

# The origin: recorded statuses and sizes; no latency (dataset time runs SPEED times faster).
# Its log exists before it starts: the background job opens it only once it has forked,
# and the loop below may read it first.
: > "$out/origin.log"
"$bin" origin "$dataset" --listen 127.0.0.1:0 --latency-scale 0 --seen "$out/origin-seen.txt" --force \
  > "$out/origin.log" 2>&1 &
origin_pid=$!
origin_addr=""
for _ in $(seq 1 300); do
  origin_addr="$(sed -n 's|^origin listening on http://\([^ ]*\).*|\1|p' "$out/origin.log")"
  [ -n "$origin_addr" ] && break
  kill -0 "$origin_pid" 2>/dev/null || { cat "$out/origin.log" >&2; die "breachlab origin did not start"; }
  sleep 0.1
done
[ -n "$origin_addr" ] || die "breachlab origin did not report its address (see $out/origin.log)"

# nginx, unprivileged, its prefix in a temp folder.
port="$(free_port)"
load_modules=""; modsec_config=""; host_args=()
if [ "$config" = modsecurity ]; then
  module=/usr/lib/nginx/modules/ngx_http_modsecurity_module.so
  [ -f "$module" ] || die "ModSecurity for nginx is not installed (Debian: apt-get install libnginx-mod-http-modsecurity modsecurity-crs)"
  [ -f /etc/modsecurity/crs/crs-setup.conf ] || die "the OWASP CRS is not installed (Debian: apt-get install modsecurity-crs)"
  load_modules="load_module $module;"
  mkdir -p "$prefix/modsec"
  sed "s|@PREFIX@|$prefix|g" "$here/modsecurity.conf" > "$prefix/modsec/main.conf"
  modsec_config="        modsecurity on;
        modsecurity_rules_file $prefix/modsec/main.conf;"
  # CRS flags a numeric Host (rule 920350): send the name a real client would.
  host_args=(--host-header api.example.com)
fi
SPEED_V="$speed" RATE_DATASET="$rate" python3 - "$here/nginx.conf.template" "$prefix/nginx.conf" <<PY
import os, sys
text = open(sys.argv[1]).read()
for key, value in {
    "@LOAD_MODULES@": """$load_modules""",
    "@MODSEC_CONFIG@": """$modsec_config""",
    "@PREFIX@": "$prefix",
    "@LISTEN@": "127.0.0.1:$port",
    "@ORIGIN@": "$origin_addr",
    "@RATE@": "$nginx_rate",
    "@RATE_DATASET@": os.environ["RATE_DATASET"],
    "@SPEED@": os.environ["SPEED_V"],
    "@BURST@": "$burst",
    "@DRY_RUN@": "$dry_run",
}.items():
    text = text.replace(key, value)
open(sys.argv[2], "w").write(text)
PY
run_nginx=("$nginx" -p "$prefix" -c "$prefix/nginx.conf" -g "daemon off;")
if [ "$(id -u)" = 0 ]; then
  # As root, run the master as nobody too: nothing of nginx runs privileged.
  chown -R nobody "$prefix"
  chmod 755 "$prefix"
  run_nginx=(setpriv --reuid=nobody --regid=nogroup --clear-groups -- "${run_nginx[@]}")
fi
"${run_nginx[@]}" 2> "$out/nginx.stderr" &
nginx_pid=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$nginx_pid" 2>/dev/null || { cat "$out/nginx.stderr" "$prefix/error.log" >&2 || true; die "nginx did not start"; }
  sleep 0.1
done
nginx_version="$("$nginx" -v 2>&1 | sed 's|.*nginx/||')"

limit_args=()
[ -n "${LIMIT:-}" ] && limit_args=(--limit "$LIMIT")
echo "== replaying $events events of $dataset through nginx $nginx_version ($config, $mode, rate $rate r/s burst $burst per client in dataset time = $nginx_rate at --speed $speed)"
"$bin" replay "$dataset" --target "http://127.0.0.1:$port" --speed "$speed" --concurrency "$concurrency" \
  "${limit_args[@]}" "${host_args[@]}" | tee "$out/replay.txt"

# Stop nginx gracefully (flushes the access log), then the origin (writes what it saw).
kill -QUIT "$nginx_pid"; wait "$nginx_pid" || true; nginx_pid=""
kill -TERM "$origin_pid"; wait "$origin_pid" || true; origin_pid=""
cp "$prefix/access.log" "$out/access.log"
cp "$prefix/error.log" "$out/error.log" 2>/dev/null || true

# The access log to alerts (event ids nginx rejected) and a check that nothing was lost:
# every replayed event is logged once, and the origin saw exactly those nginx passed on.
python3 - "$out" "$config" "$events" <<'PY'
import sys
out, config, events = sys.argv[1], sys.argv[2], int(sys.argv[3])
logged, upstream, alerts = {}, set(), []
for n, line in enumerate(open(f"{out}/access.log"), 1):
    event, status, limit, up_status = line.rstrip("\n").split("\t")[:4]
    if not event.lstrip("-").isdigit():
        sys.exit(f"access.log line {n}: no event id: {line!r}")
    event = int(event)
    logged[event] = logged.get(event, 0) + 1
    if up_status not in ("-", ""):
        upstream.add(event)
    if config == "limit_req":
        hit = limit in ("REJECTED", "REJECTED_DRY_RUN")
    else:  # ModSecurity blocks with 403 before the origin is asked
        hit = status == "403" and up_status in ("-", "")
    if hit:
        alerts.append(event)
seen = {int(x) for x in open(f"{out}/origin-seen.txt")}
problems = []
if len(logged) != events:
    problems.append(f"nginx logged {len(logged)} distinct events, {events} were replayed")
twice = [e for e, c in logged.items() if c > 1]
if twice:
    problems.append(f"{len(twice)} events logged more than once (e.g. {twice[0]})")
if seen != upstream:
    problems.append(f"origin saw {len(seen)} events, nginx passed {len(upstream)} upstream "
                    f"({len(seen - upstream)} only at the origin, {len(upstream - seen)} lost)")
if problems:
    sys.exit("lost traffic: " + "; ".join(problems))
with open(f"{out}/alerts.csv", "w") as f:
    f.write(f"# nginx {config}: events it rejected (limit_req) or blocked (ModSecurity)\nevent_id\n")
    for e in sorted(alerts):
        f.write(f"{e}\n")
print(f"nothing lost: nginx logged all {events} events once, the origin saw the {len(seen)} it passed on; {len(alerts)} alerts")
PY

name="nginx-$config"
[ "$config" = limit_req ] && name="nginx-limit_req-${rate}rps-b${burst}"
"$bin" score --dataset "$dataset" --alerts "$out/alerts.csv" --name "$name" --report "$out/report" --force \
  | tee "$out/score.txt"
python3 - "$out" "$dataset" "$nginx_version" "$speed" <<'PY'
import json, sys, re
out, dataset, version, speed = sys.argv[1:]
r = json.load(open(f"{out}/report/report.json"))
d = r["detectors"][0]
m = json.load(open(f"{dataset}/manifest.json"))
scenario = f'{m["scenario"].get("name", "?")} seed {m["seed"]} scale {m["scale"]}'
ev = d["event"]
camp = d["campaign_recall"]
total = len(d["campaigns"])
rps = re.search(r"([0-9]+) requests/s", open(f"{out}/replay.txt").read()).group(1)
ttd = d["median_time_to_detect_s"]
print("| scenario | tool | P | R | campaigns detected | median time to detect | records exposed before detection | false alarms/day | replay req/s |")
print("|---|---|---|---|---|---|---|---|---|")
print(f'| {scenario} | {d["name"]} (nginx {version}, --speed {float(speed):.0f}) | {ev["precision"]:.3f} | {ev["recall"]:.3f} | '
      f'{d["campaigns_detected"]}/{total} | {"—" if ttd is None else f"{ttd:.0f} s"} | '
      f'{d["records_exposed_before_detection_total"]:,} | {d["false_alarms_per_day"]:.2f} | {rps} |')
PY
