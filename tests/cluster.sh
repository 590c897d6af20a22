#!/usr/bin/env bash
# The cluster recipe of docs/cluster.md on one machine: a scenario generated as 3 shards,
# each into a folder of its own as separate jobs would, the folders gathered into one,
# `breachlab merge`, `breachlab bench`; the report must be the unsharded dataset's,
# apart from timings and memory.
#
# Usage: tests/cluster.sh [BREACHLAB_BIN]   (else $BREACHLAB_BIN, else target/release or
# target/debug). Takes well under a minute.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
find_breachlab_bin tests/cluster.sh "${1:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
scale=0.05
seed=3
shards=3
generate=(generate --scale "$scale" --allow-distorted --seed "$seed" --threads 1)

"$bin" "${generate[@]}" --out "$work/whole" >/dev/null
for k in $(seq 1 "$shards"); do
  "$bin" "${generate[@]}" --out "$work/job-$k" --shard "$k/$shards" >/dev/null
done
# Gathering the jobs' folders: no two shards write the same file, but for the campaigns
# table, which every shard writes alike.
mkdir "$work/sharded"
for k in $(seq 1 "$shards"); do
  cp -Rn "$work/job-$k/." "$work/sharded/"
done
"$bin" merge "$work/sharded" >/dev/null
"$bin" verify "$work/sharded" >/dev/null

for dataset in whole sharded; do
  "$bin" bench --dataset "$work/$dataset" --audit never --report "$work/report-$dataset" \
    >/dev/null 2>&1
done
python3 "$root/benches/report-diff.py" "$work/report-whole/report.json" \
  "$work/report-sharded/report.json"
echo "cluster recipe: $shards shards merged score as the unsharded dataset"
