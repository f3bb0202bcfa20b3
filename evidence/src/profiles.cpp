#include "profiles.hpp"

#include <fmt/format.h>

#include <regex>

#include "checks.hpp"
#include "support.hpp"

namespace ratchetcheck::evidence {
using nlohmann::json;

namespace {

// Scope is what a check claims to cover of a profile. A check out of a profile's scope shows
// NOT RUN for it with `why_not_v4`, and does not make the verdict incomplete: it never claimed the
// profile. A check in scope whose profile part did not pass does (profile_shortfalls).
struct Scope {
    const char* check;
    bool covers_v4;
    const char* why_not_v4;
};

constexpr Scope scopes[] = {
    {"unit", true, ""},
    {"kat", true, ""},
    {"vectors", true, ""},
    {"property", false,
     "the properties run against the model, which knows signal-v3 only (v4 in the model is issue "
     "25)"},
    {"mutants", false,
     "the mutants are variants of the model, which knows signal-v3 only (issue 25)"},
    {"interop", true, ""},
    {"proof", false,
     "the invariants are proved of the model, which knows signal-v3 only (issue 25)"},
    {"certificates", false, "the certificates are the proof's, of signal-v3 only (issue 25)"},
    {"fuzz-replay", true, ""},
    {"fuzz", true, ""},
    {"coverage", true, ""},
    {"ct", false, "no constant-time test runs a signal-v4-pqxdh path yet"},
};

const Scope* scope_of(const std::string& check) {
    for (const Scope& scope : scopes) {
        if (check == scope.check)
            return &scope;
    }
    return nullptr;
}

// number_of reads the digits a pattern matched; 0 when they do not fit (a count that cannot be
// read is a count not found, never an exception in the middle of writing the pack).
std::uint64_t number_of(const std::string& text) {
    try {
        return static_cast<std::uint64_t>(std::stoull(text));
    } catch (const std::exception&) {
        return 0;
    }
}

// decimal_of reads a decimal a pattern matched ("." alone included); 0 when it is not one.
double decimal_of(const std::string& text) {
    try {
        return std::stod(text);
    } catch (const std::exception&) {
        return 0;
    }
}

struct Tally {
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::size_t skipped = 0;
    [[nodiscard]] json to_json() const {
        return {{"passed", passed}, {"failed", failed}, {"skipped", skipped}};
    }
    [[nodiscard]] std::size_t total() const { return passed + failed + skipped; }
    // status of a row from its tests: fail if one failed, incomplete if one was skipped, not_run
    // if there was none.
    [[nodiscard]] std::string status() const {
        if (failed > 0)
            return "fail";
        if (total() == 0)
            return "not_run";
        return skipped > 0 ? "incomplete" : "pass";
    }
};

// selected_command is the check's re-run command restricted to one profile's tests: -R with the
// pattern for v4, -E for v3, joined to the check's own exclusion when it has one (ctest keeps only
// the last -E given).
std::string selected_command(const json& check, const std::string& profile) {
    std::string command = check.value("command", std::string());
    if (command.find("ctest ") == std::string::npos)
        return command;
    if (profile == profile_v4)
        return fmt::format("{} -R {}", command, shell_quote(v4_test_pattern));
    const std::string excluded =
        check.value("parameters", json::object()).value("excluded", std::string());
    const std::string option = "-E " + shell_quote(excluded);
    const std::size_t at = excluded.empty() ? std::string::npos : command.find(option);
    if (at == std::string::npos)
        return fmt::format("{} -E {}", command, shell_quote(v4_test_pattern));
    return command.replace(at, option.size(),
                           "-E " + shell_quote(excluded + "|" + v4_test_pattern));
}

json row_of(const std::string& check, const std::string& profile, const std::string& status,
            bool in_scope, const std::string& detail, const json& tests,
            const std::string& command) {
    return {{"check", check},   {"profile", profile}, {"status", status},  {"in_scope", in_scope},
            {"detail", detail}, {"tests", tests},     {"command", command}};
}

// ctest_row counts the check's tests of `profile`.
json ctest_row(const json& check, const std::string& profile, bool in_scope,
               const std::string& why_not) {
    Tally tally;
    for (const json& test : check.value("tests", json::array())) {
        if (profile_of_test(test.value("name", std::string())) != profile)
            continue;
        const std::string status = test.value("status", std::string());
        if (status == "pass")
            ++tally.passed;
        else if (status == "fail")
            ++tally.failed;
        else
            ++tally.skipped;
    }
    std::string status = tally.status();
    std::string detail =
        tally.total() == 0
            ? (in_scope ? "no test of this profile ran" : why_not)
            : fmt::format("{} tests of this profile: {} passed, {} failed{}", tally.total(),
                          tally.passed, tally.failed,
                          tally.skipped > 0 ? fmt::format(", {} skipped", tally.skipped) : "");
    const std::string id = check.value("id", std::string());
    // Interop: the random traces must say how many ran, in every batch, or the row is not a pass.
    if (id == "interop" && status != "fail" && tally.total() > 0) {
        std::uint64_t traces = 0;
        double seconds = 0;
        std::string seeds;
        std::string missing;
        for (const json& batch : check.value("batches", json::array())) {
            const json run = batch.value(profile == profile_v4 ? "v4" : "v3", json::object());
            if (!run.value("found", false)) {
                missing += fmt::format("{}seed {}", missing.empty() ? "" : ", ",
                                       batch.value("seed", std::uint64_t{0}));
                continue;
            }
            traces += run.value("traces", std::uint64_t{0});
            seconds += run.value("seconds", 0.0);
            seeds +=
                fmt::format("{}{}", seeds.empty() ? "" : ", ", run.value("seed", std::uint64_t{0}));
        }
        if (!missing.empty() || traces == 0) {
            status = "incomplete";
            detail += fmt::format(
                "; the random traces' count is not in the output of batch(es) {}: how many "
                "{} traces ran is unknown",
                missing.empty() ? "any" : missing, profile);
        } else {
            detail += fmt::format(
                "; {} random traces, each with the peer in either seat, seeds {}, {:.1f} s, "
                "{:.1f} trace runs/s",
                traces, seeds, seconds,
                seconds > 0 ? 2.0 * static_cast<double>(traces) / seconds : 0.0);
        }
    }
    return row_of(id, profile, status, in_scope, detail, tally.to_json(),
                  selected_command(check, profile));
}

json fuzz_row(const json& check, const std::string& profile) {
    Tally tally;
    std::string targets;
    for (const json& target : check.value("targets", json::array())) {
        const std::string name = target.value("target", std::string());
        if (profile_of_test(name) != profile)
            continue;
        if (target.value("result", std::string()) == "ok")
            ++tally.passed;
        else
            ++tally.failed;
        targets += fmt::format("{}{} ({} exec/s)", targets.empty() ? "" : ", ", name,
                               target.value("exec_per_second", json("?")).dump());
    }
    const std::string detail = tally.total() == 0
                                   ? "no fuzz target of this profile ran"
                                   : fmt::format("{} targets, {} with a finding: {}", tally.total(),
                                                 tally.failed, targets);
    return row_of("fuzz", profile, tally.status(), true, detail, tally.to_json(),
                  check.value("command", std::string()));
}

json proof_row(const json& check, const std::string& profile, bool in_scope,
               const std::string& why_not) {
    Tally tally;
    for (const json& invariant : check.value("invariants", json::array())) {
        // An invariant is of signal-v4-pqxdh when it traces a PQXDH clause.
        const bool v4 = invariant.value("spec_clause", std::string()).rfind("PQXDH", 0) == 0;
        if (v4 != (profile == profile_v4))
            continue;
        if (invariant.value("status", std::string()) == "proved")
            ++tally.passed;
        else
            ++tally.failed;
    }
    const std::string detail =
        tally.total() == 0 ? (in_scope ? "no invariant of this profile" : why_not)
                           : fmt::format("{} invariants, {} proved", tally.total(), tally.passed);
    return row_of("proof", profile, tally.status(), in_scope, detail, tally.to_json(),
                  check.value("command", std::string()));
}

}  // namespace

std::string profile_of_test(const std::string& name) {
    static const std::regex v4(v4_test_pattern);
    return std::regex_search(name, v4) ? profile_v4 : profile_v3;
}

InteropRun v4_interop_run(const std::string& output) {
    InteropRun run;
    const std::regex seed_line(R"(v4 interop: RATCHETCHECK_V4_INTEROP_SEED=([0-9]+))");
    const std::regex summary(
        R"(v4 interop: ([0-9]+) traces, each in both placements, in ([0-9.]+) s: ([0-9.]+) trace runs/s)");
    std::smatch match;
    if (!std::regex_search(output, match, seed_line))
        return run;
    run.seed = number_of(match[1]);
    if (!std::regex_search(output, match, summary))
        return run;
    run.found = true;
    run.traces = number_of(match[1]);
    run.seconds = decimal_of(match[2]);
    run.trace_runs_per_second = decimal_of(match[3]);
    return run;
}

InteropRun v3_interop_run(const std::string& output, std::uint64_t seed) {
    InteropRun run;
    const std::string seed_line = fmt::format("interop: RATCHETCHECK_INTEROP_SEED={} ", seed);
    const std::size_t at = output.find(seed_line);
    if (at == std::string::npos)
        return run;
    run.seed = seed;
    const std::regex summary(R"(interop: ([0-9]+) traces x 2 placements, [^\n]*; ([0-9.]+) s)");
    std::smatch match;
    const std::string rest = output.substr(at);
    if (!std::regex_search(rest, match, summary))
        return run;
    run.found = true;
    run.traces = number_of(match[1]);
    run.seconds = decimal_of(match[2]);
    run.trace_runs_per_second =
        run.seconds > 0 ? 2.0 * static_cast<double>(run.traces) / run.seconds : 0.0;
    return run;
}

json profiles_section(const json& checks) {
    json profiles = json::array();
    for (const std::string profile : {profile_v3, profile_v4}) {
        json rows = json::array();
        std::string verdict = "pass";
        json proof_row_of_profile;
        for (const CheckInfo& info : check_catalogue()) {
            const Scope* scope = scope_of(info.id);
            if (scope == nullptr)
                continue;
            const bool in_scope = profile == profile_v3 || scope->covers_v4;
            json check;
            for (const json& each : checks) {
                if (each.value("id", std::string()) == info.id)
                    check = each;
            }
            const std::string check_status =
                check.is_object() ? check.value("status", std::string("skipped")) : "skipped";
            json row;
            if (check_status != "pass" && check_status != "fail") {
                // Not selected, skipped by the mode or not available: nothing of it ran.
                row =
                    row_of(info.id, profile, "not_run", in_scope,
                           fmt::format("the check did not run ({}: {})", check_status,
                                       check.is_object() ? check.value("summary", "") : ""),
                           Tally{}.to_json(), check.is_object() ? check.value("command", "") : "");
                row["check_ran"] = false;
            } else if (info.id == "fuzz") {
                row = fuzz_row(check, profile);
            } else if (info.id == "proof") {
                row = proof_row(check, profile, in_scope, scope->why_not_v4);
                proof_row_of_profile = row;
            } else if (info.id == "certificates") {
                // The certificates are the proof's: of a profile only when its invariants are.
                const bool has_invariants =
                    proof_row_of_profile.is_object() && proof_row_of_profile["status"] != "not_run";
                row = row_of(info.id, profile, has_invariants ? check_status : "not_run", in_scope,
                             has_invariants ? check.value("summary", "") : scope->why_not_v4,
                             check.value("counts", json::object()), check.value("command", ""));
            } else if (info.id == "vectors") {
                // Each profile's transcripts are replayed by a run of their own (checks.cpp
                // vectors_check): the row is that run's, NOT RUN when there was none.
                const json runs = check.value("by_profile", json::object());
                if (runs.contains(profile)) {
                    const json& run = runs[profile];
                    row = row_of(info.id, profile, run.value("status", "fail"), in_scope,
                                 run.value("summary", ""), run.value("counts", json::object()),
                                 run.value("command", ""));
                } else {
                    row = row_of(info.id, profile, "not_run", in_scope,
                                 "no replay of this profile's transcripts is in the check's result",
                                 json::object(), check.value("command", ""));
                }
            } else if (info.id == "coverage") {
                // One measurement over both profiles' unit and KAT tests and corpora: not split.
                row = row_of(info.id, profile, check_status, in_scope,
                             check.value("summary", "") +
                                 " (one figure for both profiles: not split by profile)",
                             json::object(), check.value("command", ""));
            } else {
                row = ctest_row(check, profile, in_scope, scope->why_not_v4);
            }
            const std::string status = row["status"];
            if (status == "fail")
                verdict = "fail";
            else if (status != "pass" && verdict != "fail")
                verdict = "incomplete";
            rows.push_back(row);
        }
        profiles.push_back({{"name", profile}, {"verdict", verdict}, {"rows", rows}});
    }
    return profiles;
}

std::vector<std::string> profile_shortfalls(const json& profiles) {
    std::vector<std::string> shortfalls;
    for (const json& profile : profiles) {
        for (const json& row : profile.value("rows", json::array())) {
            const std::string status = row.value("status", std::string());
            if (!row.value("in_scope", false) || status == "pass" || status == "fail")
                continue;
            // A check that did not run at all is already counted by the verdict.
            if (!row.value("check_ran", true))
                continue;
            shortfalls.push_back(fmt::format("{} {}: {} ({})", row.value("check", ""),
                                             profile.value("name", ""), status,
                                             row.value("detail", "")));
        }
    }
    return shortfalls;
}

}  // namespace ratchetcheck::evidence
