#include "verdict.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ratchetcheck::evidence {
using nlohmann::json;

int Verdict::exit_status() const {
    if (outcome == "fail")
        return exit_fail;
    return outcome == "pass" ? exit_pass : exit_incomplete;
}

std::string Verdict::headline() const {
    if (outcome == "fail")
        return "FAIL";
    return outcome == "pass" ? "PASS" : "INCOMPLETE";
}

std::string Verdict::reasons() const {
    std::vector<std::string> parts;
    if (!failed.empty())
        parts.push_back(fmt::format("failed: {}", fmt::join(failed, ", ")));
    if (!not_run.empty())
        parts.push_back(fmt::format("not run or not complete: {}", fmt::join(not_run, "; ")));
    if (!open_gaps.empty())
        parts.push_back(fmt::format("traceability gaps: {}", fmt::join(open_gaps, ", ")));
    if (!pack_gaps.empty())
        parts.push_back(fmt::format("not produced: {}", fmt::join(pack_gaps, "; ")));
    return fmt::format("{}", fmt::join(parts, " | "));
}

json Verdict::to_json() const {
    return {{"outcome", outcome},  {"failed", failed},          {"not_run", not_run},
            {"gaps", open_gaps},   {"not_produced", pack_gaps}, {"exit_status", exit_status()},
            {"reasons", reasons()}};
}

Verdict decide_verdict(const json& checks, const json& gaps,
                       const std::vector<std::string>& pack_gaps,
                       const std::vector<std::string>& profile_shortfalls) {
    Verdict verdict;
    for (const json& check : checks) {
        const std::string id = check.value("id", "?");
        const std::string status = check.value("status", "fail");
        if (status == "fail") {
            verdict.failed.push_back(id);
            continue;
        }
        if (status != "pass") {
            // Skipped by the mode, not selected by --only, or not available on this machine: the
            // pack has no evidence from it, whatever the reason (issue 22: never a PASS).
            verdict.not_run.push_back(
                fmt::format("{} {} ({})", id, status, check.value("summary", std::string())));
            continue;
        }
        const json counts = check.value("counts", json::object());
        const json skipped_tests = counts.value("skipped", json(0));
        // is_number_integer: a count may be stored signed or unsigned.
        if (skipped_tests.is_number_integer() && skipped_tests.get<long long>() > 0)
            verdict.not_run.push_back(
                fmt::format("{} ({} tests skipped)", id, skipped_tests.get<long long>()));
        const json left_out = counts.value("left_out", json(0));
        if (left_out.is_number_integer() && left_out.get<long long>() > 0)
            verdict.not_run.push_back(
                fmt::format("{} ({} tests left out by the mode)", id, left_out.get<long long>()));
    }
    // A passed check that claims a profile but whose part for it did not run is not complete.
    for (const std::string& shortfall : profile_shortfalls)
        verdict.not_run.push_back(shortfall);
    if (gaps.is_object()) {
        for (const auto& [kind, list] : gaps.items()) {
            for (const json& gap : list)
                verdict.open_gaps.push_back(fmt::format(
                    "{} {}", kind, gap.is_string() ? gap.get<std::string>() : gap.dump()));
        }
    }
    verdict.pack_gaps = pack_gaps;
    if (!verdict.failed.empty())
        verdict.outcome = "fail";
    else if (verdict.not_run.empty() && verdict.open_gaps.empty() && verdict.pack_gaps.empty())
        verdict.outcome = "pass";
    else
        verdict.outcome = "incomplete";
    return verdict;
}

}  // namespace ratchetcheck::evidence
