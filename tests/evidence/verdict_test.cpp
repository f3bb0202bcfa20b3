// The evidence pack's verdict (evidence/src/verdict.hpp, issue 22): PASS only when every check
// ran and passed with no gap, INCOMPLETE when anything did not run, FAIL when a check failed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "verdict.hpp"

namespace {
using nlohmann::json;
using ratchetcheck::evidence::decide_verdict;
using ratchetcheck::evidence::exit_fail;
using ratchetcheck::evidence::exit_incomplete;
using ratchetcheck::evidence::exit_pass;

json check(const std::string& id, const std::string& status, unsigned skipped_tests = 0) {
    return {{"id", id},
            {"status", status},
            {"summary", status + " here"},
            {"counts", {{"passed", 3}, {"failed", 0}, {"skipped", skipped_tests}}}};
}

const json no_gaps = {{"threats", json::array()}, {"functions", json::array()}};

TEST(EvidenceVerdict, EveryCheckPassedWithNoGapIsPass) {
    const auto verdict =
        decide_verdict(json::array({check("unit", "pass"), check("kat", "pass")}), no_gaps, {});
    EXPECT_EQ(verdict.outcome, "pass");
    EXPECT_EQ(verdict.exit_status(), exit_pass);
    EXPECT_EQ(verdict.reasons(), "");
}

TEST(EvidenceVerdict, CheckNotAvailableIsIncompleteAndNamed) {
    const auto verdict = decide_verdict(
        json::array({check("unit", "pass"), check("fuzz", "not_available")}), no_gaps, {});
    EXPECT_EQ(verdict.outcome, "incomplete");
    EXPECT_EQ(verdict.exit_status(), exit_incomplete);
    EXPECT_NE(verdict.reasons().find("fuzz not_available"), std::string::npos) << verdict.reasons();
}

TEST(EvidenceVerdict, CheckSkippedByTheModeIsIncomplete) {
    const auto verdict =
        decide_verdict(json::array({check("unit", "pass"), check("ct", "skipped")}), no_gaps, {});
    EXPECT_EQ(verdict.outcome, "incomplete");
}

TEST(EvidenceVerdict, SkippedTestsInsideAPassingCheckAreIncomplete) {
    const auto verdict = decide_verdict(json::array({check("unit", "pass", 2)}), no_gaps, {});
    EXPECT_EQ(verdict.outcome, "incomplete");
    EXPECT_NE(verdict.reasons().find("unit (2 tests skipped)"), std::string::npos)
        << verdict.reasons();
}

TEST(EvidenceVerdict, TestsLeftOutByTheModeAreIncomplete) {
    json kat = check("kat", "pass");
    kat["counts"]["left_out"] = 1;
    const auto verdict = decide_verdict(json::array({kat}), no_gaps, {});
    EXPECT_EQ(verdict.outcome, "incomplete");
    EXPECT_NE(verdict.reasons().find("kat (1 tests left out by the mode)"), std::string::npos)
        << verdict.reasons();
}

TEST(EvidenceVerdict, TraceabilityGapIsIncompleteAndNamed) {
    const json gaps = {{"threats", json::array({"T.STATE_ROLLBACK"})}};
    const auto verdict = decide_verdict(json::array({check("unit", "pass")}), gaps, {});
    EXPECT_EQ(verdict.outcome, "incomplete");
    EXPECT_NE(verdict.reasons().find("threats T.STATE_ROLLBACK"), std::string::npos)
        << verdict.reasons();
}

TEST(EvidenceVerdict, MissingPartOfThePackIsIncomplete) {
    const auto verdict =
        decide_verdict(json::array({check("unit", "pass")}), no_gaps, {"report.pdf (no chromium)"});
    EXPECT_EQ(verdict.outcome, "incomplete");
}

TEST(EvidenceVerdict, FailedCheckIsFailWhateverElseDidNotRun) {
    const json gaps = {{"threats", json::array({"T.STATE_ROLLBACK"})}};
    const auto verdict = decide_verdict(
        json::array({check("unit", "fail"), check("fuzz", "not_available")}), gaps, {});
    EXPECT_EQ(verdict.outcome, "fail");
    EXPECT_EQ(verdict.exit_status(), exit_fail);
    EXPECT_EQ(verdict.failed, std::vector<std::string>{"unit"});
}

TEST(EvidenceVerdict, UnknownStatusIsNeverAPass) {
    const auto verdict = decide_verdict(json::array({check("unit", "maybe")}), no_gaps, {});
    EXPECT_NE(verdict.outcome, "pass");
}

}  // namespace
