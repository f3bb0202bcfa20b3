#!/usr/bin/env bash
# The citation ctests of the evidence pack (tests/evidence/CMakeLists.txt, docs/evidence.md):
#   citations_test.sh SCENARIO RATCHETCHECK BUILD_DIR SHARED_DIR WORK_DIR
# SCENARIO is one of
#   wrong_clause_id_fails_traceability  a copy of the source tree with one @evidence annotation
#                                    naming a clause that is not in docs/specs (DR-9.1): the
#                                    traceability check fails naming it, exit 1
#   wrong_section_in_text_fails_traceability  a copy whose invariant-catalogue source and security
#                                    target cite sections that do not exist (X3DH's 4.9 in a
#                                    comment, XEdDSA-2.7 in spec_clauses): the traceability check
#                                    fails naming each, exit 1
#   repository_citations_resolve     every § citation of this source tree, every annotation clause,
#                                    the catalogue's spec_clause texts and the security target's
#                                    spec_clauses resolve in docs/specs (no citation problem), and
#                                    the clause matrix lists every normative clause
# Each runs `ratchetcheck evidence --only vectors` (seconds); its verdict is not what is tested
# here (an --only run is incomplete by design), only the traceability check's findings.
set -euo pipefail
scenario=$1 ratchetcheck=$2 build=$3 shared=$4 work=$5
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=tests/evidence/evidence_common.sh
source "$(dirname "$0")/evidence_common.sh"

# The wrong citation is assembled so that this script, which the scan reads too, does not cite it.
wrong_citation="X3DH $(printf '\302\247')4.9"


source_dir=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")

# copy_source: the parts of the source tree the traceability reads, in $work/source.
copy_source() {
  mkdir -p "$work/source/docs" "$work/source/corpus" "$work/source/proofs"
  cp -r "$source_dir/tests" "$source_dir/fuzz" "$source_dir/harness" "$work/source/"
  cp -r "$source_dir/proofs/src" "$source_dir/proofs/scripts" "$work/source/proofs/"
  cp -r "$source_dir/docs/security-target" "$source_dir/docs/specs" "$work/source/docs/"
  cp -r "$source_dir/corpus/traces" "$work/source/corpus/"
}

case "$scenario" in
wrong_clause_id_fails_traceability)
  copy_source
  echo "// @evidence check=test:SecretArray.* functions=SF.ZEROIZATION clauses=DR-9.1" \
    >>"$work/source/tests/kat/secret_test.cpp"
  evidence_run "$work/pack" --shared-dir "$shared" --source-dir "$work/source"
  [ "$status" -eq 1 ] || fail "evidence exited $status with a wrong clause id, expected 1"
  grep -q 'traceability  FAIL' "$work/pack.log" || fail "the traceability check did not fail"
  grep -q 'secret_test.cpp:[0-9]*: clause DR-9.1 is not a section of docs/specs/DR.json' \
    "$work/pack.log" || fail "the wrong clause id is not named"
  echo "an annotation naming DR-9.1 fails the traceability check"
  ;;
wrong_section_in_text_fails_traceability)
  copy_source
  echo "// Small-order outputs are refused ($wrong_citation)." >>"$work/source/proofs/src/catalogue.cpp"
  sed -i 's/{"id": "XEdDSA-2.5", /{"id": "XEdDSA-2.7", /' \
    "$work/source/docs/security-target/security-target.json"
  grep -q '"XEdDSA-2.7"' "$work/source/docs/security-target/security-target.json" ||
    fail "the security target copy was not changed"
  evidence_run "$work/pack" --shared-dir "$shared" --source-dir "$work/source"
  [ "$status" -eq 1 ] || fail "evidence exited $status with wrong citations, expected 1"
  grep -q 'traceability  FAIL' "$work/pack.log" || fail "the traceability check did not fail"
  grep -q "catalogue.cpp:[0-9]*: cites $wrong_citation: clause X3DH-4.9 is not a section" \
    "$work/pack.log" || fail "the wrong § citation in the catalogue source is not named"
  grep -q 'security target spec_clauses: clause XEdDSA-2.7 is not a section' "$work/pack.log" ||
    fail "the wrong clause of the security target is not named"
  echo "$wrong_citation in a comment and XEdDSA-2.7 in the security target fail the traceability check"
  ;;
repository_citations_resolve)
  evidence_run "$work/pack" --shared-dir "$shared" --source-dir "$source_dir"
  if grep -E 'failed: .*(cites |clause |docs/specs)' "$work/pack.log"; then
    fail "citations above do not resolve in docs/specs"
  fi
  report="$work/pack/report.json"
  [ -f "$report" ] || fail "no report.json"
  # Every normative clause of every table of contents has a row in the clause matrix.
  python3 - "$report" "$source_dir/docs/specs" <<'EOF' || fail "the clause matrix misses a normative clause"
import json, pathlib, sys
report = json.load(open(sys.argv[1]))
rows = {row["id"]: row for row in report["traceability"]["clauses"]}
missing = []
for toc in sorted(pathlib.Path(sys.argv[2]).glob("*.json")):
    spec = json.load(open(toc))
    for section in spec["sections"]:
        clause = spec["id"] + "-" + section["number"]
        if section.get("normative") and clause not in rows:
            missing.append(clause)
if missing:
    print("not in the clause matrix:", ", ".join(missing))
    sys.exit(1)
print(f"{len(rows)} clause rows, every normative clause listed")
EOF
  echo "every citation resolves in docs/specs"
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac
