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
#include <string>
#include <string_view>
#include <utility>
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

OpTrace read_trace(const fs::path& file) {
    std::ifstream input(file);
    const std::string text((std::istreambuf_iterator<char>(input)),
                           std::istreambuf_iterator<char>());
    auto parsed = trace_from_json(text);
    if (const auto* error = std::get_if<TraceParseError>(&parsed)) {
        ADD_FAILURE() << file << ": " << error->message();
        return {};
    }
    return std::get<OpTrace>(std::move(parsed));
}

std::vector<std::string> model_agreement_details(const StepReport& report) {
    std::vector<std::string> details;
    for (const Violation& violation : report.violations) {
        if (violation.check == Check::model_agreement)
            details.push_back(violation.detail);
    }
    return details;
}

// A model-agreement-only run (the differential_model fuzz target's) reports, op for op, exactly
// the model-agreement violations and the outcomes of a full run, and nothing else; also on model
// variants that disagree with the implementation, so that it is seen to find disagreements.
TEST(CorpusTraces, ModelAgreementOnlyRunReportsWhatTheFullRunReports) {
    const auto variant = [](auto change) {
        model::Variant changed;
        change(changed);
        return changed;
    };
    const std::vector<std::pair<const char*, model::Variant>> variants = {
        {"faithful", model::Variant{}},
        {"no counter reset",
         variant([](model::Variant& v) { v.reset_counters_on_ratchet = false; })},
        {"skipped keys kept",
         variant([](model::Variant& v) { v.delete_used_skipped_keys = false; })},
        {"PN off by one", variant([](model::Variant& v) { v.correct_previous_counter = false; })},
    };
    for (const auto& [name, model_variant] : variants) {
        SCOPED_TRACE(name);
        std::size_t disagreements = 0;
        for (const fs::path& file : trace_files()) {
            SCOPED_TRACE(file.string());
            const OpTrace trace = read_trace(file);
            RunnerOptions full_options;
            full_options.variant = model_variant;
            RunnerOptions lean_options = full_options;
            lean_options.model_agreement_only = true;
            auto full = SideBySideRunner::create(trace.setup, full_options);
            auto lean = SideBySideRunner::create(trace.setup, lean_options);
            ASSERT_TRUE(std::holds_alternative<std::unique_ptr<SideBySideRunner>>(full));
            ASSERT_TRUE(std::holds_alternative<std::unique_ptr<SideBySideRunner>>(lean));
            SideBySideRunner& full_runner = *std::get<std::unique_ptr<SideBySideRunner>>(full);
            SideBySideRunner& lean_runner = *std::get<std::unique_ptr<SideBySideRunner>>(lean);
            for (const Op& op : trace.ops) {
                const StepReport full_report = full_runner.step(op);
                const StepReport lean_report = lean_runner.step(op);
                ASSERT_EQ(lean_report.applicable, full_report.applicable);
                EXPECT_EQ(lean_report.implementation_ok, full_report.implementation_ok);
                EXPECT_EQ(lean_report.plaintext_message, full_report.plaintext_message);
                EXPECT_EQ(lean_report.model_verdict, full_report.model_verdict);
                const std::vector<std::string> expected = model_agreement_details(full_report);
                EXPECT_EQ(model_agreement_details(lean_report), expected) << full_report.describe();
                EXPECT_EQ(model_agreement_details(lean_report).size(),
                          lean_report.violations.size())
                    << lean_report.describe();
                disagreements += expected.size();
            }
        }
        if (std::string_view(name) == "faithful")
            EXPECT_EQ(disagreements, 0U);
        else
            EXPECT_GT(disagreements, 0U) << "no corpus trace tells this variant apart";
    }
}

}  // namespace
}  // namespace ratchetcheck::harness
