#!/usr/bin/env bash
# Sigma hunting benchmark: `make bench` runs it after the EVTX reading
# benchmark (bench/run.sh), on the same generated >= 1 GiB EVTX set.
#
# Prints, from one run: hunt throughput with every SigmaHQ rule at 1 and 2
# threads; the cost of 100, 1,000 and all rules; start-up with all rules
# (cold: empty compiled-rule cache; warm: cached); the whole shared EVTX
# corpus hunted warm; peak RSS. Needs ../shared/corpus/sigma (skips
# without it). Ratios and figures are printed, never asserted. The
# throughput rows run side by side, in BENCH_HUNT_RUNS rounds (default 3).
set -euo pipefail

BUILD=${1:?usage: bench/hunt.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VIGIL=$BUILD/src/cli/vigil
DATA=$BUILD/bench-data
SIGMA=$ROOT/../shared/corpus/sigma
EVTX_CORPUS=$ROOT/../shared/corpus/evtx
RUNS=${BENCH_HUNT_RUNS:-3}
SET=${BENCH_HUNT_SET:-}  # a smaller EVTX folder for a quick check; default: the 1 GiB set

if [ ! -d "$SIGMA/rules" ]; then
  echo "hunt benchmark: skipped ($SIGMA absent)"
  exit 0
fi
[ -f "$DATA/stamp" ] || { echo "hunt benchmark: run bench/run.sh first (it makes the data set)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Every rule file of the five SigmaHQ rule folders, in sorted order; the
# 100- and 1,000-rule sets are the first files of that list, copied (at
# run time, outside the project) so each set is one folder.
ALL=(-r "$SIGMA/rules" -r "$SIGMA/rules-emerging-threats" -r "$SIGMA/rules-threat-hunting"
     -r "$SIGMA/rules-compliance" -r "$SIGMA/rules-placeholder")
CONFIG=(--config "$ROOT/tests/data/sigma/placeholders.yml")
find "$SIGMA/rules" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting" \
  "$SIGMA/rules-compliance" "$SIGMA/rules-placeholder" -name '*.yml' | LC_ALL=C sort > "$TMP/all.txt"
TOTAL_RULES=$(wc -l < "$TMP/all.txt")
for n in 100 1000; do
  mkdir -p "$TMP/rules-$n"
  head -n "$n" "$TMP/all.txt" | while read -r f; do cp "$f" "$TMP/rules-$n/$(echo "$f" | md5sum | cut -c1-12).yml"; done
done
CACHE=$TMP/cache

[ -n "$SET" ] || SET=$DATA/set
SET=$(cd "$SET" && pwd)
SET_BYTES=$(du -cb "$SET"/*.evtx | awk 'END { print $1 }')
SET_RECORDS=$(awk -v d="$SET/" 'index($1, d) == 1 { n += $2 } END { print n + 0 }' "$DATA/manifest")

median_s() {
  python3 -c 'import json,statistics,sys; print(statistics.median(json.load(open(sys.argv[1]))["results"][0]["times"]))' "$1"
}

echo "hunt benchmark: compiling and caching the rule sets ..." >&2
for set in all 1000 100; do
  if [ "$set" = all ]; then R=("${ALL[@]}"); else R=(-r "$TMP/rules-$set"); fi
  "$VIGIL" hunt -q "${R[@]}" "${CONFIG[@]}" --cache-dir "$CACHE" -o /dev/null \
    "$DATA/subset/security.evtx" || true
done

echo "hunt benchmark: measuring ..." >&2
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
HUNT=("$VIGIL" hunt -q -f jsonl -o /dev/null --cache-dir "$CACHE" "${CONFIG[@]}")
# The throughput rows run in rounds, each round one run of every row, so
# that a change of the machine's speed (a shared VM's drifts by a third
# within minutes) meets all rows alike; the ratios are taken within each
# round. Round 0 is the warm-up (the set into the page cache) and is not
# counted.
LABELS=("hunt, all rules, -t 1" "hunt, all rules, -t 2" "hunt, 1000 rules, -t 1" "hunt, 100 rules, -t 1")
row_command() {  # row_command INDEX: the row's command into CMD
  case $1 in
    0) CMD=("${HUNT[@]}" -t 1 "${ALL[@]}" "$SET") ;;
    1) CMD=("${HUNT[@]}" -t 2 "${ALL[@]}" "$SET") ;;
    2) CMD=("${HUNT[@]}" -t 1 -r "$TMP/rules-1000" "$SET") ;;
    3) CMD=("${HUNT[@]}" -t 1 -r "$TMP/rules-100" "$SET") ;;
  esac
}
: > "$TMP/rounds.txt"
for round in $(seq 0 "$RUNS"); do
  times=()
  for i in "${!LABELS[@]}"; do
    row_command "$i"
    start=$(date +%s%N)
    if ! "${CMD[@]}" > /dev/null 2> "$TMP/err.txt"; then
      echo "hunt benchmark: '${CMD[*]}' failed:" >&2
      cat "$TMP/err.txt" >&2
      exit 1
    fi
    times+=("$(( $(date +%s%N) - start ))")
  done
  [ "$round" -eq 0 ] || echo "${times[*]}" >> "$TMP/rounds.txt"
done
declare -a RSS=()
for i in "${!LABELS[@]}"; do
  row_command "$i"
  /usr/bin/time -v -o "$TMP/time.txt" "${CMD[@]}" > /dev/null 2>&1 || true
  RSS+=("$(awk -F': ' '/Maximum resident set size/ { printf "%.0f MB", $2 / 1024 }' "$TMP/time.txt")")
done

# Start-up: one small file (the subset's Security log is 8 MiB; the
# smallest real sample is better): all rules, empty cache vs warm cache.
SMALL=$EVTX_CORPUS/evtx-rs-samples/Security_short_selected.evtx
[ -f "$SMALL" ] || SMALL=$DATA/subset/security.evtx
# hf JSON ARGS...: hyperfine, its error shown when it fails.
hf() {
  local json=$1
  shift
  if ! hyperfine -N --export-json "$json" "$@" > /dev/null 2> "$TMP/hf.txt"; then
    echo "hunt benchmark: hyperfine $* failed:" >&2
    cat "$TMP/hf.txt" >&2
    exit 1
  fi
}
hf "$TMP/cold.json" --runs 3 --prepare "rm -rf $TMP/cold" \
  "$(printf '%q ' "$VIGIL" hunt -q -o /dev/null --cache-dir "$TMP/cold" "${CONFIG[@]}" "${ALL[@]}" "$SMALL")"
hf "$TMP/warm.json" --warmup 2 --runs 10 "$(printf '%q ' "${HUNT[@]}" "${ALL[@]}" "$SMALL")"
COLD=$(median_s "$TMP/cold.json")
WARM=$(median_s "$TMP/warm.json")
CORPUS_LINE="shared EVTX corpus: skipped ($EVTX_CORPUS absent)"
if [ -d "$EVTX_CORPUS" ]; then
  CORPUS_BYTES=$(find "$EVTX_CORPUS" -name '*.evtx' -printf '%s\n' | awk '{ n += $1 } END { print n }')
  CORPUS_FILES=$(find "$EVTX_CORPUS" -name '*.evtx' | wc -l)
  # Exit code 1: the corpus holds damaged files on purpose.
  hf "$TMP/corpus.json" -i --warmup 2 --runs 10 "$(printf '%q ' "${HUNT[@]}" "${ALL[@]}" "$EVTX_CORPUS")"
  CORPUS_S=$(median_s "$TMP/corpus.json")
  CORPUS_LINE=$(awk -v s="$CORPUS_S" -v b="$CORPUS_BYTES" -v f="$CORPUS_FILES" 'BEGIN {
    printf "shared EVTX corpus (%d files, %.1f MB), all rules, warm, all cores: %.3f s (Zircolite 2.40 with 1,454 rules: about 8.5 s)", f, b / 1e6, s }')
fi

echo
echo "Sigma hunt benchmark: $TOTAL_RULES SigmaHQ rule files; data: the EVTX set above" \
  "($(( SET_BYTES / 1048576 )) MiB, $SET_RECORDS records); each row: median of $RUNS rounds," \
  "a round being one run of each row in turn (ratios: median of the rounds' own ratios)"
echo "machine: $(nproc) CPUs, load average $LOAD_START before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo
printf '%-28s %10s %9s %12s %10s  %s\n' "command" "seconds" "MB/s" "records/s" "peak RSS" "rounds (s)"
printf '%-28s %10s %9s %12s %10s  %s\n' "-------" "-------" "----" "---------" "--------" "----------"
# The table and the ratios from the rounds: one line of nanoseconds per
# round, one column per row.
python3 - "$TMP/rounds.txt" "$SET_BYTES" "$SET_RECORDS" "${LABELS[@]}" "${RSS[@]}" <<'PY'
import statistics, sys
path, size, records = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names = sys.argv[4:]
labels, rss = names[:len(names) // 2], names[len(names) // 2:]
rounds = [[int(x) / 1e9 for x in line.split()] for line in open(path)]
for i, label in enumerate(labels):
    times = [r[i] for r in rounds]
    s = statistics.median(times)
    print("%-28s %10.3f %9.1f %12.0f %10s  %s" % (label, s, size / 1e6 / s, records / s, rss[i],
          " ".join("%.2f" % t for t in times)))
print()
for text, a, b in (("2-thread speed-up, all rules", 0, 1),
                   ("cost of all rules vs 100 rules (one thread)", 0, 3),
                   ("cost of 1,000 rules vs 100 rules (one thread)", 2, 3)):
    values = [r[a] / r[b] for r in rounds]
    print("%s: %.2fx (rounds: %s)" % (text, statistics.median(values),
                                      " ".join("%.2f" % v for v in values)))
PY
awk -v c="$COLD" -v w="$WARM" 'BEGIN {
  printf "start-up with all rules on a one-chunk file: cold (empty cache) %.2f s, warm (cached) %.3f s\n", c, w }'
echo "$CORPUS_LINE"
