#!/usr/bin/env bash
# EVTX reading benchmark: `make bench` runs `bash bench/run.sh BUILD_DIR`.
#
# Generates (once, cached in BUILD_DIR/bench-data) a >= 1 GiB set of
# synthetic Security and Sysmon logs with `vigil synth-evtx`, then measures,
# in this one run, cat, vigil parse/dump at 1 and 2 threads and Debian's
# evtxexport, and times `vigil dump` on the evtx crate's security.evtx
# sample against the published evtx_dump figure. Ratios are printed, never
# asserted: timing depends on the machine.
set -euo pipefail

BUILD=${1:?usage: bench/run.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VIGIL=$BUILD/src/cli/vigil
DATA=$BUILD/bench-data
SAMPLE=$ROOT/../shared/corpus/evtx/evtx-rs-samples/security.evtx
# evtx_dump 0.12 (Rust evtx crate), published figure for that sample.
REFERENCE_MS=4.2
REFERENCE_NAME="evtx_dump 0.12"

FILES_PER_KIND=4
FILE_SIZE=128M         # 8 files x 128 MiB = 1 GiB
SUBSET_SIZE=8M         # evtxexport runs at ~1 MB/s: it gets a 2 x 8 MiB subset

[ -x "$VIGIL" ] || { echo "bench: $VIGIL not built" >&2; exit 1; }
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=""
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# --- Data (cached; rebuilt when the generator or writer changes) -------------
stamp="bench-data v1 $("$VIGIL" --version) $(cat "$ROOT/src/synth/generator.cc" \
  "$ROOT/src/read/evtx/writer.cc" | sha256sum | cut -c1-16)"
if [ "$(cat "$DATA/stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "bench: generating the data set in $DATA (once) ..." >&2
  rm -rf "$DATA"
  mkdir -p "$DATA/set" "$DATA/subset"
  : > "$DATA/manifest"
  synth() {  # kind size seed path
    "$VIGIL" synth-evtx --kind "$1" --size "$2" --seed "$3" -o "$4" 2> "$TMP/synth.txt"
    cat "$TMP/synth.txt" >&2
    # "synth-evtx: security seed 1: 312380 records, ..." -> "path records"
    awk -v p="$4" '{ for (i = 1; i <= NF; i++) if ($(i+1) == "records,") print p, $i }' \
      "$TMP/synth.txt" >> "$DATA/manifest"
  }
  for i in $(seq 1 $FILES_PER_KIND); do
    synth security $FILE_SIZE "$i" "$DATA/set/security-$i.evtx"
    synth sysmon $FILE_SIZE "$((100 + i))" "$DATA/set/sysmon-$i.evtx"
  done
  synth security $SUBSET_SIZE 1001 "$DATA/subset/security.evtx"
  synth sysmon $SUBSET_SIZE 1002 "$DATA/subset/sysmon.evtx"
  echo "$stamp" > "$DATA/stamp"
fi

records_in() {  # dir -> total records of its files
  awk -v d="$1/" 'index($1, d) == 1 { n += $2 } END { print n + 0 }' "$DATA/manifest"
}
bytes_in() {
  du -cb "$1"/*.evtx | awk 'END { print $1 }'
}

SET_BYTES=$(bytes_in "$DATA/set")
SET_RECORDS=$(records_in "$DATA/set")
SUB_BYTES=$(bytes_in "$DATA/subset")
SUB_RECORDS=$(records_in "$DATA/subset")
SET_FILES=$(ls "$DATA"/set/*.evtx | wc -l)

# --- Measuring ---------------------------------------------------------------
now_ns() { date +%s%N; }

# run LABEL BYTES RECORDS CMD...: median wall time of RUNS runs of CMD
# (stdout to /dev/null, after one warm-up run), then its peak RSS from one
# more run. The median, not one run or the mean: on a shared or virtual
# machine single runs stray by tens of percent.
RUNS=${BENCH_RUNS:-9}
declare -a ROWS=()
declare -A SECONDS_OF=()
run() {
  local label=$1 bytes=$2 records=$3
  shift 3
  local rss="-" ns
  if ! hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$TMP/run.json" \
      "$(printf '%q ' "$@")" > /dev/null 2> "$TMP/err.txt"; then
    echo "bench: '$*' failed:" >&2
    cat "$TMP/err.txt" >&2
    exit 1
  fi
  ns=$(python3 -c 'import json,statistics,sys; print(int(statistics.median(json.load(open(sys.argv[1]))["results"][0]["times"]) * 1e9))' "$TMP/run.json")
  if [ -n "$TIME" ]; then
    "$TIME" -v -o "$TMP/time.txt" "$@" > /dev/null 2> "$TMP/err.txt" || true
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f MB", $2 / 1024 }' "$TMP/time.txt")
  fi
  add_row "$label" "$bytes" "$records" "$ns" "$rss"
}

add_row() {  # label bytes records nanoseconds rss
  SECONDS_OF[$1]=$(awk -v ns="$4" 'BEGIN { printf "%.6f", ns / 1e9 }')
  ROWS+=("$1|$2|$3|$4|$5")
}

# evtxexport: one process per file, times summed, peak RSS the largest.
run_per_file() {  # label dir CMD... (file appended)
  local label=$1 dir=$2
  shift 2
  local total=0 peak=0 t0 t1 f
  for f in "$dir"/*.evtx; do
    t0=$(now_ns)
    if [ -n "$TIME" ]; then
      "$TIME" -v -o "$TMP/time.txt" "$@" "$f" > /dev/null 2> "$TMP/err.txt"
      peak=$(awk -F': ' -v p="$peak" '/Maximum resident set size/ { print ($2 > p ? $2 : p) }' "$TMP/time.txt")
    else
      "$@" "$f" > /dev/null 2> "$TMP/err.txt"
    fi
    t1=$(now_ns)
    total=$(( total + t1 - t0 ))
  done
  add_row "$label" "$(bytes_in "$dir")" "$(records_in "$dir")" "$total" \
    "$(awk -v k="$peak" 'BEGIN { printf "%.0f MB", k / 1024 }')"
}

echo "bench: warming the page cache ..." >&2
cat "$DATA"/set/*.evtx "$DATA"/subset/*.evtx > /dev/null

echo "bench: measuring ..." >&2
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
run "cat > /dev/null" "$SET_BYTES" "$SET_RECORDS" cat "$DATA"/set/*.evtx
run "vigil parse -t 1" "$SET_BYTES" "$SET_RECORDS" "$VIGIL" parse -t 1 "$DATA/set"
run "vigil parse -t 2" "$SET_BYTES" "$SET_RECORDS" "$VIGIL" parse -t 2 "$DATA/set"
run "vigil dump -t 1 > /dev/null" "$SET_BYTES" "$SET_RECORDS" "$VIGIL" dump -t 1 "$DATA/set"
run "vigil dump -t 2 > /dev/null" "$SET_BYTES" "$SET_RECORDS" "$VIGIL" dump -t 2 "$DATA/set"
EVTXEXPORT_NOTE=""
if command -v evtxexport > /dev/null; then
  run_per_file "evtxexport -f xml (subset*)" "$DATA/subset" evtxexport -f xml
  run "vigil dump -t 1 -f xml (subset*)" "$SUB_BYTES" "$SUB_RECORDS" "$VIGIL" dump -t 1 -f xml "$DATA/subset"
  EVTXEXPORT_NOTE="* subset: $(ls "$DATA"/subset/*.evtx | wc -l) files, $(( SUB_BYTES / 1048576 )) MiB, $SUB_RECORDS records (same generator); evtxexport needs minutes for the full set. One evtxexport process per file."
else
  EVTXEXPORT_NOTE="evtxexport not installed (Debian package libevtx-utils): its rows are missing."
fi

# --- Table -------------------------------------------------------------------
CAT_SECONDS=${SECONDS_OF["cat > /dev/null"]}
echo
echo "EVTX read benchmark: $SET_FILES files, $(( SET_BYTES / 1048576 )) MiB, $SET_RECORDS records" \
  "(synthetic Security + Sysmon, from the page cache); each row: median of $RUNS runs"
echo "machine: $(nproc) CPUs, $(lscpu 2>/dev/null | awk -F': *' '/Model name/ { print $2; exit }')," \
  "load average $LOAD_START before, $(cut -d' ' -f1-3 /proc/loadavg) after (other work slows every row)"
echo
printf '%-32s %10s %10s %9s %12s %10s %9s\n' "command" "MiB" "seconds" "MB/s" "records/s" "peak RSS" "vs cat"
printf '%-32s %10s %10s %9s %12s %10s %9s\n' "-------" "---" "-------" "----" "---------" "--------" "------"
for row in "${ROWS[@]}"; do
  IFS='|' read -r label bytes records ns rss <<< "$row"
  awk -v label="$label" -v bytes="$bytes" -v records="$records" -v ns="$ns" -v rss="$rss" \
      -v cat_s="$CAT_SECONDS" -v cat_bytes="$SET_BYTES" 'BEGIN {
    s = ns / 1e9
    mbs = bytes / 1e6 / s
    # Time per byte relative to cat reading the set: 10x = ten times slower.
    rel = (mbs > 0) ? (cat_bytes / 1e6 / cat_s) / mbs : 0
    printf "%-32s %10.1f %10.3f %9.1f %12.0f %10s %8.1fx\n", label, bytes / 1048576, s, mbs, records / s, rss, rel
  }'
done
echo
[ -n "$EVTXEXPORT_NOTE" ] && echo "$EVTXEXPORT_NOTE"
if [ -n "${SECONDS_OF["evtxexport -f xml (subset*)"]:-}" ]; then
  awk -v a="${SECONDS_OF["evtxexport -f xml (subset*)"]}" -v b="${SECONDS_OF["vigil dump -t 1 -f xml (subset*)"]}" \
    'BEGIN { printf "vigil dump -t 1 -f xml is %.1fx faster than evtxexport -f xml on the subset\n", a / b }'
fi
awk -v p1="${SECONDS_OF["vigil parse -t 1"]}" -v p2="${SECONDS_OF["vigil parse -t 2"]}" \
    -v d1="${SECONDS_OF["vigil dump -t 1 > /dev/null"]}" -v d2="${SECONDS_OF["vigil dump -t 2 > /dev/null"]}" \
    'BEGIN { printf "2-thread speed-up: parse %.2fx, dump %.2fx\n", p1 / p2, d1 / d2 }'

# --- One small real file against the published evtx_dump figure ---------------
echo
if [ ! -f "$SAMPLE" ]; then
  echo "security.evtx sample: skipped ($SAMPLE absent)"
elif ! command -v hyperfine > /dev/null; then
  echo "security.evtx sample: skipped (hyperfine not installed)"
else
  SAMPLE_RUNS=${BENCH_SAMPLE_RUNS:-300}
  hyperfine -N --warmup 20 --runs "$SAMPLE_RUNS" --export-json "$TMP/dump.json" \
    "$VIGIL dump -t 1 $SAMPLE" > /dev/null 2>&1
  hyperfine -N --warmup 20 --runs "$SAMPLE_RUNS" --export-json "$TMP/version.json" \
    "$VIGIL --version" > /dev/null 2>&1
  median_ms() { python3 -c 'import json,statistics,sys; print(statistics.median(json.load(open(sys.argv[1]))["results"][0]["times"]) * 1000)' "$1"; }
  dump_ms=$(median_ms "$TMP/dump.json")
  start_ms=$(median_ms "$TMP/version.json")
  sample_bytes=$(stat -c %s "$SAMPLE")
  sample_records=$("$VIGIL" parse -t 1 "$SAMPLE" 2>&1 | awk '{ for (i = 1; i <= NF; i++) if ($(i+1) == "records,") print $i }')
  awk -v d="$dump_ms" -v s="$start_ms" -v r="$REFERENCE_MS" -v b="$sample_bytes" -v n="$sample_records" \
      -v ref="$REFERENCE_NAME" -v runs="$SAMPLE_RUNS" 'BEGIN {
    net = d - s
    printf "security.evtx (%.2f MB, %d records), vigil dump -t 1 > /dev/null, hyperfine median of %d runs (process start included):\n", b / 1e6, n, runs
    printf "  vigil dump -t 1      %7.2f ms  %6.0f MB/s  %7.0fK records/s\n", d, b / 1e3 / d, n / d
    printf "  vigil --version      %7.2f ms  (start-up cost)\n", s
    printf "  dump minus start-up  %7.2f ms  %6.0f MB/s  %7.0fK records/s\n", net, b / 1e3 / net, n / net
    printf "  %-20s %7.2f ms  %6.0f MB/s  %7.0fK records/s  (reference)\n", ref, r, b / 1e3 / r, n / r
    printf "  ratio vigil/reference: %.2fx the time (%.2fx without start-up); below 1 means vigil is faster\n", d / r, net / r
  }'
fi
