#!/usr/bin/env bash
# Spark interop test: generates a small dataset, and the same run as 3 shards merged
# into one folder, then reads both with Spark (local[2]) and checks them against DuckDB.
#
# Usage: tests/spark/run.sh [BREACHLAB_BIN]
#   BREACHLAB_BIN  the breachlab binary (default: target/release/breachlab, else
#                  target/debug/breachlab, under CARGO_TARGET_DIR if set)
#   PYTHON         an interpreter with tests/python/requirements.txt and pyspark installed
#                  (default: python3)
# Skips (exit 0, with a SKIP line) when Java or pyspark is missing.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"
find_breachlab_bin spark/run.sh "${1:-}"
python="${PYTHON:-python3}"

if ! command -v java >/dev/null 2>&1 && [[ ! -x "${JAVA_HOME:-/nonexistent}/bin/java" ]]; then
  echo "SKIP spark interop: no Java found (install a JDK 17 or 21, or set JAVA_HOME)"
  exit 0
fi
if ! "$python" -c "import pyspark" >/dev/null 2>&1; then
  echo "SKIP spark interop: pyspark is not installed for $python (pip install -r tests/spark/requirements.txt)"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
scale=0.05
seed=7
shards=3
"$bin" generate --scale "$scale" --allow-distorted --seed "$seed" --threads 2 --out "$work/whole"
for k in $(seq 1 "$shards"); do
  "$bin" generate --scale "$scale" --allow-distorted --seed "$seed" --threads 1 --out "$work/sharded" \
    --shard "$k/$shards"
done
"$bin" merge "$work/sharded"

BREACHLAB_DATASET="$work/whole" BREACHLAB_SHARDED="$work/sharded" \
  "$python" -m pytest -q -p no:cacheprovider "$here/test_spark.py"
