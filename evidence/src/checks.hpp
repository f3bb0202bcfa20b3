// The checks `ratchetcheck evidence` runs. Each runs as a subprocess (the CLI links no test
// code: cli → harness → protocol, model; cli → proofs → model): ctest on the build tree for the
// test suites, this binary for the transcripts and the proofs, the solvers' command lines for
// the certificates, the libFuzzer binaries of a fuzz build; coverage is read from a coverage
// build's summary. Each returns one JSON object of report.json's `checks` (docs/evidence.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ratchetcheck::evidence {

struct CheckPaths {
    std::filesystem::path self;    // this binary
    std::filesystem::path build;   // the build tree whose tests run
    std::filesystem::path source;  // the source tree (corpus/, proofs/scripts, docs/)
    std::filesystem::path shared;  // the shared data (vectors/)
    std::filesystem::path out;     // the pack being written
};

struct CheckPlan {
    bool quick = false;
    unsigned fuzz_seconds = 0;       // per target; 0 skips the fuzz runs
    unsigned property_cases = 0;     // RapidCheck max_success of the first batch: the least run
    unsigned interop_scenarios = 0;  // interop traces of the first batch: the least run
    // Time budgets: after the first batch, further batches (new seeds) run while the budget's
    // rest, at the first batch's rate, holds at least a tenth of a batch. 0: one batch only.
    double property_budget_seconds = 0;
    double interop_budget_seconds = 0;
    // Build build/fuzz and build/coverage when a check needs them (not with --quick, --no-build).
    bool build_trees = false;
    std::size_t certificate_sample = 0;  // 0: re-check every certificate
    std::uint64_t seed = 0;
    bool with_mutants = true;
    bool with_ct = false;
};

// CheckInfo describes one check for the --only list and the report.
struct CheckInfo {
    std::string id;
    std::string title;
};

const std::vector<CheckInfo>& check_catalogue();

// run_check runs check `id`, writing its log (and its other outputs) under paths.out, and
// returns its result: status pass, fail, not_available or skipped, counts, seconds, the
// command that re-runs it, its parameters (seeds) and what failed.
nlohmann::json run_check(const std::string& id, const CheckPaths& paths, const CheckPlan& plan);

// ctest_test_names lists the tests ctest knows in `build` (ctest -N), for the annotations.
std::vector<std::string> ctest_test_names(const std::filesystem::path& build);

}  // namespace ratchetcheck::evidence
