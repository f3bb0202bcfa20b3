#!/usr/bin/env bash
# The deviations, attack classes and limits of the evidence pack (evidence/src/analysis.cpp):
#   deviations_test.sh SCENARIO RATCHETCHECK BUILD_DIR SHARED_DIR WORK_DIR
# SCENARIO is one of
#   deviations_listed_with_checks   report.json lists every deviation of issue 22 and every
#                                   attack class, each naming only checks that exist, with their
#                                   result in this run; the limits come from profile.hpp;
#                                   decisions.md is in the pack with the SHA-256 report.json
#                                   records; report.html has the three tables
#   missing_check_fails_the_run     a deviation naming a check that does not exist makes the
#                                   `analysis` check fail, names it, and the run exits 1
set -euo pipefail
scenario=$1 ratchetcheck=$2 build=$3 shared=$4 work=$5
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=tests/evidence/evidence_common.sh
source "$(dirname "$0")/evidence_common.sh"


source_dir=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")

case "$scenario" in
deviations_listed_with_checks)
  evidence_run "$work/pack" --shared-dir "$shared"
  # The exit status is not this test's business (--only vectors is incomplete by design, and a
  # partly built tree fails traceability); the analysis check is.
  grep -q '^\[--\] analysis *PASS' "$work/pack.log" || fail "the analysis check did not pass"
  python3 - "$work/pack" "$source_dir" <<'PY' || fail "report.json does not list what it must"
import hashlib, json, sys
pack, source = sys.argv[1], sys.argv[2]
report = json.load(open(f"{pack}/report.json"))
problems = []
rows = report["deviations"]["rows"]
ids = {row["id"] for row in rows}
required = ["DEV.MAC_64_BITS", "DEV.PREVIOUS_COUNTER", "DEV.ARCHIVED_SESSION_FALLBACK",
            "DEV.ALTERED_BASE_KEY_ACCEPTED", "DEV.TRUST_ON_FIRST_USE",
            "DEV.PRE_AUTHENTICATION_ANSWERS", "DEV.RATCHET_KEY_ON_RECEIPT", "DEV.BASE_KEY_BIT_255"]
problems += [f"deviation {d} missing" for d in required if d not in ids]
for row in rows:
    for key in ("clauses", "behaviour", "justification", "checks"):
        if key not in row:
            problems.append(f"{row['id']} has no {key}")
    if not row["checks"]:
        problems.append(f"{row['id']} names no check")
    for check in row["checks"]:
        if check["result"] not in ("pass", "fail", "not_run", "skipped"):
            problems.append(f"{row['id']}: {check['check']} is {check['result']}")
classes = {row["id"]: row for row in report["attack_classes"]["rows"]}
for name in ["AC.REPLAY", "AC.SKIPPED_KEY_EXHAUSTION", "AC.STATE_ROLLBACK",
             "AC.MISSING_SPK_SIGNATURE_CHECK", "AC.UKS_AND_KCI", "AC.LOW_ORDER_POINTS",
             "AC.NON_ATOMIC_DECRYPT", "AC.PRE_AUTHENTICATION_ORACLES", "AC.COST_AMPLIFICATION"]:
    if name not in classes:
        problems.append(f"attack class {name} missing")
    elif classes[name]["status"] not in ("countered", "partially", "not countered", "out of scope"):
        problems.append(f"{name} has status {classes[name]['status']}")
limits = {limit["name"]: limit["value"] for limit in report["limits"]["profile"]}
expected = {"max_forward_jump": 2000, "max_skipped_keys_per_chain": 2000,
            "max_skipped_keys_total": 10000, "max_receiving_chains": 5,
            "max_archived_sessions": 40, "mac_bytes": 8}
for name, value in expected.items():
    if limits.get(name) != value:
        problems.append(f"limit {name} is {limits.get(name)}, profile.hpp says {value}")
worst = report["limits"]["worst_case"]
if worst.get("measured_in_this_run") is not False:
    problems.append("the worst-case figures must say they were not measured in this run")
decisions = report["deviations"]["decisions"]
copy = open(f"{pack}/{decisions['copy']}", "rb").read()
if hashlib.sha256(copy).hexdigest() != decisions["sha256"]:
    problems.append("decisions.md in the pack does not have the recorded SHA-256")
if copy != open(f"{source}/docs/decisions.md", "rb").read():
    problems.append("decisions.md in the pack differs from docs/decisions.md")
threat = [t for t in report["traceability"]["threats"] if t["id"] == "T.STATE_ROLLBACK"][0]
if "A.STORAGE" not in threat.get("assumptions", []):
    problems.append("T.STATE_ROLLBACK is not linked to A.STORAGE")
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
PY
  for id in deviations-table attack-classes-table limits-table; do
    grep -q "id=\"$id\"" "$work/pack/report.html" || fail "report.html has no $id"
  done
  grep -q 'href="decisions.md"' "$work/pack/report.html" || fail "report.html does not link decisions.md"
  echo "every deviation and attack class listed with existing checks; limits from profile.hpp; decisions.md hashed"
  ;;
missing_check_fails_the_run)
  mkdir -p "$work/source/docs" "$work/source/corpus" "$work/source/proofs" \
    "$work/source/protocol/include/ratchetcheck" "$work/source/bench"
  cp -r "$source_dir/tests" "$work/source/"
  cp -r "$source_dir/proofs/src" "$source_dir/proofs/scripts" "$work/source/proofs/"
  cp -r "$source_dir/docs/security-target" "$source_dir/docs/decisions.md" "$work/source/docs/"
  cp -r "$source_dir/corpus/traces" "$work/source/corpus/"
  cp "$source_dir/protocol/include/ratchetcheck/profile.hpp" "$work/source/protocol/include/ratchetcheck/"
  [ -d "$source_dir/bench/results" ] && cp -r "$source_dir/bench/results" "$work/source/bench/"
  # The source as it is passes; then one deviation names a renamed test.
  evidence_run "$work/good" --shared-dir "$shared" --source-dir "$work/source"
  grep -q '^\[--\] analysis *PASS' "$work/good.log" || fail "the copied source does not pass"
  python3 - "$work/source/docs/security-target/deviations.json" <<'PY'
import json, sys
path = sys.argv[1]
data = json.load(open(path))
data["deviations"][0]["checks"].append("test:RenamedSuite.GoneTest")
json.dump(data, open(path, "w"), indent=2)
PY
  evidence_run "$work/bad" --shared-dir "$shared" --source-dir "$work/source"
  [ "$status" -eq 1 ] || fail "evidence exited $status with a deviation naming a missing check, expected 1"
  grep -q '^\[--\] analysis *FAIL' "$work/bad.log" || fail "the analysis check did not fail"
  grep -q 'deviations.json DEV.MAC_64_BITS: no ctest test matches RenamedSuite.GoneTest' "$work/bad.log" ||
    fail "the missing check is not named"
  grep -q '"result": "missing"' "$work/bad/report.json" || fail "report.json does not mark the check missing"
  echo "a deviation naming a check that does not exist fails the run"
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac
