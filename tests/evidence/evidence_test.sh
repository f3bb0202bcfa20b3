#!/usr/bin/env bash
# The ctests of the evidence pack (tests/evidence/CMakeLists.txt):
#   evidence_test.sh SCENARIO RATCHETCHECK BUILD_DIR SHARED_DIR WORK_DIR
# SCENARIO is one of
#   render_in_chromium               headless Chromium renders report.html; the rendered DOM has
#                                    the verdict, the traceability matrix, the state diagram
#                                    (Graphviz SVG) and a message sequence chart; a screenshot is
#                                    kept in WORK_DIR/report.png
#   failing_check_turns_verdict_red  a copy of the shared transcripts with one plaintext byte
#                                    changed (--shared-dir): exit status 1, verdict FAIL, the
#                                    verdict banner red in the rendered page; --compare against a
#                                    passing pack names the flipped check and signal-v3's row
#   verify_catches_one_byte_change   --verify passes on a fresh pack and fails, naming the file,
#                                    once one byte of report.json is changed
#   default_pack_directory_is_free  BUILD_DIR/evidence (the default --out) holds no build files
#   missing_check_gives_incomplete   checks left out by --only and one that cannot run (valgrind
#                                    hidden from PATH): verdict INCOMPLETE, exit 3, reasons named
#   stale_annotation_fails_traceability  an @evidence annotation naming a test that does not
#                                    exist makes the traceability check fail (exit 1)
#   profiles_never_claim_what_did_not_run  the pack's per-profile section (issue 23): after
#                                    --only vectors, signal-v3's transcripts row is PASS and every
#                                    signal-v4-pqxdh row NOT RUN, neither profile PASS, in
#                                    report.json, report.html and the run's output
#   v4_interop_count_read_from_the_run  the interop check on a stand-in build tree whose two
#                                    random-trace "suites" are shell commands printing the real
#                                    suites' lines (through ctest and its JUnit file, as in a real
#                                    run): with the v4 summary line the v4 traces are counted and
#                                    the v4 row passes; without it, or without the v4 suite, the v4
#                                    row is INCOMPLETE or NOT RUN and the verdict names it
set -euo pipefail
scenario=$1 ratchetcheck=$2 build=$3 shared=$4 work=$5
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=tests/evidence/evidence_common.sh
source "$(dirname "$0")/evidence_common.sh"


# render FILE: the DOM headless Chromium builds from FILE (root needs --no-sandbox).
render() {
  command -v chromium >/dev/null || fail "chromium is not installed (apt-get install -y chromium)"
  HOME="$work" timeout 120 chromium --headless --no-sandbox --disable-gpu --dump-dom \
    "file://$1" 2>"$work/chromium.log"
}

case "$scenario" in
render_in_chromium)
  evidence_run "$work/pack" --shared-dir "$shared"
  # --only vectors leaves the other checks out: INCOMPLETE (exit 3), never PASS.
  [ "$status" -eq 3 ] || fail "evidence --only vectors exited $status, expected 3 (INCOMPLETE)"
  dom=$(render "$work/pack/report.html")
  grep -q 'id="verdict" class="verdict incomplete">Verdict: INCOMPLETE' <<<"$dom" ||
    fail "no INCOMPLETE verdict in the DOM"
  grep -q 'id="verdict-reasons"' <<<"$dom" || fail "the page does not say why it is INCOMPLETE"
  grep -q 'id="traceability-matrix"' <<<"$dom" || fail "no traceability matrix in the DOM"
  grep -q 'T.REPLAY' <<<"$dom" || fail "the matrix lists no threat"
  grep -q 'id="state-machine-diagram"' <<<"$dom" || fail "no state diagram (dot SVG) in the DOM"
  grep -q '<svg[^>]*class="msc"' <<<"$dom" || fail "no message sequence chart in the DOM"
  grep -q 'network (attacker)' <<<"$dom" || fail "the sequence chart has no network lane"
  HOME="$work" timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size=1280,2400 --screenshot="$work/report.png" "file://$work/pack/report.html" \
    2>>"$work/chromium.log" || fail "chromium could not take the screenshot"
  [ -s "$work/report.png" ] || fail "empty screenshot"
  echo "rendered: verdict, traceability matrix, state diagram, sequence charts; $work/report.png"
  ;;
failing_check_turns_verdict_red)
  evidence_run "$work/good" --shared-dir "$shared"
  [ "$status" -eq 3 ] || fail "evidence --only vectors exited $status on the shared transcripts"
  mkdir -p "$work/shared/vectors"
  cp -r "$shared/vectors/signal-v3" "$work/shared/vectors/"
  transcript="$work/shared/vectors/signal-v3/basic_session.json"
  # Alice's first plaintext, one hex digit changed: her encrypt no longer gives the recorded bytes.
  sed -i '0,/"plaintext":"2/s//"plaintext":"3/' "$transcript"
  cmp -s "$transcript" "$shared/vectors/signal-v3/basic_session.json" && fail "the copy was not changed"
  evidence_run "$work/bad" --shared-dir "$work/shared" --compare "$work/good"
  [ "$status" -eq 1 ] || fail "evidence exited $status, expected 1 for a failing check"
  grep -q '^verdict: FAIL' "$work/bad.log" || fail "no FAIL verdict line"
  grep -q 'FAIL basic_session' "$work/bad.log" || fail "the failing transcript is not named"
  grep -q 'check vectors flipped: pass → fail' "$work/bad.log" || fail "--compare did not name the flip"
  grep -q 'verdict incomplete → fail' "$work/bad.log" || fail "--compare did not name the verdict change"
  grep -q 'profile signal-v3 check vectors flipped: pass → fail' "$work/bad.log" ||
    fail "--compare did not name the flip in signal-v3's row"
  grep -q '"verdict": "fail"' "$work/bad/report.json" || fail "report.json does not say fail"
  dom=$(render "$work/bad/report.html")
  grep -q 'id="verdict" class="verdict fail">Verdict: FAIL' <<<"$dom" || fail "the rendered verdict is not FAIL"
  grep -q '.verdict.fail { background: #c62828; }' "$work/bad/report.html" || fail "the FAIL banner is not red"
  echo "a failing transcript: exit 1, verdict FAIL (red), --compare names the flip"
  ;;
verify_catches_one_byte_change)
  evidence_run "$work/pack" --shared-dir "$shared"
  [ "$status" -eq 3 ] || fail "evidence --only vectors exited $status on the shared transcripts"
  "$ratchetcheck" evidence --verify "$work/pack" || fail "--verify fails on the pack as written"
  # One byte of report.json, in place: the first '1' becomes '2' (same length).
  python3 - "$work/pack/report.json" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
data[data.index(b'1')] = ord('2')
open(path, 'wb').write(bytes(data))
PY
  set +e
  "$ratchetcheck" evidence --verify "$work/pack" >"$work/verify.log" 2>&1
  status=$?
  set -e
  cat "$work/verify.log"
  [ "$status" -eq 1 ] || fail "--verify exited $status after a one-byte change, expected 1"
  grep -q 'output changed: report.json' "$work/verify.log" || fail "--verify did not name report.json"
  echo "--verify: a one-byte change of report.json is caught"
  ;;
default_pack_directory_is_free)
  # README command 1 writes the pack to BUILD/evidence: no part of the build may live there (the
  # evidence library once built into it, and the run refused to overwrite "not a pack").
  pack="$build/evidence"
  if [ -e "$pack" ] && [ ! -e "$pack/report.json" ] && [ ! -e "$pack/manifest.json" ]; then
    fail "$pack exists and is not an evidence pack: $(ls "$pack" | sed -n 1,5p | tr '\n' ' ')"
  fi
  grep -rl --include=cmake_install.cmake "$pack\"\?\$" "$build" >/dev/null 2>&1 &&
    fail "a build directory is $pack"
  echo "the default pack directory $pack is free for the pack"
  ;;
missing_check_gives_incomplete)
  # Checks left out (--only) and a check that cannot run here (valgrind hidden from PATH, so the
  # ct check is not available): INCOMPLETE with exit 3, the reasons name them, never PASS.
  mkdir -p "$work/bin"
  for directory in ${PATH//:/ }; do
    for tool in "$directory"/*; do
      name=$(basename "$tool")
      [ "$name" = valgrind ] && continue
      [ -e "$work/bin/$name" ] || ln -s "$tool" "$work/bin/$name" 2>/dev/null || true
    done
  done
  set +e
  PATH="$work/bin" "$ratchetcheck" evidence --only vectors --only ct --build-dir "$build" \
    --shared-dir "$shared" --out "$work/pack" >"$work/pack.log" 2>&1
  status=$?
  set -e
  cat "$work/pack.log"
  [ "$status" -eq 3 ] || fail "evidence exited $status, expected 3 (INCOMPLETE)"
  grep -q '^verdict: INCOMPLETE' "$work/pack.log" || fail "no INCOMPLETE verdict line"
  grep -q 'ct *NOT_AVAILABLE' "$work/pack.log" || fail "ct did not come out not available"
  grep -q '^verdict INCOMPLETE because: .*ct not_available.*' "$work/pack.log" ||
    fail "the verdict does not name the check that could not run"
  grep -q 'unit skipped (not selected' "$work/pack.log" || fail "the verdict does not name the checks left out"
  grep -q '"outcome": "incomplete"' "$work/pack/report.json" || fail "report.json does not say incomplete"
  grep -q 'Verdict: PASS' "$work/pack/report.html" && fail "the page says PASS"
  echo "left-out and unavailable checks: INCOMPLETE, exit 3, reasons named"
  ;;
stale_annotation_fails_traceability)
  # A source tree whose annotations name a test that does not exist (a renamed test): the
  # traceability check fails and names the annotation, the run exits 1.
  source_dir=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
  mkdir -p "$work/source/docs" "$work/source/corpus" "$work/source/proofs"
  cp -r "$source_dir/tests" "$work/source/"
  cp -r "$source_dir/proofs/src" "$source_dir/proofs/scripts" "$work/source/proofs/"
  cp -r "$source_dir/docs/security-target" "$source_dir/docs/specs" "$work/source/docs/"
  cp -r "$source_dir/corpus/traces" "$work/source/corpus/"
  echo "// @evidence check=test:RenamedSuite.GoneTest functions=SF.REPLAY_REJECTION" \
    >>"$work/source/tests/kat/secret_test.cpp"
  evidence_run "$work/pack" --shared-dir "$shared" --source-dir "$work/source"
  [ "$status" -eq 1 ] || fail "evidence exited $status with a stale annotation, expected 1"
  grep -q 'traceability  FAIL' "$work/pack.log" || fail "the traceability check did not fail"
  grep -q 'secret_test.cpp:[0-9]*: no ctest test matches RenamedSuite.GoneTest' "$work/pack.log" ||
    fail "the stale annotation is not named"
  echo "a stale annotation fails the traceability check"
  ;;
profiles_never_claim_what_did_not_run)
  evidence_run "$work/pack" --shared-dir "$shared"
  [ "$status" -eq 3 ] || fail "evidence --only vectors exited $status, expected 3 (INCOMPLETE)"
  python3 - "$work/pack/report.json" <<'PY' || fail "report.json's profiles claim more than ran"
import json, sys
report = json.load(open(sys.argv[1]))
profiles = {profile["name"]: profile for profile in report["profiles"]}
assert set(profiles) == {"signal-v3", "signal-v4-pqxdh"}, list(profiles)
rows = {name: {row["check"]: row for row in profile["rows"]} for name, profile in profiles.items()}
assert rows["signal-v3"]["vectors"]["status"] == "pass", rows["signal-v3"]["vectors"]
# The vectors check replays each profile's transcripts: v4's own run passes, nothing else ran.
assert rows["signal-v4-pqxdh"]["vectors"]["status"] == "pass", rows["signal-v4-pqxdh"]["vectors"]
assert "signal-v4-pqxdh" in rows["signal-v4-pqxdh"]["vectors"]["command"]
for check, row in rows["signal-v4-pqxdh"].items():
    if check != "vectors":
        assert row["status"] == "not_run", (check, row)
for check in ("interop", "unit", "fuzz"):
    assert rows["signal-v3"][check]["status"] == "not_run", rows["signal-v3"][check]
for profile in profiles.values():
    assert profile["verdict"] == "incomplete", profile["name"]
print("profiles: both profiles' vectors pass; every other row not run; no profile passes")
PY
  grep -q '^profile signal-v4-pqxdh: INCOMPLETE — not_run: unit, kat, property' "$work/pack.log" ||
    fail "the run does not print signal-v4-pqxdh as INCOMPLETE"
  grep -q '<h3 id="profile-signal-v4-pqxdh">signal-v4-pqxdh: <span class="status incomplete">INCOMPLETE' \
    "$work/pack/report.html" || fail "report.html does not show signal-v4-pqxdh INCOMPLETE"
  grep -q 'signal-v4-pqxdh: <span class="status pass">' "$work/pack/report.html" &&
    fail "report.html shows signal-v4-pqxdh as passed"
  grep -q '<p id="profile-verdicts">Per profile: signal-v3 <span class="status incomplete">INCOMPLETE</span> · signal-v4-pqxdh <span class="status incomplete">INCOMPLETE' \
    "$work/pack/report.html" || fail "the page's head does not give each profile's verdict"
  echo "the per-profile section claims nothing that did not run"
  ;;
v4_interop_count_read_from_the_run)
  source_dir=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
  # stand_in DIR V4: a build tree of two interop tests; V4 is "summary" (the v4 suite prints its
  # count), "silent" (it passes without its summary line) or "absent" (no v4 suite at all).
  stand_in() {
    mkdir -p "$1"
    cat >"$1/CTestTestfile.cmake" <<'CTEST'
add_test([=[LiveInterop.RandomTracesAgreeInEitherSeat]=] "sh" "-c" "echo interop: RATCHETCHECK_INTEROP_SEED=$RATCHETCHECK_INTEROP_SEED RATCHETCHECK_INTEROP_SCENARIOS=$RATCHETCHECK_INTEROP_SCENARIOS; echo \"interop: $RATCHETCHECK_INTEROP_SCENARIOS traces x 2 placements, 10 ops: 4 sends; 1.5 s\"")
set_tests_properties([=[LiveInterop.RandomTracesAgreeInEitherSeat]=] PROPERTIES LABELS "interop")
CTEST
    local summary=""
    [ "$2" = summary ] && summary='; echo \"v4 interop: $RATCHETCHECK_V4_INTEROP_SCENARIOS traces, each in both placements, in 2.0 s: 200.0 trace runs/s\"'
    [ "$2" = absent ] && return 0
    cat >>"$1/CTestTestfile.cmake" <<CTEST
add_test([=[LiveInteropV4.RandomTracesAgreeWithLibsignalClientInEitherSeat]=] "sh" "-c" "echo v4 interop: RATCHETCHECK_V4_INTEROP_SEED=\$RATCHETCHECK_V4_INTEROP_SEED$summary")
set_tests_properties([=[LiveInteropV4.RandomTracesAgreeWithLibsignalClientInEitherSeat]=] PROPERTIES LABELS "interop")
CTEST
  }
  for v4 in summary silent absent; do
    stand_in "$work/build-$v4" "$v4"
    set +e
    "$ratchetcheck" evidence --quick --only interop --build-dir "$work/build-$v4" \
      --source-dir "$source_dir" --shared-dir "$shared" --out "$work/pack-$v4" >"$work/pack-$v4.log" 2>&1
    set -e
    grep -E '^\[ 1/1\] interop|^profile' "$work/pack-$v4.log"
    python3 - "$work/pack-$v4/report.json" "$v4" <<'PY' || fail "$v4: the v4 interop part is misreported"
import json, sys
report, v4 = json.load(open(sys.argv[1])), sys.argv[2]
interop = next(check for check in report["checks"] if check["id"] == "interop")
assert interop["status"] == "pass", interop["summary"]
assert interop["counts"]["v3_traces_run"] == 50, interop["counts"]
row = next(row for profile in report["profiles"] if profile["name"] == "signal-v4-pqxdh"
           for row in profile["rows"] if row["check"] == "interop")
not_run = report["verdict_reasons"]["not_run"]
if v4 == "summary":
    assert interop["counts"]["v4_traces_run"] == 200, interop["counts"]
    assert interop["batches"][0]["v4"]["seed"] == 20240601, interop["batches"][0]["v4"]
    assert row["status"] == "pass" and "200 random traces" in row["detail"], row
    assert not any("signal-v4-pqxdh" in reason for reason in not_run), not_run
else:
    assert interop["counts"]["v4_traces_run"] == 0, interop["counts"]
    assert "trace count NOT FOUND" in interop["summary"], interop["summary"]
    assert row["status"] == ("incomplete" if v4 == "silent" else "not_run"), row
    assert any(reason.startswith("interop signal-v4-pqxdh: ") for reason in not_run), not_run
print(v4, "->", row["status"], "|", row["detail"])
PY
  done
  echo "the v4 interop traces are counted from the run's output, and their absence is said"
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac
