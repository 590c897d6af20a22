#!/usr/bin/env bash
# Runs every real-tool integration (fail2ban, Sigma, nginx limit_req) on each dataset and
# prints the scored results as a markdown table.
#
# Usage: integrations/run.sh [--work DIR] DATASET_DIR...
#   --work DIR  where exports, alert files and reports go (default: a temporary folder,
#               removed at the end)
#   BREACHLAB   the breachlab binary (default: target/release/breachlab, else breachlab on PATH)
#   PYTHON      a python with integrations/requirements.txt installed (default: python3)
#   WALL        wall seconds nginx's replay of each dataset aims at (default 60; see
#               integrations/nginx/README.md)
# A tool that is not installed is skipped with a message; the others still run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=integrations/lib.sh
. "$here/lib.sh"
work_option "" "$@"
set -- "${operands[@]}"
if [[ $# -eq 0 ]]; then
  echo "usage: $0 [--work DIR] DATASET_DIR..." >&2
  exit 2
fi
export_binaries
if [[ -z "$work" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
n=0
for dataset in "$@"; do
  n=$((n + 1))
  out="$work/$n-$(basename "$dataset")"
  for tool in fail2ban sigma nginx; do
    echo "== $tool on $dataset" >&2
    status=0
    if [[ $tool == nginx ]]; then
      # nginx/run.sh keeps its report under OUT/report; the table reads OUT/../report-nginx.
      OUT="$out/nginx" bash "$here/nginx/run.sh" "$dataset" >&2 || status=$?
      if [[ $status -eq 0 ]]; then
        rm -rf "$out/report-nginx"
        cp -r "$out/nginx/report" "$out/report-nginx"
      fi
    else
      bash "$here/$tool/run.sh" "$dataset" "$out" >&2 || status=$?
    fi
    if [[ $status -eq 3 ]]; then
      echo "SKIP: $tool is not installed (see integrations/$tool/README.md)" >&2
    elif [[ $status -ne 0 ]]; then
      echo "integrations/run.sh: $tool failed on $dataset (exit $status)" >&2
      exit "$status"
    fi
  done
done
echo
nginx_version="$( (nginx -v 2>&1 || /usr/sbin/nginx -v 2>&1 || echo 'nginx not installed') | head -1 | sed 's/^nginx version: //')"
echo "fail2ban-regex $(fail2ban-regex -V 2>/dev/null || echo 'not installed'); $nginx_version; $("$PYTHON" -c 'import importlib.metadata as m; print("pySigma", m.version("pysigma") + ", pySigma-backend-sqlite", m.version("pysigma-backend-sqlite"))' 2>/dev/null || echo 'pySigma not installed'); $("$BREACHLAB" --version)"
echo
"$PYTHON" "$here/table.py" "$work"
