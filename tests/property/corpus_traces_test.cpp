// Every regression trace in corpus/traces/ (the shrunk counterexamples of the mutants, and
// hand-written cases) replays on the implementation in agreement with the model: no check is
// violated and every recorded expectation still holds. RATCHETCHECK_TRACE=FILE replays only FILE
// (the mutant builds use it to confirm that a kept counterexample still catches its mutant).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <variant>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/side_by_side.hpp"

namespace ratchetcheck::harness {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> trace_files() {
    if (const char* single = std::getenv("RATCHETCHECK_TRACE");
        single != nullptr && *single != '\0') {
        return {fs::path(single)};
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(RATCHETCHECK_CORPUS_DIR)) {
        if (entry.path().extension() == ".json")
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

TEST(CorpusTraces, ReplayInAgreementWithTheModel) {
    const std::vector<fs::path> files = trace_files();
    ASSERT_FALSE(files.empty()) << "no *.json trace in " << RATCHETCHECK_CORPUS_DIR;
    for (const fs::path& file : files) {
        SCOPED_TRACE(file.string());
        std::ifstream input(file);
        ASSERT_TRUE(input) << "cannot open";
        const std::string text((std::istreambuf_iterator<char>(input)),
                               std::istreambuf_iterator<char>());
        auto parsed = trace_from_json(text);
        if (const auto* error = std::get_if<TraceParseError>(&parsed))
            FAIL() << error->message();
        const OpTrace& trace = std::get<OpTrace>(parsed);
        EXPECT_FALSE(trace.ops.empty());
        // Run to the end even after a violation, reporting every violating step: on a mutant the
        // model comparison usually notices first, and the mutant's own check a step later.
        std::size_t steps = 0;
        const auto problem = run_trace(trace, {}, [&](const StepReport& report) {
            ++steps;
            EXPECT_TRUE(report.violations.empty()) << report.describe();
            return true;
        });
        EXPECT_FALSE(problem.has_value()) << problem.value_or("");
        EXPECT_EQ(steps, trace.ops.size());
    }
}

}  // namespace
}  // namespace ratchetcheck::harness
