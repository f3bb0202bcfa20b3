#!/usr/bin/env bash
# A fuzzing campaign on this machine: builds the fuzz preset (clang-14, libFuzzer, ASan + UBSan)
# if needed, runs each target for SECONDS (default 60) on one core, and merges what it found into
# corpus/<target> (libFuzzer -merge=1: only inputs that add coverage, each minimal for it).
#
#   bash ci/fuzz.sh [SECONDS] [TARGET...]     # TARGET: signal_message, decrypt, ... (default all)
#   bash ci/fuzz.sh record-fix FINDING_ID FIX_COMMIT REGRESSION_INPUT
#
# Every campaign appends one line per target to the campaign ledger, corpus/fuzz-ledger.jsonl
# (committed, append-only; docs/fuzzing.md "The campaign ledger"), and one `finding` line per
# failing input. A finding's fix is recorded later by `record-fix`, which appends a `fix` line
# naming the finding, the commit that fixed it and the corpus file that replays it: lines are
# never rewritten.
#
# Environment: FUZZ_JOBS=N runs N targets at once (default 1); FUZZ_LEDGER=FILE appends to another
# ledger (tests use a scratch one); FUZZ_CORPUS_ROOT=DIR reads and merges corpora there instead of
# corpus/; FUZZ_OUTPUT=DIR writes campaign/, findings/ and fuzz-report.json there instead of
# build/fuzz; FUZZ_NO_BUILD=1 uses build/fuzz as it is (`ratchetcheck evidence` builds it itself).
#
# Fails on any crash, failed check, sanitizer finding, leak, timeout (-timeout, per input) or
# out-of-memory (-rss_limit_mb). A failing input is kept under build/fuzz/findings/<target>/ and
# its replay command printed; after fixing, copy it into corpus/<target>/ (named by its SHA-1) so
# that ctest label fuzz-replay keeps replaying it. Prints one row per target: executions per
# second, coverage features, corpus size before and after, inputs merged; the same as JSON in
# build/fuzz/fuzz-report.json. FUZZ_JOBS=N runs N targets at once (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

ledger=${FUZZ_LEDGER:-corpus/fuzz-ledger.jsonl}
corpus_root=${FUZZ_CORPUS_ROOT:-corpus}
output=${FUZZ_OUTPUT:-build/fuzz}

# record-fix: the follow-up line that closes a finding (the ledger is append-only).
if [ "${1:-}" = record-fix ]; then
  if [ $# -ne 4 ]; then
    echo "usage: bash ci/fuzz.sh record-fix FINDING_ID FIX_COMMIT REGRESSION_INPUT" >&2
    exit 2
  fi
  if ! grep -q "\"kind\": \"finding\", \"id\": \"$2\"" "$ledger" 2>/dev/null; then
    echo "fuzz: no finding '$2' in $ledger" >&2
    exit 2
  fi
  if [ ! -f "$4" ]; then
    echo "fuzz: regression input '$4' does not exist (copy the input into corpus/<target>/ first)" >&2
    exit 2
  fi
  fix_commit=$(git rev-parse --verify "$3^{commit}") || { echo "fuzz: '$3' is not a commit" >&2; exit 2; }
  python3 - "$ledger" "$2" "$fix_commit" "$4" <<'PYTHON'
import datetime, json, sys
ledger, finding, commit, regression_input = sys.argv[1:]
entry = {"format": "ratchetcheck-fuzz-ledger/1", "kind": "fix", "finding": finding,
         "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
         "fix_commit": commit, "regression_input": regression_input, "source": "ci/fuzz.sh record-fix"}
with open(ledger, "a") as out:
    out.write(json.dumps(entry) + "\n")
PYTHON
  echo "fuzz: fix of $2 recorded in $ledger"
  exit 0
fi

seconds=60
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
# Every target fuzz/CMakeLists.txt declares, in its order.
mapfile -t all_targets < <(sed -n 's/^ *ratchetcheck_add_fuzz_target(\([a-z0-9_]*\).*/\1/p' \
  fuzz/CMakeLists.txt)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${all_targets[@]}"); fi
for target in "${targets[@]}"; do
  if ! printf '%s\n' "${all_targets[@]}" | grep -qx "$target"; then
    echo "fuzz: unknown target '$target'; targets: ${all_targets[*]}" >&2
    exit 2
  fi
done

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  if [ ! -f build/fuzz/CMakeCache.txt ]; then
    cmake --preset fuzz
  fi
  cmake --build --preset fuzz -j2 >/dev/null
fi
campaign_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
campaign_commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  campaign_commit="$campaign_commit-dirty"
fi

rss_limit_mb=2048
timeout_seconds=10
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_target TARGET: one target's run and merge; leaves its table row in $work/row, its JSON
# object in $work/result.json and "ok" or "FAILED" in $work/status.
run_target() {
  local target=$1
  local binary=build/fuzz/bin/fuzz_$target
  local corpus=$corpus_root/$target
  local work=$output/campaign/$target
  local findings=$output/findings/$target
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
  local started=$SECONDS
  "${command[@]}" >"$work/log" 2>&1 || status=$?
  # The seconds it ran, not the budget: a run that stops at its first finding fuzzed for less,
  # and the ledger's core-hours must not count the rest (at least 1, at most the budget).
  local ran=$((SECONDS - started))
  if [ "$ran" -gt "$seconds" ]; then ran=$seconds; fi
  if [ "$ran" -lt 1 ]; then ran=1; fi
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
      local sha1 summary
      sha1=$(sha1sum <"$artifact" | cut -d' ' -f1)
      summary=$(grep -m1 -E 'CHECK FAILED|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' \
        "$work/log" || echo "exit status $status")
      python3 - "$target-${sha1:0:12}" "$target" "$artifact" "$corpus/$sha1" "$summary" \
        >"$work/finding.json" <<'PYTHON'
import json, sys
finding, target, artifact, keep_as, summary = sys.argv[1:]
print(json.dumps({"id": finding, "target": target, "input": artifact, "keep_as": keep_as,
                  "summary": summary.strip()[:300]}))
PYTHON
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
    "$target" "$ran" "${executions:-null}" "${executions_per_second:-null}" "${features:-null}" \
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
  work=$output/campaign/$target
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
} >"$output/fuzz-report.json"

# The campaign ledger: one line per target, then one per finding (append-only).
finding_files=()
for target in "${targets[@]}"; do
  if [ -f "$output/campaign/$target/finding.json" ]; then
    finding_files+=("$output/campaign/$target/finding.json")
  fi
done
python3 - "$ledger" "$campaign_date" "$campaign_commit" "$jobs" "$output/fuzz-report.json" \
  "${finding_files[@]}" <<'PYTHON'
import json, sys
ledger, date, commit, jobs, report = sys.argv[1:6]
findings = [json.load(open(path)) for path in sys.argv[6:]]
lines = []
for result in json.load(open(report))["targets"]:
    target = result["target"]
    own = [finding for finding in findings if finding["target"] == target]
    lines.append({"format": "ratchetcheck-fuzz-ledger/1", "kind": "campaign", "campaign": date,
                  "date": date, "commit": commit, "target": target,
                  "seconds": result.get("seconds"), "executions": result.get("executions"),
                  "exec_per_second": result.get("exec_per_second"),
                  "features": result.get("features"), "corpus_before": result.get("corpus_before"),
                  "corpus_after": result.get("corpus_after"), "sanitizers": "address;undefined",
                  "jobs": int(jobs), "result": "ok" if result.get("result") == "ok" else "finding",
                  "findings": [finding["id"] for finding in own], "source": "ci/fuzz.sh"})
for finding in findings:
    lines.append({"format": "ratchetcheck-fuzz-ledger/1", "kind": "finding", "id": finding["id"],
                  "campaign": date, "date": date, "commit": commit, "target": finding["target"],
                  "summary": finding["summary"], "input": finding["input"],
                  "keep_as": finding["keep_as"], "source": "ci/fuzz.sh"})
with open(ledger, "a") as out:
    for line in lines:
        out.write(json.dumps(line) + "\n")
PYTHON

echo
echo "fuzz campaign: ${seconds} s per target, ASan + UBSan, ${jobs} target(s) at a time"
printf '%-24s %10s %10s %8s %8s %8s  %s\n' target exec/s features corpus0 corpus1 new result
printf '%s\n' "${rows[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}; re-run: bash ci/fuzz.sh $seconds ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no finding; new inputs merged into $corpus_root/<target> and the campaign appended to $ledger (commit both)"
