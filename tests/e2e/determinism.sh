#!/usr/bin/env bash
# vigil dump must print the same bytes whatever the thread count, run after
# run: JSON lines, XML, with and without slack recovery, over every EVTX file
# of the shared corpus (and over files the writer makes when it is absent).
set -euo pipefail
vigil=$1
work=$2
shared=$3
rm -rf "$work" && mkdir -p "$work"
inputs=()
if [ -d "$shared/corpus/evtx" ]; then
  inputs+=("$shared/corpus/evtx" "$shared/corpus/sigma/regression_data")
else
  echo "note: $shared absent; using generated files only"
fi
"$vigil" synth-evtx --kind mixed --records 20000 --seed 7 -o "$work/synth.evtx" >/dev/null
inputs+=("$work/synth.evtx")

status=0
for args in "" "-f xml" "-x"; do
  ref=""
  for threads in 1 2 3 8 1; do
    # shellcheck disable=SC2086
    "$vigil" dump $args -t "$threads" "${inputs[@]}" >"$work/out" 2>"$work/err" || true
    sum=$(cat "$work/out" "$work/err" | md5sum | cut -d' ' -f1)
    lines=$(wc -l <"$work/out")
    if [ -z "$ref" ]; then
      ref=$sum
      echo "dump $args: $lines lines, digest $sum"
    elif [ "$sum" != "$ref" ]; then
      echo "FAIL: dump $args -t $threads differs ($sum vs $ref)"
      status=1
    fi
  done
done
exit $status
