#!/usr/bin/env bash
# The ctests of the pack's fuzzing depth (tests/evidence/CMakeLists.txt):
#   depth_test.sh SCENARIO RATCHETCHECK BUILD_DIR SHARED_DIR WORK_DIR SOURCE_DIR
# SCENARIO is one of
#   fuzz_sh_appends_to_ledger      ci/fuzz.sh, 1 s on signal_message into a scratch ledger,
#                                  corpus and output (FUZZ_LEDGER, FUZZ_CORPUS_ROOT, FUZZ_OUTPUT):
#                                  one campaign line with this commit and libFuzzer's figures;
#                                  record-fix appends a fix line, refuses an unknown finding; the
#                                  earlier lines are left as they were. Skipped (77) without a
#                                  libFuzzer build in SOURCE_DIR/build/fuzz.
#   fuzzing_section_lists_findings a scratch ledger (RATCHETCHECK_FUZZ_LEDGER) with two
#                                  campaigns, a fixed finding and an open one: report.json's
#                                  `fuzzing` gives the core-hours and both findings, the fixed one
#                                  with its commit and regression input; report.html lists them
#   replay_and_fuzz_chips_distinct the corpus replayed (--only fuzz-replay), no fuzz run
#                                  (--fuzz-seconds 0 is the mode default of --quick): each fuzz
#                                  annotation gives a replay:<target> chip that passed and a
#                                  fuzz:<target> chip not run, each with its own colour class
set -euo pipefail
scenario=$1 ratchetcheck=$2 build=$3 shared=$4 work=$5 source=$6
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=tests/evidence/evidence_common.sh
source "$(dirname "$0")/evidence_common.sh"

# json_query FILE EXPRESSION: python3 evaluates EXPRESSION with `data` the parsed FILE (or, for a
# .jsonl file, the list of its lines' objects) and prints the result.
json_query() {
  python3 - "$1" "$2" <<'PYTHON'
import json, sys
path, expression = sys.argv[1], sys.argv[2]
text = open(path).read()
data = [json.loads(line) for line in text.splitlines() if line] if path.endswith(".jsonl") else json.loads(text)
print(eval(expression))
PYTHON
}

