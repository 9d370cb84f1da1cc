#!/usr/bin/env bash
# Text-log reading benchmark: `make bench` runs `bash bench/formats.sh BUILD_DIR`
# after the EVTX and hunting benchmarks.
#
# Generates (once, cached in BUILD_DIR/bench-data/text) one file of at least
# 512 MiB per text format with `vigil synth-logs`, checks that vigil reads
# each with the expected number of events and no rejected line, then measures
# `vigil parse -t 1` on each file (and -t 2 for JSON lines and syslog) and
# prints MB/s and records/s per format against issue 4's targets (JSON lines
# >= 300 MB/s and syslog >= 200 MB/s on one core). Figures are printed, never
# asserted: timing depends on the machine.
#
#   BENCH_FORMAT_BYTES  size of each file (default 512MiB; K/M/G suffixes), for quick checks
#   BENCH_FORMAT_RUNS   hyperfine runs per row (default 3; the median is printed)
set -euo pipefail

BUILD=${1:?usage: bench/formats.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VIGIL=$BUILD/src/cli/vigil
SIZE=${BENCH_FORMAT_BYTES:-512MiB}
RUNS=${BENCH_FORMAT_RUNS:-3}
# One folder per size, so a quick check does not throw the full set away.
DATA=$BUILD/bench-data/text/$(echo "$SIZE" | tr -c 'A-Za-z0-9\n' '_')

# format -> file name (what such logs are usually called; recognition is by
# content, the names only help the readers that also look at them).
FORMATS=(json audit-trail syslog auditd web squid apache-error nginx-error zeek csv)
declare -A FILE_NAME=([json]=winlogbeat.jsonl [audit-trail]=audit-trail.jsonl [syslog]=auth.log
  [auditd]=audit.log [web]=access.log [squid]=squid-access.log [zeek]=conn.log [csv]=siem-export.csv
  [apache-error]=error.log [nginx-error]=nginx-error.log)
declare -A TARGET=([json]=300 [syslog]=200)
TWO_THREADS=(json syslog)

[ -x "$VIGIL" ] || { echo "formats benchmark: $VIGIL not built" >&2; exit 1; }
command -v hyperfine > /dev/null || { echo "formats benchmark: hyperfine not installed" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# --- Data (cached; rebuilt when the generator changes) -----------------------
stamp="text bench-data v1 $SIZE $("$VIGIL" --version) $(sha256sum "$ROOT/src/synth/text.cc" | cut -c1-16)"
if [ "$(cat "$DATA/stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "formats benchmark: generating ${#FORMATS[@]} files of $SIZE in $DATA (once) ..." >&2
  rm -rf "$DATA"
  mkdir -p "$DATA"
  : > "$DATA/manifest"
  seed=1
  for f in "${FORMATS[@]}"; do
    mkdir -p "$DATA/$f"
    "$VIGIL" synth-logs --format "$f" --bytes "$SIZE" --seed "$seed" \
      -o "$DATA/$f/${FILE_NAME[$f]}" 2> "$TMP/synth.txt"
    cat "$TMP/synth.txt" >&2
    # "synth-logs: json seed 1: 612345 records, ..." -> "json 612345"
    awk -v f="$f" '{ for (i = 1; i <= NF; i++) if ($(i+1) == "records,") print f, $i }' \
      "$TMP/synth.txt" >> "$DATA/manifest"
    seed=$((seed + 1))
  done
  echo "$stamp" > "$DATA/stamp"
fi

expected_records() { awk -v f="$1" '$1 == f { print $2 }' "$DATA/manifest"; }

echo "formats benchmark: warming the page cache ..." >&2
for f in "${FORMATS[@]}"; do cat "$DATA/$f/${FILE_NAME[$f]}" > /dev/null; done

# --- Measuring ---------------------------------------------------------------
# figure WORD FILE: the number before WORD in vigil parse's summary line
# ("parse: 1 files, 536871012 bytes, 612345 records, ..., 0 damaged places, ...").
figure() {
  awk -v w="$1" '/^parse:/ { for (i = 1; i <= NF; i++) if ($(i+1) == w) print $i }' "$2"
}

declare -a ROWS=()
# row FORMAT THREADS: one checking run (records, rejected lines), then the
# median of RUNS hyperfine runs after one warm-up.
row() {
  local f=$1 threads=$2 file rc=0 records rejected expected note="" ignore=() s cpu bytes
  file=$DATA/$f/${FILE_NAME[$f]}
  bytes=$(stat -c %s "$file")
  "$VIGIL" parse -t "$threads" "$file" > /dev/null 2> "$TMP/check.txt" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "formats benchmark: vigil parse -t $threads $file failed (exit $rc):" >&2
    cat "$TMP/check.txt" >&2
    exit 1
  fi
  records=$(figure records, "$TMP/check.txt")
  rejected=$(figure damaged "$TMP/check.txt")
  expected=$(expected_records "$f")
  if [ "$rc" -eq 1 ]; then
    ignore=(-i)  # rejected lines: exit code 1 by design; the row says so
    note="$rejected rejected"
  fi
  if [ "$records" != "$expected" ]; then
    note="${note:+$note, }$records records, the generator wrote $expected"
  fi
  if ! hyperfine -N "${ignore[@]}" --warmup 1 --runs "$RUNS" --export-json "$TMP/run.json" \
      "$(printf '%q ' "$VIGIL" parse -t "$threads" "$file")" > /dev/null 2> "$TMP/err.txt"; then
    echo "formats benchmark: hyperfine on '$VIGIL parse -t $threads $file' failed:" >&2
    cat "$TMP/err.txt" >&2
    exit 1
  fi
  # Median wall time, and mean CPU time (user + system; hyperfine keeps only
  # means of those): on a shared machine the wall time also counts the time
  # other processes held the core, the CPU time does not.
  read -r s cpu < <(python3 -c 'import json,statistics,sys; r = json.load(open(sys.argv[1]))["results"][0]; print(statistics.median(r["times"]), r["user"] + r["system"])' "$TMP/run.json")
  ROWS+=("$f|$threads|$bytes|$records|$s|$cpu|$note")
}

echo "formats benchmark: measuring ..." >&2
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for f in "${FORMATS[@]}"; do row "$f" 1; done
for f in "${TWO_THREADS[@]}"; do row "$f" 2; done

# --- Table -------------------------------------------------------------------
echo
echo "Text-log read benchmark: vigil parse on one generated file per format ($SIZE each," \
  "from the page cache; vigil synth-logs); each row: median of $RUNS runs"
echo "machine: $(nproc) CPUs, $(lscpu 2>/dev/null | awk -F': *' '/Model name/ { print $2; exit }')," \
  "load average $LOAD_START before, $(cut -d' ' -f1-3 /proc/loadavg) after (other work slows every row)"
echo
printf '%-12s %7s %8s %10s %8s %8s %11s %8s %9s %7s  %s\n' "format" "threads" "MB" "records" \
  "seconds" "MB/s" "records/s" "CPU s" "MB/CPU-s" "target" "notes"
printf '%-12s %7s %8s %10s %8s %8s %11s %8s %9s %7s  %s\n' "------" "-------" "--" "-------" \
  "-------" "----" "---------" "-----" "--------" "------" "-----"
for r in "${ROWS[@]}"; do
  IFS='|' read -r f threads bytes records s cpu note <<< "$r"
  target="-"
  [ "$threads" = 1 ] && target=${TARGET[$f]:--}
  awk -v f="$f" -v t="$threads" -v b="$bytes" -v n="$records" -v s="$s" -v cpu="$cpu" \
      -v target="$target" -v note="$note" 'BEGIN {
    mbs = b / 1e6 / s
    cpu_mbs = b / 1e6 / cpu
    verdict = ""
    if (target != "-") {
      verdict = (mbs >= target) ? "ok" : "BELOW"
      # Below in wall time only: the machine was busy with other work.
      if (mbs < target && cpu_mbs >= target) verdict = verdict " (CPU time: ok)"
    }
    if (note != "") verdict = verdict (verdict != "" ? "; " : "") note
    printf "%-12s %7d %8.1f %10d %8.3f %8.1f %11.0f %8.3f %9.1f %7s  %s\n", f, t, b / 1e6, n, s, mbs, n / s, cpu, cpu_mbs, target, verdict
  }'
done
echo
echo "targets (issue 4): JSON lines >= 300 MB/s and syslog >= 200 MB/s on one core (-t 1 rows);"
echo "seconds and MB/s: median wall time; CPU s: mean user + system time of the same runs"
