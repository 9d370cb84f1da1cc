#!/usr/bin/env bash
# Runs vigil's libFuzzer targets (built by `make fuzz-build`).
#
#   bash fuzz/run.sh BUILD_DIR replay   # CI: replay the kept inputs, then fuzz briefly
#   bash fuzz/run.sh BUILD_DIR fuzz     # a longer session; new inputs join fuzz/corpus
#
# replay: every target runs over fuzz/corpus/<target>/ and each input of
#   fuzz/regressions/<target>/, then fuzzes for what is left of FUZZ_SECONDS
#   (default 60 per target, replay included) with a fixed seed. New inputs go
#   to a temporary folder: the work tree stays clean. Up to FUZZ_SHARED_SEEDS
#   (default 40) files of ../shared/corpus serve as extra, read-only seeds.
# fuzz: fuzzes FUZZ_SECONDS (default 600) per target from the kept corpus only
#   (so nothing from ../shared can reach the repository), then merges the
#   inputs that add edge coverage into fuzz/corpus/<target>/ (kept < 2 MiB).
#
# Any crash, sanitizer report, input slower than 10 s or over 2 GB of memory
# fails the run (exit 1); the input is kept under fuzz/regressions/<target>/.
# So does output the targets find wrong (see fuzz_sink.h; VIGIL_FUZZ_STRICT).
# Regression inputs named open-* are known findings not fixed yet: they are
# replayed with every check on and reported, and fail the run only with
# FUZZ_FAIL_ON_OPEN=1. Rename one without open- once fixed.
# Other knobs: FUZZ_TARGETS (default "evtx_chunk evtx_file sigma_rule ruleset_cache inventory",
# notify_template when built, and the text_<format> targets built),
# VIGIL_SHARED_DIR, VIGIL_FUZZ_STRICT (see fuzz_sink.h).
set -euo pipefail

if [ $# -ne 2 ] || { [ "$2" != replay ] && [ "$2" != fuzz ]; }; then
  echo "usage: bash fuzz/run.sh BUILD_DIR replay|fuzz" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
mode=$2
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$fuzz_dir")
shared=${VIGIL_SHARED_DIR:-$repo/../shared}
# Text formats: every text_<format>_fuzz the build made (one per reader built).
text_targets=$(find "$build/fuzz" -maxdepth 1 -name 'text_*_fuzz' -type f -perm -u+x 2>/dev/null |
  sed 's#.*/##; s/_fuzz$//' | LC_ALL=C sort | tr '\n' ' ')
# The notification templates' target exists only where vigil_notify is built.
notify_target=
[ -x "$build/fuzz/notify_template_fuzz" ] && notify_target=notify_template
targets=${FUZZ_TARGETS:-evtx_chunk evtx_file sigma_rule ruleset_cache inventory $notify_target $text_targets}
if [ "$mode" = replay ]; then
  budget=${FUZZ_SECONDS:-60}
  # Text readers are small and many: half the time each keeps CI short.
  text_budget=${FUZZ_TEXT_SECONDS:-30}
  shared_seeds=${FUZZ_SHARED_SEEDS:-40}
else
  budget=${FUZZ_SECONDS:-600}
  text_budget=$budget
  shared_seeds=0
fi

# UBSan only reports by default; a report must stop the run like a crash.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

max_len_of() {
  case $1 in
    evtx_chunk) echo 65536 ;;                 # one chunk
    evtx_file) echo $((4096 + 2 * 65536)) ;;  # file header and two chunks
    sigma_rule) echo 65536 ;;                 # a rule file
    ruleset_cache) echo 131072 ;;             # a cache file of a few rules
    inventory) echo 65536 ;;                  # an inventory file
    notify_template) echo 65536 ;;            # a template (the bundled ones are ~10 KiB)
    text_*) echo 65536 ;;                     # a few hundred log lines
    *) echo "run.sh: unknown target $1" >&2; exit 2 ;;
  esac
}

dict_of() {
  case $1 in
    sigma_rule) echo "$fuzz_dir/sigma.dict" ;;
    ruleset_cache) echo "$fuzz_dir/ruleset_cache.dict" ;;
    inventory) echo "$fuzz_dir/inventory.dict" ;;
    notify_template) echo "$fuzz_dir/notify_template.dict" ;;
    text_*) echo "$fuzz_dir/text.dict" ;;
    *) echo "$fuzz_dir/evtx.dict" ;;
  esac
}

# Extra seeds cut from ../shared into the temporary folder (never the repo):
# whole files for evtx_file, their first chunks for evtx_chunk, SigmaHQ rule
# files for sigma_rule.
shared_seed_dir() {
  local target=$1 out="$work/shared-$1"
  mkdir -p "$out"
  [ "$shared_seeds" -gt 0 ] || { echo "$out"; return; }
  local files=()
  local d
  # ../shared holds no cache files, inventories or templates; their seeds are our own.
  case $target in ruleset_cache | inventory | notify_template) echo "$out"; return ;; esac
  # Text formats: the first 64 KiB of each log sample.
  case $target in
    text_*)
      [ -d "$shared/corpus/logs" ] || { echo "$out"; return; }
      local i=0
      while IFS= read -r f; do
        head -c 65536 "$f" >"$out/$i.log"; i=$((i + 1))
      done < <(find "$shared/corpus/logs" -type f \( -name '*.log' -o -name '*.json' \) | LC_ALL=C sort)
      echo "$out"
      return
      ;;
  esac
  if [ "$target" = sigma_rule ]; then
    [ -d "$shared/corpus/sigma/rules" ] || { echo "$out"; return; }
    while IFS= read -r f; do files+=("$f"); done < <(find "$shared/corpus/sigma/rules" \
      "$shared/corpus/sigma/unsupported" -type f -name '*.yml' 2>/dev/null | LC_ALL=C sort)
    local n=${#files[@]} i=0
    [ "$n" -gt 0 ] || { echo "$out"; return; }
    local step=$(( (n + shared_seeds - 1) / shared_seeds ))
    for ((i = 0; i < n; i += step)); do cp "${files[$i]}" "$out/$i.yml"; done
    echo "$out"
    return
  fi
  for d in "$shared/corpus/evtx" "$shared/corpus/sigma/regression_data"; do
    [ -d "$d" ] || continue
    while IFS= read -r f; do files+=("$f"); done < <(find "$d" -type f -name '*.evtx' | LC_ALL=C sort)
  done
  local n=${#files[@]}
  [ "$n" -gt 0 ] || { echo "$out"; return; }
  local step=$(( (n + shared_seeds - 1) / shared_seeds )) i=0
  for ((i = 0; i < n; i += step)); do
    if [ "$target" = evtx_chunk ]; then
      dd if="${files[$i]}" of="$out/$i.chunk" bs=4096 skip=1 count=16 status=none 2>/dev/null || true
    else
      head -c "$(max_len_of "$target")" "${files[$i]}" >"$out/$i.evtx"
    fi
  done
  echo "$out"
}

failures=0
open_findings=0

# Keeps libFuzzer's artifacts (crash-*, timeout-*, oom-*, leak-*) as regressions.
save_artifacts() {
  local target=$1 artifacts=$2 prefix=$3 log=$4
  local dest="$fuzz_dir/regressions/$target" a base
  mkdir -p "$dest"
  for a in "$artifacts"/*; do
    [ -f "$a" ] || continue
    base=$(basename "$a")
    cp "$a" "$dest/$prefix$base"
    echo "run.sh: $target: failing input saved as fuzz/regressions/$target/$prefix$base" >&2
    echo "run.sh:   reproduce: $build/fuzz/${target}_fuzz fuzz/regressions/$target/$prefix$base" >&2
  done
  rm -f "$artifacts"/*
  report "$log"
}

# The report of a failing run: from the first error line on, without
# libFuzzer's progress lines, long template names cut.
report() {
  echo "----- $1 -----" >&2
  awk '/ERROR|vigil fuzz:|runtime error|HANG|Timeout|out-of-memory|deadly signal/ { on = 1 }
       on && !/^#[0-9]+\t/ { print substr($0, 1, 240); if (++n >= 45) exit }' "$1" >&2 || true
  echo "-----" >&2
}

for target in $targets; do
  binary="$build/fuzz/${target}_fuzz"
  if [ ! -x "$binary" ]; then
    echo "run.sh: $binary is missing: build with 'make fuzz-build'" >&2
    exit 2
  fi
  corpus="$fuzz_dir/corpus/$target"
  regressions="$fuzz_dir/regressions/$target"
  mkdir -p "$corpus"
  artifacts="$work/artifacts-$target"
  mkdir -p "$artifacts"
  max_len=$(max_len_of "$target")
  flags=(-max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -dict="$(dict_of "$target")"
         -artifact_prefix="$artifacts/" -print_final_stats=1)
  started=$(date +%s)

  # 1. The kept corpus.
  log="$work/$target-replay.log"
  if timeout --signal=KILL 1800 "$binary" "${flags[@]}" -runs=0 "$corpus" </dev/null >"$log" 2>&1; then
    echo "run.sh: $target: replayed $(find "$corpus" -type f | wc -l) corpus inputs"
  else
    echo "run.sh: $target: FAILED replaying fuzz/corpus/$target" >&2
    save_artifacts "$target" "$artifacts" "" "$log"
    failures=$((failures + 1))
    continue
  fi

  # 2. Regressions, one by one so each result is known.
  if [ -d "$regressions" ]; then
    replayed=0
    for input in "$regressions"/*; do
      [ -f "$input" ] || continue
      name=$(basename "$input")
      log="$work/$target-regression.log"
      # Open findings may be about output (see fuzz_sink.h): every check is on for them.
      strict=${VIGIL_FUZZ_STRICT:-}
      case $name in open-*) strict=1 ;; esac
      if VIGIL_FUZZ_STRICT=$strict timeout --signal=KILL 600 "$binary" "${flags[@]}" -runs=1 \
          "$input" </dev/null >"$log" 2>&1; then
        replayed=$((replayed + 1))
        case $name in
          open-*) echo "run.sh: $target: open finding $name no longer fails: rename it without 'open-'" ;;
        esac
      else
        rm -f "$artifacts"/*
        case $name in
          open-*)
            open_findings=$((open_findings + 1))
            echo "run.sh: $target: KNOWN OPEN FINDING still fails: fuzz/regressions/$target/$name" >&2
            grep -E 'ERROR|SUMMARY|vigil fuzz:|runtime error|#[0-9]+ 0x.* in vigil' "$log" |
              cut -c1-240 | head -n 12 >&2 || true
            if [ "${FUZZ_FAIL_ON_OPEN:-0}" = 1 ]; then failures=$((failures + 1)); fi
            ;;
          *)
            echo "run.sh: $target: REGRESSION fails again: fuzz/regressions/$target/$name" >&2
            report "$log"
            failures=$((failures + 1))
            ;;
        esac
      fi
    done
    echo "run.sh: $target: replayed $replayed regression inputs cleanly"
  fi

  # 3. A fuzzing session.
  elapsed=$(( $(date +%s) - started ))
  seconds=$budget
  if [ "$mode" = replay ]; then
    seconds=$(( budget - elapsed ))
    case $target in text_*) seconds=$(( text_budget - elapsed )) ;; esac
    [ "$seconds" -ge 10 ] || seconds=10
  fi
  new="$work/new-$target"
  mkdir -p "$new"
  seeds=("$corpus")
  prefix=""
  session=(-max_total_time="$seconds")
  if [ "$mode" = replay ]; then
    extra=$(shared_seed_dir "$target")
    if [ -n "$(ls -A "$extra")" ]; then
      seeds+=("$extra")
      prefix="shared-derived-"
    fi
    session+=(-seed=1)
  fi
  log="$work/$target-fuzz.log"
  if timeout --signal=KILL $((seconds + 600)) "$binary" "${flags[@]}" "${session[@]}" \
      "$new" "${seeds[@]}" </dev/null >"$log" 2>&1; then
    stats=$(grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$log" |
            sed 's/^stat:://' | tr -s ' \n' ' ')
    echo "run.sh: $target: fuzzed ${seconds}s without failure ($stats)"
  else
    echo "run.sh: $target: FAILED while fuzzing" >&2
    save_artifacts "$target" "$artifacts" "$prefix" "$log"
    if [ -n "$prefix" ]; then
      echo "run.sh: the session was seeded from ../shared, so that input may hold its bytes:" \
           "rebuild it by hand before committing it (fuzz/.gitignore keeps it out)" >&2
    fi
    failures=$((failures + 1))
    continue
  fi

  # 4. In fuzz mode, keep what adds coverage.
  if [ "$mode" = fuzz ] && [ -n "$(ls -A "$new")" ]; then
    before=$(find "$corpus" -type f | wc -l)
    log="$work/$target-merge.log"
    # Edge coverage only (no hit counts): keeps the corpus in the repository small.
    if ! "$binary" "${flags[@]}" -merge=1 -use_counters=0 -use_value_profile=0 "$corpus" "$new" \
        </dev/null >"$log" 2>&1; then
      echo "run.sh: $target: FAILED merging new inputs" >&2
      save_artifacts "$target" "$artifacts" "" "$log"
      failures=$((failures + 1))
      continue
    fi
    after=$(find "$corpus" -type f | wc -l)
    echo "run.sh: $target: corpus $before -> $after inputs ($(du -sh "$corpus" | cut -f1))"
  fi
done

if [ "$mode" = fuzz ]; then
  kib=$(du -sk "$fuzz_dir/corpus" | cut -f1)
  if [ "$kib" -gt 2048 ]; then
    echo "run.sh: fuzz/corpus holds ${kib} KiB, over the 2 MiB the repository keeps: minimise it" \
         "(e.g. -merge=1 -use_counters=0 into an empty folder) before committing" >&2
  fi
fi

if [ "$open_findings" -gt 0 ]; then
  echo "run.sh: $open_findings known open finding(s) still fail (see above)" >&2
fi
if [ "$failures" -gt 0 ]; then
  echo "run.sh: $failures failure(s)" >&2
  exit 1
fi
echo "run.sh: all fuzz targets passed ($mode)"
