#include "traceability.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "specs.hpp"
#include "support.hpp"

namespace ratchetcheck::evidence {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream stream(text);
    while (std::getline(stream, part, separator)) {
        if (!part.empty())
            parts.push_back(part);
    }
    return parts;
}

bool scanned_file(const fs::path& path) {
    const std::string extension = path.extension().string();
    return extension == ".cpp" || extension == ".hpp" || extension == ".cmake" ||
           path.filename() == "CMakeLists.txt";
}

}  // namespace

json scan_annotations(const fs::path& source) {
    json annotations = json::array();
    // The marker is assembled so that this file, were it scanned, would not annotate itself.
    const std::string marker = std::string("@") + "evidence ";
    for (const char* directory : {"tests", "proofs", "fuzz", "harness"}) {
        const fs::path root = source / directory;
        if (!fs::is_directory(root))
            continue;
        std::vector<fs::path> files;
        for (const auto& entry : fs::recursive_directory_iterator(root)) {
            if (entry.is_regular_file() && scanned_file(entry.path()))
                files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& file : files) {
            const std::string text = read_text(file).value_or("");
            if (text.find(marker) == std::string::npos)
                continue;
            std::istringstream lines(text);
            std::string line;
            for (std::size_t number = 1; std::getline(lines, line); ++number) {
                const std::size_t at = line.find(marker);
                if (at == std::string::npos)
                    continue;
                json annotation{{"file", fs::relative(file, source).string()},
                                {"line", number},
                                {"functions", json::array()},
                                {"clauses", json::array()},
                                {"mechanisms", json::array()}};
                for (const std::string& field : split(line.substr(at + marker.size()), ' ')) {
                    const std::size_t equals = field.find('=');
                    if (equals == std::string::npos)
                        continue;
                    const std::string key = field.substr(0, equals);
                    const std::string value = field.substr(equals + 1);
                    if (key == "check")
                        annotation["check"] = value;
                    else if (key == "functions" || key == "clauses" || key == "mechanisms")
                        annotation[key] = split(value, ',');
                }
                if (!annotation.contains("check") ||
                    annotation["check"].get<std::string>().find(':') == std::string::npos)
                    annotation["error"] = "no check=KIND:NAME";
                annotations.push_back(std::move(annotation));
            }
        }
    }
    return annotations;
}

std::vector<std::string> clauses_of(const std::string& spec_clause) {
    std::vector<std::string> clauses;
    for (const Citation& citation : citations_in(spec_clause)) {
        if (std::find(clauses.begin(), clauses.end(), citation.clause) == clauses.end())
            clauses.push_back(citation.clause);
    }
    return clauses;
}

