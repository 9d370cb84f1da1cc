#!/usr/bin/env bash
# Writes the seeds of the ruleset_cache fuzz target: compiled rule-set cache
# files (src/detect/cache.h) of a few small hand-written rule sets, made by
# `vigil hunt --cache-dir`, into fuzz/corpus/ruleset_cache/.
#
#   bash fuzz/make_cache_seeds.sh BUILD_DIR
#
# Run it again when the cache format changes (kFormatVersion in
# src/detect/cache.cc): seeds of an older format only reach the header check.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: bash fuzz/make_cache_seeds.sh BUILD_DIR" >&2
  exit 2
fi
vigil=$(cd "$1" && pwd)/src/cli/vigil
[ -x "$vigil" ] || { echo "make_cache_seeds.sh: $vigil is missing" >&2; exit 2; }
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
out="$fuzz_dir/corpus/ruleset_cache"
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-cache-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/empty"

# One rule per document; $1 = number, $2 = logsource lines, $3 = detection lines.
rule() {
  printf 'title: Seed %s\nid: 40000000-0000-4000-8000-%012d\nname: seed_%s\n' "$1" "$1" "$1"
  printf 'author: Fuzz Seeds\nlevel: high\ntags: [attack.t1059]\nlogsource:\n%s\ndetection:\n%s\n' \
    "$2" "$3"
}
process='    product: windows
    category: process_creation'

mkdir -p "$work/one"
rule 1 "$process" "    sel:
        Image|endswith: '\\cmd.exe'
    condition: sel" >"$work/one/one.yml"

mkdir -p "$work/probes"
{
  n=10
  for detection in \
    "    sel:
        Image: 'C:\\Windows\\System32\\cmd.exe'
    condition: sel" \
    "    sel:
        CommandLine|contains|all: ['whoami', '/all']
    condition: sel" \
    "    sel:
        CommandLine: '*who?mi*-a?l*'
    condition: sel" \
    "    sel:
        CommandLine|re|i: 'w[h]oami\\s+/(all|priv)'
    condition: sel" \
    "    sel:
        CommandLine|re: '.{20,}'
    condition: sel" \
    "    sel:
        - CommandLine|re: '\\w\`\\w'
        - CommandLine|re: '(?U)x[0-9]+y'
    condition: sel" \
    "    sel:
        ProcessId|lt: 5000
    condition: sel" \
    "    sel:
        SourceIp|cidr: ['10.0.0.0/8', 'fe80::/10']
    condition: sel" \
    "    sel:
        ParentImage|fieldref: Image
    condition: sel" \
    "    sel:
        CommandLine|windash|contains: ' -all'
    condition: sel" \
    "    sel:
        CommandLine|base64offset|contains: 'http://'
    condition: sel" \
    "    sel:
        UtcTime|hour: 23
    condition: sel" \
    "    sel:
        User|exists: true
    filter:
        Data: null
    condition: sel and not filter" \
    "    a:
        Image|endswith: '\\cmd.exe'
    b:
        CommandLine|contains: 'whoami'
    c:
        User|neq: 'SYSTEM'
    condition: 2 of them or (a and not c)" \
    "    sel:
        EventID: 1
    condition: sel"; do
    rule "$n" "$process" "$detection"
    echo "---"
    n=$((n + 1))
  done
  rule 90 '    product: windows
    service: security' "    keywords:
        - 'mimikatz'
        - 'sekurlsa'
    condition: keywords"
  echo "---"
  rule 91 '    product: nothing_maps_this' "    sel:
        Foo: bar
    condition: sel"
  echo "---"
  rule 92 "$process" "    sel:
        Foo|nosuchmodifier: bar
    condition: sel"
  echo "---"
  printf 'title: Seed filter\nid: 50000000-0000-4000-8000-000000000001\nlogsource:\n%s\n' "$process"
  printf 'filter:\n    rules: [seed_11]\n'
  printf '    selection:\n        User: SYSTEM\n    condition: selection\n'
  echo "---"
  printf 'title: Seed correlation\nid: 60000000-0000-4000-8000-000000000001\nname: many\n'
  printf 'correlation:\n    type: value_count\n    rules: [seed_11, seed_12]\n'
  printf '    group-by: [Computer]\n    timespan: 5m\n    condition:\n        gte: 2\n'
  printf '        field: User\nlevel: critical\n'
} >"$work/probes/probes.yml"

mkdir -p "$work/expand"
rule 200 "$process" "    sel:
        User|expand: '%Administrators%'
    condition: sel" >"$work/expand/expand.yml"
printf "Administrators: ['adm_*', 'root']\n" >"$work/expand/config.yml"

seed() {
  local name=$1
  shift
  local cache="$work/cache-$name"
  "$vigil" hunt "$work/empty" --cache-dir "$cache" -q -o /dev/null "$@" 2>/dev/null || true
  local file
  file=$(find "$cache" -name '*.vrc' | head -n 1)
  [ -n "$file" ] || { echo "make_cache_seeds.sh: no cache file for $name" >&2; exit 1; }
  cp "$file" "$out/$name.vrc"
  # The key (header bytes 16-47) depends on the build: zeroed, the seeds are
  # the same whatever binary made them (the fuzz target checks no key).
  head -c 32 /dev/zero | dd of="$out/$name.vrc" bs=1 seek=16 conv=notrunc status=none
  chmod 644 "$out/$name.vrc"
  echo "make_cache_seeds.sh: $name.vrc ($(wc -c <"$file") bytes)"
}

seed one -r "$work/one"
seed probes -r "$work/probes"
seed expand -r "$work/expand/expand.yml" --config "$work/expand/config.yml"
seed both -r "$work/one" -r "$work/expand/expand.yml" --config "$work/expand/config.yml"
