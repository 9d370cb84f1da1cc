#!/usr/bin/env bash
# `make demo`: builds nothing itself (make did), then runs vigil end to end on
# a generated scenario and says what it did. Until the investigation stage
# exists, the main job is reading evidence: write EVTX logs of a small domain,
# read them back, show what happens when the evidence is damaged, and merge
# them with Linux, web and network logs into one timeline.
set -euo pipefail
build=${1:-build}
vigil="$build/src/cli/vigil"
out=out/demo
rm -rf "$out" && mkdir -p "$out/logs"

say() { printf '\n== %s\n' "$*"; }

say "1. Writing a generated scenario (Security and Sysmon logs of a Windows host)"
"$vigil" synth-evtx --kind security --records 20000 --seed 2026 -o "$out/logs/Security.evtx"
"$vigil" synth-evtx --kind sysmon --records 20000 --seed 2027 -o "$out/logs/Sysmon.evtx"

say "2. Reading them back: every record as JSON lines (evtx_dump shape)"
"$vigil" dump "$out/logs" -o "$out/events.jsonl"
echo "$(wc -l <"$out/events.jsonl") records written to $out/events.jsonl; the first one:"
head -n 1 "$out/events.jsonl" | python3 -m json.tool | head -n 40

say "3. Parse-only speed (events handed to a consumer that counts them)"
"$vigil" parse "$out/logs"

say "4. Damaged evidence: a truncated copy and one with a corrupted chunk"
mkdir -p "$out/damaged"
size=$(stat -c %s "$out/logs/Security.evtx")
head -c $((size / 2 + 12345)) "$out/logs/Security.evtx" >"$out/damaged/Security-truncated.evtx"
cp "$out/logs/Sysmon.evtx" "$out/damaged/Sysmon-flipped.evtx"
# Overwrite 64 bytes in the middle of the second chunk.
printf '%64s' | tr ' ' 'X' | dd of="$out/damaged/Sysmon-flipped.evtx" bs=1 seek=$((4096 + 65536 + 30000)) conv=notrunc status=none
rc=0
"$vigil" dump "$out/damaged" -o "$out/damaged.jsonl" 2>"$out/damage-report.txt" || rc=$?
echo "exit code $rc (1 = damage found and reported, records around it still read)"
echo "damage report ($out/damage-report.txt):"
sed 's/^/  /' "$out/damage-report.txt" | head -n 12
echo "$(wc -l <"$out/damaged.jsonl") records recovered from the damaged copies"

say "5. Every other log a network has, beside the EVTX: auth.log, an access log, a Zeek conn.log"
mkdir -p "$out/text"
"$vigil" synth-logs --format syslog --bytes 2000000 --seed 2026 -o "$out/text/auth.log" 2>/dev/null
"$vigil" synth-logs --format web --bytes 2000000 --seed 2026 -o "$out/text/access.log" 2>/dev/null
"$vigil" synth-logs --format zeek --bytes 1000000 --seed 2026 -o "$out/text/conn.log" 2>/dev/null
gzip -f "$out/text/access.log"
"$vigil" timeline "$out/logs" "$out/text" -f jsonl -o "$out/timeline.jsonl"
echo "one timeline, sorted by time, formats recognised by content (access.log.gz included):"
python3 - "$out/timeline.jsonl" <<'PY'
import collections, json, sys
counts = collections.Counter(json.loads(line)["channel"] for line in open(sys.argv[1]))
for channel, n in counts.most_common():
    print(f"  {n:>8}  {channel}")
PY

say "Done. Outputs are in $out/"