namespace {

bool glob_matches(const std::string& pattern, const std::string& name) {
    if (!pattern.empty() && pattern.back() == '*')
        return name.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0;
    return pattern == name;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// CheckResults indexes this run's outcome of every test, invariant, fuzz target and label.
struct CheckResults {
    std::map<std::string, std::string> tests;       // ctest name -> pass/fail/skipped
    std::map<std::string, std::string> invariants;  // id -> pass/fail
    std::map<std::string, std::string> labels;      // label / check id -> status
    std::map<std::string, std::string> fuzz_runs;   // fuzz target -> this run's libFuzzer run
};

CheckResults index_results(const json& checks) {
    CheckResults results;
    for (const json& check : checks) {
        const std::string status = check.value("status", "");
        results.labels[check.value("id", "")] = status;
        if (check.contains("label"))
            results.labels[check["label"].get<std::string>()] = status;
        for (const json& test : check.value("tests", json::array()))
            results.tests[test.value("name", "")] = test.value("status", "");
        if (check.value("id", "") == "fuzz") {
            for (const json& run : check.value("targets", json::array()))
                results.fuzz_runs[run.value("target", "")] =
                    run.value("result", "") == "ok" ? "pass" : "fail";
        }
        for (const json& invariant : check.value("invariants", json::array())) {
            results.invariants[invariant.value("id", "")] =
                invariant.value("status", "") == "proved" ? "pass" : "fail";
        }
    }
    return results;
}

// result_of is the outcome of one annotated check in this run: pass, fail or not_run.
std::string result_of(const std::string& check, const CheckResults& results) {
    const std::size_t colon = check.find(':');
    const std::string kind = check.substr(0, colon);
    const std::string name = check.substr(colon + 1);
    const auto status_of = [](const std::map<std::string, std::string>& map,
                              const std::string& key) {
        const auto found = map.find(key);
        return found == map.end() ? std::string("not_run") : found->second;
    };
    if (kind == "test") {
        std::string outcome = "not_run";
        for (const auto& [test, status] : results.tests) {
            if (!glob_matches(name, test))
                continue;
            if (status == "fail")
                return "fail";
            if (status == "pass")
                outcome = "pass";
        }
        return outcome;
    }
    if (kind == "invariant")
        return status_of(results.invariants, name);
    // replay: the corpus replayed (ctest fuzz_replay_<target>); fuzz: this run's libFuzzer run.
    if (kind == "replay")
        return status_of(results.tests, "fuzz_replay_" + name);
    if (kind == "fuzz")
        return status_of(results.fuzz_runs, name);
    if (kind == "transcripts")
        return status_of(results.labels, "vectors");
    if (kind == "label")
        return status_of(results.labels, name);
    return "not_run";
}

std::string known_problem(const std::string& check, const KnownChecks& known) {
    const std::size_t colon = check.find(':');
    const std::string kind = check.substr(0, colon);
    const std::string name = check.substr(colon + 1);
    if (kind == "test") {
        const bool any =
            std::any_of(known.tests.begin(), known.tests.end(),
                        [&](const std::string& test) { return glob_matches(name, test); });
        return any ? "" : "no ctest test matches " + name;
    }
    if (kind == "invariant")
        return contains(known.invariants, name) ? "" : "no invariant " + name + " in the catalogue";
    if (kind == "fuzz" || kind == "replay")
        return contains(known.fuzz_targets, name) ? "" : "no fuzz target " + name;
    if (kind == "transcripts")
        return contains(known.transcripts, name) ? "" : "no transcript directory " + name;
    if (kind == "label")
        return contains(known.labels, name) ? "" : "no ctest label " + name;
    return "unknown kind " + kind;
}

}  // namespace

json build_traceability(const json& security_target, const json& annotations,
                        const KnownChecks& known, const json& invariant_clauses, const json& checks,
                        const SpecTocs& tocs, const json& citation_problems) {
    const CheckResults results = index_results(checks);
    std::set<std::string> function_ids;
    std::set<std::string> mechanism_ids;
    for (const json& function : security_target.value("functions", json::array()))
        function_ids.insert(function.value("id", ""));
    for (const json& mechanism : security_target.value("mechanisms", json::array()))
        mechanism_ids.insert(mechanism.value("id", ""));

    std::map<std::string, std::set<std::string>> checks_of_function;
    std::map<std::string, std::set<std::string>> checks_of_clause;
    std::map<std::string, std::set<std::string>> checks_of_mechanism;
    json problems = json::array();
    for (const std::string& error : tocs.errors)
        problems.push_back({{"where", "docs/specs"}, {"problem", error}});
    for (const json& problem : citation_problems)
        problems.push_back(problem);
    // The security target states what it claims of a clause; the clause itself is the tables'.
    std::map<std::string, std::string> statement_of_clause;
    for (const json& clause : security_target.value("spec_clauses", json::array())) {
        const std::string id = clause.value("id", "");
        if (const std::string problem = clause_problem(id, tocs); !problem.empty())
            problems.push_back({{"where", "security target spec_clauses"}, {"problem", problem}});
        else
            statement_of_clause[id] = clause.value("statement", "");
    }
    for (const json& annotation : annotations) {
        const std::string where =
            fmt::format("{}:{}", annotation.value("file", ""), annotation.value("line", 0));
        if (annotation.contains("error")) {
            problems.push_back({{"where", where}, {"problem", annotation["error"]}});
            continue;
        }
        const std::string check = annotation["check"];
        if (const std::string problem = known_problem(check, known); !problem.empty()) {
            problems.push_back({{"where", where}, {"problem", problem}});
            // Its clauses are still checked: a wrong clause id is wrong whatever the check.
            for (const std::string clause : annotation["clauses"]) {
                if (const std::string clause_error = clause_problem(clause, tocs);
                    !clause_error.empty())
                    problems.push_back({{"where", where}, {"problem", clause_error}});
            }
            continue;
        }
        // A fuzz target is two pieces of evidence with their own outcomes: its corpus replayed
        // (replay:) and this run's fuzzing (fuzz:).
        std::vector<std::string> chips{check};
        if (check.rfind("fuzz:", 0) == 0)
            chips = {"replay:" + check.substr(5), check};
        for (const std::string function : annotation["functions"]) {
            if (!function_ids.contains(function))
                problems.push_back(
                    {{"where", where}, {"problem", "no security function " + function}});
            else
                checks_of_function[function].insert(chips.begin(), chips.end());
        }
        for (const std::string clause : annotation["clauses"]) {
            if (const std::string problem = clause_problem(clause, tocs); !problem.empty())
                problems.push_back({{"where", where}, {"problem", problem}});
            else
                checks_of_clause[clause].insert(chips.begin(), chips.end());
        }
        for (const std::string mechanism : annotation["mechanisms"]) {
            if (!mechanism_ids.contains(mechanism))
                problems.push_back({{"where", where}, {"problem", "no mechanism " + mechanism}});
            else
                checks_of_mechanism[mechanism].insert(chips.begin(), chips.end());
        }
    }
    // The catalogue's spec_clause fields: each invariant checks the clauses it cites.
    for (const json& invariant : invariant_clauses) {
        const std::string id = invariant.value("id", "");
        for (const std::string& clause : clauses_of(invariant.value("spec_clause", ""))) {
            if (const std::string problem = clause_problem(clause, tocs); !problem.empty())
                problems.push_back({{"where", "invariant " + id}, {"problem", problem}});
            else
                checks_of_clause[clause].insert("invariant:" + id);
        }
    }

    const auto references = [&results](const std::set<std::string>& names) {
        json list = json::array();
        for (const std::string& name : names)
            list.push_back({{"check", name}, {"result", result_of(name, results)}});
        return list;
    };
    json gaps = {{"threats", json::array()},
                 {"functions", json::array()},
                 {"clauses", json::array()},
                 {"mechanisms", json::array()}};
    json functions = json::array();
    for (const json& function : security_target.value("functions", json::array())) {
        const std::string id = function.value("id", "");
        const json list = references(checks_of_function[id]);
        if (list.empty())
            gaps["functions"].push_back(id);
        functions.push_back({{"id", id},
                             {"name", function.value("name", "")},
                             {"counters", function.value("counters", json::array())},
                             {"checks", list}});
    }
    json threats = json::array();
    for (const json& threat : security_target.value("threats", json::array())) {
        const std::string id = threat.value("id", "");
        json countering = json::array();
        std::set<std::string> threat_checks;
        for (const json& function : security_target.value("functions", json::array())) {
            const json counters = function.value("counters", json::array());
            if (std::find(counters.begin(), counters.end(), id) == counters.end())
                continue;
            const std::string function_id = function.value("id", "");
            countering.push_back(function_id);
            threat_checks.insert(checks_of_function[function_id].begin(),
                                 checks_of_function[function_id].end());
        }
        // A threat the target leaves to an assumption on the environment, with its impact
        // stated (T.STATE_ROLLBACK and A.STORAGE), is not a gap: the report shows it as assumed.
        const json assumptions = threat.value("assumptions", json::array());
        const bool left_to_assumption = !assumptions.empty() && threat.contains("impact");
        if (threat_checks.empty() && !left_to_assumption)
            gaps["threats"].push_back(id);
        threats.push_back({{"id", id},
                           {"text", threat.value("text", "")},
                           {"functions", countering},
                           {"assumptions", assumptions},
                           {"impact", threat.value("impact", "")},
                           {"checks", references(threat_checks)}});
    }
    // Every normative clause has a row, traced or not (untraced, it is a gap); an informative
    // clause has one only when a check cites it.
    json clauses = json::array();
    for (const SpecClause& clause : tocs.clauses) {
        const json list = references(checks_of_clause[clause.id]);
        if (!clause.normative && list.empty())
            continue;
        if (clause.normative && list.empty())
            gaps["clauses"].push_back(clause.id);
        const std::string cited_as =
            clause.spec.rfind("RFC", 0) == 0 ? "RFC " + clause.spec.substr(3) : clause.spec;
        json row = {{"id", clause.id},
                    {"title", fmt::format("{} §{} {}{}{}", cited_as, clause.number, clause.title,
                                          clause.normative ? "" : " (informative)",
                                          clause.verified ? "" : " (heading not verified)")},
                    {"normative", clause.normative},
                    {"checks", list}};
        if (!clause.requirement.empty())
            row["requirement"] = clause.requirement;
        if (const auto statement = statement_of_clause.find(clause.id);
            statement != statement_of_clause.end() && !statement->second.empty())
            row["statement"] = statement->second;
        clauses.push_back(std::move(row));
    }
    json mechanisms = json::object();
    for (const std::string& id : mechanism_ids) {
        mechanisms[id] = references(checks_of_mechanism[id]);
        if (checks_of_mechanism[id].empty())
            gaps["mechanisms"].push_back(id);
    }
    // Covered on paper but not in this pack: every check of it was not run (a skipped label such
    // as ct, or an --only run). Not a gap, but not evidence either; the report says so.
    json not_verified = json::array();
    const auto note_unverified = [&not_verified](const std::string& kind, const json& row) {
        const json& list = row["checks"];
        const bool any_ran = std::any_of(list.begin(), list.end(), [](const json& reference) {
            return reference.value("result", "") != "not_run";
        });
        if (!list.empty() && !any_ran)
            not_verified.push_back(fmt::format("{} ({})", row.value("id", ""), kind));
    };
    for (const json& row : threats)
        note_unverified("threats", row);
    for (const json& row : functions)
        note_unverified("functions", row);
    for (const json& row : clauses)
        note_unverified("clauses", row);
    // Checks that exist but carry no annotation: not a gap of the target, but worth seeing.
    std::set<std::string> annotated_targets;
    for (const json& annotation : annotations) {
        const std::string check = annotation.value("check", "");
        if (check.rfind("fuzz:", 0) == 0)
            annotated_targets.insert(check.substr(5));
        if (check.rfind("replay:", 0) == 0)
            annotated_targets.insert(check.substr(7));
    }
    json unannotated_fuzz = json::array();
    for (const std::string& target : known.fuzz_targets) {
        if (!annotated_targets.contains(target))
            unannotated_fuzz.push_back(target);
    }
    return {{"threats", threats},
            {"functions", functions},
            {"clauses", clauses},
            {"mechanism_checks", mechanisms},
            {"gaps", gaps},
            {"not_verified_in_this_run", not_verified},
            {"annotation_problems", problems},
            {"annotations", annotations.size()},
            {"unannotated_fuzz_targets", unannotated_fuzz},
            {"specs", tocs.documents}};
}

}  // namespace ratchetcheck::evidence

namespace ratchetcheck::evidence {

std::string check_reference_problem(const std::string& check, const KnownChecks& known) {
    if (check.find(':') == std::string::npos)
        return "no KIND:NAME in " + check;
    return known_problem(check, known);
}

std::string check_reference_result(const std::string& check, const nlohmann::json& checks) {
    return result_of(check, index_results(checks));
}

}  // namespace ratchetcheck::evidence
