// The evidence pack (docs/evidence.md), the library behind `ratchetcheck evidence`: run every
// check, write the pack an evaluator reads (report.json, report.html, report.pdf, manifest.json,
// SHA256SUMS), verify a pack, compare two packs. The CLI is a thin front end: it parses the
// options into EvidenceOptions and calls run_evidence.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ratchetcheck::evidence {

struct EvidenceOptions {
    std::string out_directory;      // --out DIR (default: <build dir>/evidence)
    bool quick = false;             // --quick: reduced parameters, at most 60 s
    bool no_build = false;          // --no-build: use build/fuzz, build/coverage as they are
    unsigned fuzz_seconds = 0;      // --fuzz-seconds N per target (0: the mode's default)
    unsigned property_cases = 0;    // --property-cases N (0: the mode's default)
    std::uint64_t seed = 20240601;  // --seed: RapidCheck and the interop generator
    std::vector<std::string> only;  // --only CHECK (repeatable)
    std::string build_directory;    // --build-dir (default: the build tree of this binary)
    std::string source_directory;   // --source-dir (default: the tree it was built from)
    std::string shared_directory;   // --shared-dir (default: the build's RATCHETCHECK_SHARED_DIR)
    std::string verify_directory;   // --verify DIR: recompute the manifest and stop
    std::string compare_directory;  // --compare OLD_DIR: after the run, list what changed
    std::string program_version;    // what `ratchetcheck --version` prints, for the report
};

// evidence_check_names lists the checks `--only` accepts, in the order they run.
const std::vector<std::string>& evidence_check_names();

// run_evidence runs the selected checks, writes the pack and prints a final verdict line
// ("verdict: PASS|INCOMPLETE|FAIL — ...") followed, unless it is a PASS, by the reasons. PASS
// means every check of the catalogue ran and passed with no traceability gap; INCOMPLETE that a
// check did not run (left out by --only or the mode, or not available here), a test was skipped,
// a gap is open or part of the pack could not be produced; FAIL that a check failed. Returns 0
// for PASS, 3 for INCOMPLETE, 1 for FAIL (the pack is written in all three cases), 2 when the
// pack could not be written or an option is unusable. With verify_directory set it only verifies
// that pack (manifest.json and SHA256SUMS), looking for the inputs under
// source/shared/build_directory when set, else under the roots recorded relative to the pack: 0
// when every hash matches, 1 when a file differs or is missing, 3 when the pack matches but a
// root was not found (its inputs unchecked).
int run_evidence(const EvidenceOptions& options);

}  // namespace ratchetcheck::evidence
