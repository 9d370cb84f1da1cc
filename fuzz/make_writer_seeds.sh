#!/usr/bin/env bash
# Adds seeds written by vigil's own EVTX writer (`vigil synth-evtx`) to the
# fuzz corpus: real-shaped Security and Sysmon records as Windows lays them
# out (string and template tables, shared templates), complementing the
# hand-built seeds of make_seeds.py. Deterministic for a given writer.
#
#   bash fuzz/make_writer_seeds.sh path/to/vigil
set -euo pipefail
vigil=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$vigil" synth-evtx --kind mixed --records 25 --seed 7 -o "$here/corpus/evtx_file/writer-mixed.evtx" 2>/dev/null
for kind in security sysmon; do
  "$vigil" synth-evtx --kind "$kind" --records 12 --seed 7 -o "$work/$kind.evtx" 2>/dev/null
  # The first chunk, up to its free space offset (the rest is zeros).
  free=$(od -An -tu4 -j $((4096 + 48)) -N4 "$work/$kind.evtx" | tr -d ' ')
  tail -c +4097 "$work/$kind.evtx" | head -c "$free" >"$here/corpus/evtx_chunk/writer-$kind.chunk"
done
ls -l "$here"/corpus/evtx_file/writer-* "$here"/corpus/evtx_chunk/writer-*
