#!/usr/bin/env bash
# The pictures of the evidence pack carry information (issue 22 part 6; tests/evidence/
# CMakeLists.txt):
#   pictures_test.sh RATCHETCHECK BUILD_DIR SHARED_DIR WORK_DIR
# On a fast pack (`--only vectors`, whose verdict is INCOMPLETE: the exit status is not asserted):
# - `ratchetcheck replay --json` gives, per op, the message header (ratchet key prefix, N, PN)
#   and the expected and actual outcomes;
# - every sequence chart shows the run's limits, message headers (N=, PN=, rk) and sizes, and on
#   the failing op the expected outcome beside what was got;
# - the state machine's dot source says it was derived from the model, names the commit, and
#   holds the transitions a reader looks for (session start, DH step, the PreKey fallback);
# - its session-record table, derived from this build by `ratchetcheck session-records`, holds
#   archived sessions, the promotion of one and the replacement of the current session.
set -euo pipefail
ratchetcheck=$1 build=$2 shared=$3 work=$4
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=tests/evidence/evidence_common.sh
source "$(dirname "$0")/evidence_common.sh"

# The replay's JSON mode, on a committed witness trace.
trace="$source_dir/corpus/traces/witness-forward-jump-bound.json"
"$ratchetcheck" replay --json "$trace" >"$work/replay.json" || fail "replay --json did not agree"
python3 - "$work/replay.json" <<'PY' || fail "replay --json lacks headers or outcomes"
import json, sys
document = json.load(open(sys.argv[1]))
assert document["format"] == "ratchetcheck-replay/1", document.get("format")
assert document["setup"]["max_forward_jump"] == 2
sends = [op for op in document["ops"] if op["op"] == "send"]
assert sends and all(len(op["header"]["ratchet_key_prefix"]) == 8 for op in sends), sends
assert [op["header"]["counter"] for op in sends] == [0, 1, 2, 3], sends
assert all(op["header"]["previous_counter"] == 0 and op["plaintext_bytes"] == 4 for op in sends)
last = document["ops"][-1]
assert last["expected"] == "too_far_ahead" and last["implementation"] == "too_far_ahead", last
assert document["result"].startswith("agreed"), document["result"]
PY

set +e
"$ratchetcheck" evidence --only vectors --build-dir "$build" --shared-dir "$shared" \
  --out "$work/pack" >"$work/pack.log" 2>&1
status=$?
set -e
cat "$work/pack.log"
[ "$status" -le 3 ] || fail "evidence exited $status"

# Sequence charts: one per committed witness and mutant trace, each with the information.
charts=("$work"/pack/charts/*.svg)
[ "${#charts[@]}" -ge 10 ] || fail "only ${#charts[@]} sequence charts"
for chart in "${charts[@]}"; do
  name=$(basename "$chart")
  grep -q 'limits of the run: max_forward_jump' "$chart" || fail "$name: no limits of the run"
  grep -Eq '\[rk [^]]+ N=[0-9]+ PN=[0-9]+\]' "$chart" || fail "$name: no message header"
  # A trace that sends has headers read from the bytes: the ratchet key's first 4 bytes.
  if grep -q '"op":"send"' "$source_dir/corpus/traces/${name%.svg}.json"; then
    grep -Eq '\[rk [0-9a-f]{8} N=[0-9]+ PN=[0-9]+\]' "$chart" ||
      fail "$name: no header read from a message's bytes"
  fi
  grep -q 'B ciphertext' "$chart" || fail "$name: no payload size"
  grep -q 'expected (specified model): ' "$chart" || fail "$name: failing op without expected"
  grep -q 'got (this build&#39;s implementation): ' "$chart" ||
    fail "$name: failing op without what this build got"
  grep -Eq 'got (on the mutant|under the broken variant): ' "$chart" ||
    fail "$name: failing op without what the broken variant or mutant got"
done
grep -q 'got on the mutant: #3 deliver 1' "$work/pack/charts/mutant-previous_counter_wrong.svg" ||
  fail "the previous_counter_wrong chart does not say what the mutant got"
grep -Eq 'm1 \[rk [0-9a-f]{8} N=0 PN=0\]' "$work/pack/charts/mutant-previous_counter_wrong.svg" ||
  fail "the previous_counter_wrong chart does not show the header of Bob's reply"
# The report's page carries the same charts.
grep -q 'expected (specified model): ' "$work/pack/report.html" || fail "report.html: no expected"
grep -Eq 'N=[0-9]+ PN=[0-9]+' "$work/pack/report.html" || fail "report.html: no header"

# The state machine: derived from the model, labelled with its source and commit.
dot="$work/pack/state-machine.dot"
[ -s "$dot" ] || fail "no state-machine.dot"
grep -q 'Derived, not drawn: model/include/ratchetcheck/model/transitions.hpp' "$dot" ||
  fail "the state machine does not say it is derived from the model"
grep -q 'derive_state_machine' "$dot" || fail "the state machine does not name its deriver"
commit=$(git -C "$source_dir" rev-parse HEAD 2>/dev/null || echo unknown)
grep -q "source commit $commit" "$dot" || fail "the state machine does not name commit $commit"
for transition in "process the peer's prekey bundle (X3DH)" \
  'PreKeySignalMessage: X3DH, new session' 'SignalMessage, new ratchet key:\nDH step'; do
  grep -qF "$transition" "$dot" || fail "the state machine lacks \"$transition\""
done
# The PreKey fallback: a message whose base key was altered is accepted by the current session.
grep -Eq 'base key altered: fallback to the current session → [a-z_ |]*ok' "$dot" ||
  fail "the state machine lacks the PreKey fallback accepting a message"
# The session record, which the model does not hold, derived from this build's Party: archived
# sessions, the promotion of one whose message decrypts, the replacement of the current session.
"$ratchetcheck" session-records --max-ops 5 >"$work/records.json" || fail "session-records failed"
python3 - "$work/records.json" <<'PY' || fail "session-records lacks archive, promotion or replacement"
import json, sys
document = json.load(open(sys.argv[1]))
assert document["format"] == "ratchetcheck-session-records/1", document.get("format")
events = {(edge["event"], edge["outcome"], edge["to"]) for edge in document["edges"]}
assert ("SignalMessage of an archived session: promoted to current", "ok",
        "current session established\n+ archived sessions") in events, events
assert ("PreKeySignalMessage of a new session: replaces the current", "ok",
        "current session established\n+ archived sessions") in events, events
PY
grep -q 'subgraph cluster_records' "$dot" || fail "the state machine has no session-record table"
for transition in 'SignalMessage of an archived session: promoted to current' \
  'PreKeySignalMessage of a new session: replaces the current' 'cli/session_records_command.cpp'; do
  grep -qF "$transition" "$dot" || fail "the session-record table lacks \"$transition\""
done
echo "pictures: replay --json headers, ${#charts[@]} charts with headers, sizes, limits and" \
  "expected vs got, and a state machine derived from the model at $commit"
