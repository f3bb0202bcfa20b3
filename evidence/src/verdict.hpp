// The verdict of an evidence run: PASS only when everything ran and passed, INCOMPLETE when a
// check did not run or a gap is open, FAIL when a check failed (issue 22, docs/evidence.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ratchetcheck::evidence {

// Exit statuses of `ratchetcheck evidence` (2 is an unusable option or an unwritable pack).
inline constexpr int exit_pass = 0;
inline constexpr int exit_fail = 1;
inline constexpr int exit_unusable = 2;
inline constexpr int exit_incomplete = 3;

// Verdict is the outcome of a run and the reasons for it.
struct Verdict {
    std::string outcome;                 // "pass", "incomplete" or "fail"
    std::vector<std::string> failed;     // ids of the checks that failed
    std::vector<std::string> not_run;    // "id: why" of each check that did not run or pass
    std::vector<std::string> open_gaps;  // "kind: id" of each traceability gap
    std::vector<std::string> pack_gaps;  // parts of the pack that could not be produced

    // exit_status is exit_pass, exit_incomplete or exit_fail.
    [[nodiscard]] int exit_status() const;
    // headline is "PASS", "INCOMPLETE" or "FAIL".
    [[nodiscard]] std::string headline() const;
    // reasons is one line naming what made the verdict so ("" for a PASS).
    [[nodiscard]] std::string reasons() const;
    [[nodiscard]] nlohmann::json to_json() const;
};

// decide_verdict reads report.json's `checks` (each with a status pass, fail, not_available or
// skipped; a check with skipped tests in its counts is not a pass either), the traceability's
// gaps ({kind: [id...]}) and the parts of the pack that could not be produced (the PDF, the state
// diagram). Any failed check gives FAIL; otherwise anything that did not run, any skipped test,
// any gap or missing part gives INCOMPLETE; only a run with none of them is a PASS.
// `profile_shortfalls` (profiles.hpp) are the parts of passed checks that claim a profile and did
// not pass for it, such as v4 interop traces whose number is not in the log: INCOMPLETE too (E85).
[[nodiscard]] Verdict decide_verdict(const nlohmann::json& checks, const nlohmann::json& gaps,
                                     const std::vector<std::string>& pack_gaps,
                                     const std::vector<std::string>& profile_shortfalls = {});

}  // namespace ratchetcheck::evidence