case "$scenario" in
fuzz_sh_appends_to_ledger)
  if [ ! -x "$source/build/fuzz/bin/fuzz_signal_message" ]; then
    echo "no libFuzzer build in $source/build/fuzz (ratchetcheck evidence or cmake --preset fuzz builds it)"
    exit 77
  fi
  ledger=$work/ledger.jsonl
  # An earlier line, which the campaign must leave as it was.
  echo '{"format": "ratchetcheck-fuzz-ledger/1", "kind": "finding", "id": "signal_message-000000000000", "target": "signal_message", "summary": "planted by the test"}' >"$ledger"
  before=$(sha256sum <"$ledger")
  mkdir -p "$work/corpus"
  cp -r "$source/corpus/signal_message" "$work/corpus/"
  FUZZ_NO_BUILD=1 FUZZ_LEDGER=$ledger FUZZ_CORPUS_ROOT=$work/corpus FUZZ_OUTPUT=$work/output \
    bash "$source/ci/fuzz.sh" 1 signal_message >"$work/fuzz.log" 2>&1 ||
    { cat "$work/fuzz.log"; fail "ci/fuzz.sh 1 signal_message failed"; }
  cat "$work/fuzz.log"
  [ "$(wc -l <"$ledger")" -eq 2 ] || fail "ci/fuzz.sh appended $(($(wc -l <"$ledger") - 1)) lines, not 1"
  [ "$(head -1 "$ledger" | sha256sum)" = "$before" ] || fail "the earlier ledger line changed"
  commit=$(git -C "$source" rev-parse HEAD)
  [ "$(json_query "$ledger" 'data[1]["kind"], data[1]["target"], data[1]["seconds"], data[1]["result"]')" = \
    "('campaign', 'signal_message', 1, 'ok')" ] || fail "the campaign line is not signal_message's 1 s run: $(tail -1 "$ledger")"
  json_query "$ledger" 'data[1]["commit"]' | grep -q "^$commit" || fail "the campaign line names no commit $commit"
  for field in executions exec_per_second features corpus_before corpus_after; do
    [ "$(json_query "$ledger" "isinstance(data[1][\"$field\"], int) and data[1][\"$field\"] >= 0")" = True ] ||
      fail "the campaign line has no number for $field: $(tail -1 "$ledger")"
  done
  # The fix of a finding: a new line naming it.
  # The first entry by a glob, not `ls | head -1`: under pipefail, ls killed by SIGPIPE when head
  # exits first fails the script, at random (the CI failure of c116039).
  entries=("$work/corpus/signal_message"/*)
  regression=${entries[0]}
  FUZZ_LEDGER=$ledger bash "$source/ci/fuzz.sh" record-fix signal_message-000000000000 HEAD "$regression" ||
    fail "record-fix refused a recorded finding"
  [ "$(json_query "$ledger" 'data[2]["kind"], data[2]["finding"], data[2]["fix_commit"]')" = \
    "('fix', 'signal_message-000000000000', '$commit')" ] || fail "no fix line: $(tail -1 "$ledger")"
  if FUZZ_LEDGER=$ledger bash "$source/ci/fuzz.sh" record-fix no-such-finding HEAD "$regression" 2>/dev/null; then
    fail "record-fix accepted a finding the ledger does not hold"
  fi
  [ "$(wc -l <"$ledger")" -eq 3 ] || fail "a refused record-fix wrote to the ledger"
  echo "ledger: campaign line appended by ci/fuzz.sh, fix line by record-fix, earlier line kept"
  ;;
fuzzing_section_lists_findings)
  ledger=$work/ledger.jsonl
  entries=("$source/corpus/decrypt"/*)
  regression=corpus/decrypt/${entries[0]##*/}
  cat >"$ledger" <<JSONL
{"format": "ratchetcheck-fuzz-ledger/1", "kind": "campaign", "date": "2026-01-01T00:00:00Z", "commit": "c0ffee", "target": "decrypt", "seconds": 1800, "executions": 1000, "exec_per_second": 1, "features": 42, "corpus_before": 1, "corpus_after": 2, "result": "finding", "findings": ["decrypt-aaaaaaaaaaaa"], "source": "test"}
{"format": "ratchetcheck-fuzz-ledger/1", "kind": "finding", "id": "decrypt-aaaaaaaaaaaa", "target": "decrypt", "summary": "planted finding that was fixed", "input": "build/fuzz/findings/decrypt/crash-a", "source": "test"}
{"format": "ratchetcheck-fuzz-ledger/1", "kind": "campaign", "date": "2026-01-02T00:00:00Z", "commit": "c0ffee", "target": "decrypt", "seconds": 1800, "executions": 2000, "exec_per_second": 1, "features": 43, "corpus_before": 2, "corpus_after": 2, "result": "finding", "findings": ["decrypt-bbbbbbbbbbbb"], "source": "test"}
{"format": "ratchetcheck-fuzz-ledger/1", "kind": "finding", "id": "decrypt-bbbbbbbbbbbb", "target": "decrypt", "summary": "planted finding still open", "input": "build/fuzz/findings/decrypt/crash-b", "source": "test"}
{"format": "ratchetcheck-fuzz-ledger/1", "kind": "fix", "finding": "decrypt-aaaaaaaaaaaa", "fix_commit": "feedface", "regression_input": "$regression", "source": "test"}
JSONL
  set +e
  RATCHETCHECK_FUZZ_LEDGER=$ledger "$ratchetcheck" evidence --only vectors --build-dir "$build" \
    --shared-dir "$shared" --out "$work/pack" >"$work/pack.log" 2>&1
  status=$?
  set -e
  cat "$work/pack.log"
  [ "$status" -ne 2 ] || fail "evidence could not write the pack"
  report=$work/pack/report.json
  [ "$(json_query "$report" 'round(data["fuzzing"]["total_core_hours"], 3)')" = 1.0 ] ||
    fail "total core-hours is not 1.0: $(json_query "$report" 'data["fuzzing"]')"
  [ "$(json_query "$report" '[(f["id"], f["status"]) for f in data["fuzzing"]["findings"]]')" = \
    "[('decrypt-aaaaaaaaaaaa', 'fixed'), ('decrypt-bbbbbbbbbbbb', 'open')]" ] ||
    fail "the findings are not listed with their status: $(json_query "$report" 'data["fuzzing"]["findings"]')"
  [ "$(json_query "$report" 'data["fuzzing"]["findings"][0]["fix"]["fix_commit"], data["fuzzing"]["findings"][0]["regression_input_present"]')" = \
    "('feedface', True)" ] || fail "the fixed finding lacks its fix commit or regression input"
  [ "$(json_query "$report" '[t["last_campaign"]["executions"] for t in data["fuzzing"]["targets"] if t["target"] == "decrypt"]')" = "[2000]" ] ||
    fail "decrypt's last campaign is not the second one"
  html=$work/pack/report.html
  grep -q 'decrypt-aaaaaaaaaaaa' "$html" || fail "report.html does not list the fixed finding"
  grep -q '<code>feedface</code>' "$html" || fail "report.html does not give the fix commit"
  grep -q "<code>$regression</code>" "$html" || fail "report.html does not give the regression input"
  grep -q 'decrypt-bbbbbbbbbbbb' "$html" || fail "report.html does not list the open finding"
  grep -q 'open: no fix recorded' "$html" || fail "report.html does not mark the open finding"
  echo "fuzzing section: 1.00 core-hours, a fixed finding with its fix and input, an open one"
  ;;
replay_and_fuzz_chips_distinct)
  set +e
  "$ratchetcheck" evidence --only fuzz-replay --build-dir "$build" --shared-dir "$shared" \
    --out "$work/pack" >"$work/pack.log" 2>&1
  status=$?
  set -e
  cat "$work/pack.log"
  [ "$status" -ne 2 ] || fail "evidence could not write the pack"
  report=$work/pack/report.json
  chips=$(json_query "$report" 'sorted({(c["check"], c["result"]) for row in data["traceability"]["functions"] for c in row["checks"] if c["check"].split(":")[0] in ("replay", "fuzz") and c["check"].endswith(":decrypt")})')
  [ "$chips" = "[('fuzz:decrypt', 'not_run'), ('replay:decrypt', 'pass')]" ] ||
    fail "decrypt's chips are not a passed replay and a fuzz run not run: $chips"
  html=$work/pack/report.html
  grep -q 'class="chip pass replay"[^>]*>replay:decrypt<' "$html" || fail "no replay chip with its colour class"
  grep -q 'class="chip not_run fuzz"[^>]*>fuzz:decrypt<' "$html" || fail "no fuzz chip with its colour class"
  echo "chips: replay:decrypt passed, fuzz:decrypt not run, each with its own class"
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac
