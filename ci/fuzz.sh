#!/usr/bin/env bash
# A fuzzing campaign on this machine: builds the fuzz preset (clang-14, libFuzzer, ASan + UBSan)
# if needed, runs each target for SECONDS (default 60) on one core, and merges what it found into
# corpus/<target> (libFuzzer -merge=1: only inputs that add coverage, each minimal for it).
#
#   bash ci/fuzz.sh [SECONDS] [TARGET...]     # TARGET: signal_message, decrypt, ... (default all)
#
# Fails on any crash, failed check, sanitizer finding, leak, timeout (-timeout, per input) or
# out-of-memory (-rss_limit_mb). A failing input is kept under build/fuzz/findings/<target>/ and
# its replay command printed; after fixing, copy it into corpus/<target>/ (named by its SHA-1) so
# that ctest label fuzz-replay keeps replaying it. Prints one row per target: executions per
# second, coverage features, corpus size before and after, inputs merged; the same as JSON in
# build/fuzz/fuzz-report.json. FUZZ_JOBS=N runs N targets at once (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
# Every target fuzz/CMakeLists.txt declares, in its order.
mapfile -t all_targets < <(sed -n 's/^ *ratchetcheck_add_fuzz_target(\([a-z_]*\).*/\1/p' \
  fuzz/CMakeLists.txt)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${all_targets[@]}"); fi
for target in "${targets[@]}"; do
  if ! printf '%s\n' "${all_targets[@]}" | grep -qx "$target"; then
    echo "fuzz: unknown target '$target'; targets: ${all_targets[*]}" >&2
    exit 2
  fi
done

if [ ! -f build/fuzz/CMakeCache.txt ]; then
  cmake --preset fuzz
fi
cmake --build --preset fuzz -j2 >/dev/null

rss_limit_mb=2048
timeout_seconds=10
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_target TARGET: one target's run and merge; leaves its table row in $work/row, its JSON
# object in $work/result.json and "ok" or "FAILED" in $work/status.
run_target() {
  local target=$1
  local binary=build/fuzz/bin/fuzz_$target
  local corpus=corpus/$target
  local work=build/fuzz/campaign/$target
  local findings=build/fuzz/findings/$target
  rm -rf "$work"
  mkdir -p "$work/new" "$findings" "$corpus"
  local options=()
  local max_len
  max_len=$(sed -n 's/^max_len *= *//p' "fuzz/$target.options" 2>/dev/null || true)
  if [ -n "$max_len" ]; then options+=("-max_len=$max_len"); fi
  if [ -f "fuzz/$target.dict" ]; then options+=("-dict=fuzz/$target.dict"); fi
  local before
  before=$(find "$corpus" -type f | wc -l)
  local command=("$binary" "-max_total_time=$seconds" "-rss_limit_mb=$rss_limit_mb"
                 "-timeout=$timeout_seconds" "-print_final_stats=1" "-artifact_prefix=$findings/"
                 "${options[@]}" "$work/new" "$corpus")
  echo "== $target: ${command[*]}"
  local status=0
  "${command[@]}" >"$work/log" 2>&1 || status=$?
  local executions_per_second features executions
  executions_per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  features=$(grep -o ' ft: [0-9]*' "$work/log" | tail -1 | grep -o '[0-9]*' || true)
  local after=$before result=ok
  if [ "$status" -ne 0 ]; then
    result=FAILED
    local artifact
    artifact=$(grep -o "Test unit written to [^ ]*" "$work/log" | tail -1 | sed 's/Test unit written to //')
    grep -E 'CHECK FAILED|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' \
      "$work/log" | head -5 >&2 || true
    echo "fuzz: $target FAILED (exit $status); log: $work/log" >&2
    if [ -n "$artifact" ]; then
      echo "  reproducer: $artifact" >&2
      echo "  replay:     $binary $artifact" >&2
      echo "  without libFuzzer: build/default/bin/fuzz_$target $artifact" >&2
      echo "  keep it:    cp $artifact $corpus/\$(sha1sum < $artifact | cut -d' ' -f1)" >&2
    fi
  else
    # Only inputs that add coverage join the corpus, each the smallest that gives it.
    local merge=("$binary" -merge=1 "-rss_limit_mb=$rss_limit_mb" "-timeout=$timeout_seconds"
                 "${options[@]}" "$corpus" "$work/new")
    if ! "${merge[@]}" >"$work/merge.log" 2>&1; then
      echo "fuzz: merging into $corpus failed; log: $work/merge.log; re-run: ${merge[*]}" >&2
      result=FAILED
    fi
    after=$(find "$corpus" -type f | wc -l)
  fi
  printf '%-24s %10s %10s %8s %8s %8s  %s' "$target" "${executions_per_second:--}" \
    "${features:--}" "$before" "$after" "$((after - before))" "$result" >"$work/row"
  printf '{"target": "%s", "seconds": %s, "executions": %s, "exec_per_second": %s, "features": %s, "corpus_before": %s, "corpus_after": %s, "new_inputs": %s, "result": "%s", "command": "%s"}' \
    "$target" "$seconds" "${executions:-null}" "${executions_per_second:-null}" "${features:-null}" \
    "$before" "$after" "$((after - before))" "$result" "bash ci/fuzz.sh $seconds $target" \
    >"$work/result.json"
  echo "$result" >"$work/status"
  echo "== $target: $result (${executions_per_second:--} exec/s, ${features:--} features)"
}

# FUZZ_JOBS targets run at once (default 1: the exec/s figures are per core only when each
# target has one to itself).
jobs=${FUZZ_JOBS:-1}
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_target "$target" &
done
wait

rows=()
failed=()
results=()
for target in "${targets[@]}"; do
  work=build/fuzz/campaign/$target
  rows+=("$(cat "$work/row" 2>/dev/null || printf '%-24s  FAILED (no result)' "$target")")
  results+=("$(cat "$work/result.json" 2>/dev/null || printf '{"target": "%s", "result": "FAILED"}' "$target")")
  if [ "$(cat "$work/status" 2>/dev/null)" != ok ]; then failed+=("$target"); fi
done
# The machine-readable table (read by `ratchetcheck evidence`).
{
  printf '{"format": "ratchetcheck-fuzz-report/1", "seconds_per_target": %s, "jobs": %s, "sanitizers": "address;undefined", "targets": [\n' "$seconds" "$jobs"
  for index in "${!results[@]}"; do
    separator=","
    if [ "$index" -eq $((${#results[@]} - 1)) ]; then separator=""; fi
    printf '  %s%s\n' "${results[$index]}" "$separator"
  done
  printf ']}\n'
} >build/fuzz/fuzz-report.json

echo
echo "fuzz campaign: ${seconds} s per target, ASan + UBSan, ${jobs} target(s) at a time"
printf '%-24s %10s %10s %8s %8s %8s  %s\n' target exec/s features corpus0 corpus1 new result
printf '%s\n' "${rows[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}; re-run: bash ci/fuzz.sh $seconds ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no finding; new inputs merged into corpus/<target> (commit them)"
