#!/usr/bin/env bash
# Investigation benchmark: `make bench` runs it after the others. Generates
# the demo scenario (vigil demo) grown to >= 1 GiB with --scale (only the
# background grows; the story and the ground truth stay), then times, on the
# same files, `vigil hunt` with the built-in pack and `vigil investigate` with
# the scenario's inventory, and prints the ratio (docs/investigate.md: at most
# 1.5). Figures are printed, never asserted.
set -euo pipefail

BUILD=${1:?usage: bench/investigate.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
VIGIL=$BUILD/src/cli/vigil
DATA=$BUILD/bench-data/scenario
SCALE=${BENCH_SCENARIO_SCALE:-26}  # 26: about 1.05 GiB
RUNS=${BENCH_INVESTIGATE_RUNS:-3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ ! -f "$DATA/stamp-$SCALE" ]; then
  echo "investigate benchmark: generating the scenario at scale $SCALE ..." >&2
  rm -rf "$DATA"
  mkdir -p "$(dirname "$DATA")"
  "$VIGIL" demo --seed 1 --scale "$SCALE" --out "$DATA" >&2
  touch "$DATA/stamp-$SCALE"
fi
BYTES=$(du -sb --exclude=stamp-* "$DATA" | awk '{ print $1 }')

median_s() {
  python3 -c 'import json,statistics,sys; print(statistics.median(json.load(open(sys.argv[1]))["results"][0]["times"]))' "$1"
}
measure() {  # measure NAME CMD...: median seconds of RUNS runs after one warm-up
  local name=$1
  shift
  hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$TMP/$name.json" "$(printf '%q ' "$@")" \
    > /dev/null 2> "$TMP/err.txt" || { cat "$TMP/err.txt" >&2; exit 1; }
  median_s "$TMP/$name.json"
}
rss_mb() {
  /usr/bin/time -v -o "$TMP/time.txt" "$@" > /dev/null 2>&1 || true
  awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$TMP/time.txt"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
HUNT=("$VIGIL" hunt -q -f jsonl -o /dev/null "$DATA")
INVESTIGATE=("$VIGIL" investigate -q "$DATA" --inventory "$DATA/inventory.yaml" --out "$TMP/case")
hunt_s=$(measure hunt "${HUNT[@]}")
investigate_s=$(measure investigate "${INVESTIGATE[@]}")
hunt_rss=$(rss_mb "${HUNT[@]}")
investigate_rss=$(rss_mb "${INVESTIGATE[@]}")
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$BYTES" "$hunt_s" "$investigate_s" "$hunt_rss" "$investigate_rss" "$SCALE" <<'PY'
import sys
size, hunt, inv, hunt_rss, inv_rss, scale = sys.argv[1:]
size, hunt, inv = int(size), float(hunt), float(inv)
print(f"investigate benchmark: demo scenario at scale {scale}, {size / 2**30:.2f} GiB")
print(f"  vigil hunt (built-in pack)        {hunt:7.2f} s  {size / 1e6 / hunt:7.1f} MB/s  peak RSS {hunt_rss} MB")
print(f"  vigil investigate (+ inventory)   {inv:7.2f} s  {size / 1e6 / inv:7.1f} MB/s  peak RSS {inv_rss} MB")
print(f"  investigate / hunt = {inv / hunt:.2f} (target <= 1.5)")
PY
echo "  load average: $LOAD_START at start, $LOAD_END at end"
