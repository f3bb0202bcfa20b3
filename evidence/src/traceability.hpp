// Traceability of the evidence pack, generated rather than kept by hand: the security target
// (docs/security-target/security-target.json) says which threats each security function counters
// and what it claims of each spec clause; the clauses themselves, and which are normative, are
// the specifications' tables of contents (docs/specs/*.json, specs.hpp); `@evidence` annotations
// beside the checks (tests, the invariant catalogue, mutant and fuzz definitions) say which
// functions, clauses and mechanisms a check covers; the invariant catalogue's own spec_clause
// fields count as annotations of the proofs.
//
// Annotation syntax, on one comment line (docs/evidence.md):
//   @evidence check=KIND:NAME functions=SF.A,SF.B clauses=DR-3.5,X3DH-3.4 mechanisms=X25519
// KIND is test (a ctest test name, `*` allowed at its end), invariant, fuzz (a target),
// transcripts (a directory of ../shared/vectors) or label (a whole ctest label).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "specs.hpp"

namespace ratchetcheck::evidence {

// scan_annotations reads every @evidence line under the source tree's tests/, proofs/, fuzz/ and
// harness/ directories: [{file, line, check, functions[], clauses[], mechanisms[]}] plus
// malformed lines as {file, line, error}.
nlohmann::json scan_annotations(const std::filesystem::path& source);

// clauses_of normalizes the clause references of a catalogue spec_clause text ("DR §2.6, §3.5
// (...)" gives DR-2.6 and DR-3.5; "RFC 7748 §6.1" gives RFC7748-6.1; "SCHEMA.md §6.3" none).
std::vector<std::string> clauses_of(const std::string& spec_clause);

// KnownChecks is what exists to be annotated: ctest test names, invariant ids, fuzz targets,
// transcript directories and labels.
struct KnownChecks {
    std::vector<std::string> tests;
    std::vector<std::string> invariants;
    std::vector<std::string> fuzz_targets;
    std::vector<std::string> transcripts;
    std::vector<std::string> labels;
};

// build_traceability joins the security target, the annotations and the check results
// (report.json's `checks`): threats → functions → checks, functions → checks, clauses → checks,
// mechanisms → KATs, and the gaps (a threat no function with a check counters, a function or a
// normative clause of docs/specs no check covers) and the annotation problems (naming a check,
// function or mechanism that does not exist, or a clause that is not in the tables of contents:
// in an annotation, an invariant's spec_clause, the security target's spec_clauses, or any `§`
// citation of the tree, `citation_problems` from scan_citations). Each check reference carries
// its result in this run (pass, fail, not_run).
nlohmann::json build_traceability(const nlohmann::json& security_target,
                                  const nlohmann::json& annotations, const KnownChecks& known,
                                  const nlohmann::json& invariant_clauses,
                                  const nlohmann::json& checks, const SpecTocs& tocs,
                                  const nlohmann::json& citation_problems);

}  // namespace ratchetcheck::evidence

namespace ratchetcheck::evidence {

// check_reference_problem says why a check reference (KIND:NAME, as in an annotation) names
// nothing that exists, or returns "" when it does (used by the deviations and attack classes).
std::string check_reference_problem(const std::string& check, const KnownChecks& known);

// check_reference_result is a check reference's outcome in this run (pass, fail, not_run), from
// report.json's `checks`.
std::string check_reference_result(const std::string& check, const nlohmann::json& checks);

}  // namespace ratchetcheck::evidence
