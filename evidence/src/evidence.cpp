#include "ratchetcheck/evidence/evidence.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "analysis.hpp"
#include "charts.hpp"
#include "checks.hpp"
#include "fuzzing.hpp"
#include "html.hpp"
#include "identification.hpp"
#include "manifest.hpp"
#include "pdf.hpp"
#include "profiles.hpp"
#include "ratchetcheck/proofs/catalogue.hpp"
#include "ratchetcheck/proofs/prover.hpp"
#include "support.hpp"
#include "traceability.hpp"
#include "verdict.hpp"

#ifndef RATCHETCHECK_SOURCE_DIR
#define RATCHETCHECK_SOURCE_DIR ""
#endif

namespace ratchetcheck::evidence {
namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string>& evidence_check_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        for (const CheckInfo& info : check_catalogue())
            list.push_back(info.id);
        return list;
    }();
    return names;
}

namespace {

fs::path self_path() {
    std::error_code error;
    const fs::path path = fs::read_symlink("/proc/self/exe", error);
    return error ? fs::path("ratchetcheck") : path;
}

std::string now_utc() {
    const std::time_t now = std::time(nullptr);
    std::tm parts{};
    gmtime_r(&now, &parts);
    std::array<char, 32> buffer{};
    std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
    return buffer.data();
}

std::string tool_version(const std::string& command) {
    const std::optional<std::string> output = capture(command + " 2>&1");
    return output ? first_line(*output) : "not installed";
}

json environment_of(const CheckPaths& paths, const std::string& program_version) {
    json environment;
    environment["ratchetcheck"] = program_version;
    const std::optional<std::string> commit = capture(
        fmt::format("git -C {} rev-parse HEAD 2>/dev/null", shell_quote(paths.source.string())));
    const std::optional<std::string> dirty = capture(fmt::format(
        "git -C {} status --porcelain 2>/dev/null", shell_quote(paths.source.string())));
    environment["source_commit"] =
        commit
            ? first_line(*commit) + (dirty && !dirty->empty() ? " (with uncommitted changes)" : "")
            : "unknown (not a git checkout)";
    const std::string compiler = cache_value(paths.build, "CMAKE_CXX_COMPILER");
    environment["compiler"] =
        tool_version(shell_quote(compiler.empty() ? "c++" : compiler) + " --version");
    environment["build_type"] = cache_value(paths.build, "CMAKE_BUILD_TYPE");
    environment["compile_flags"] = compile_flags(paths.build);
    environment["libraries"] = {
        {"libsodium", sodium_version_string()},
        {"OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING)},
        {"Z3 (linked)", proofs::solver_version()},
        {"fmt",
         fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)},
        {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR,
                                      NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH)},
        {"libsignal-protocol-c (peer)",
         tool_version("dpkg-query -W -f='${Version}' libsignal-protocol-c-dev")},
        {"RapidCheck", tool_version("dpkg-query -W -f='${Version}' librapidcheck-dev")},
        {"GoogleTest", tool_version("dpkg-query -W -f='${Version}' libgtest-dev")}};
    environment["tools"] = {
        {"cmake", tool_version("cmake --version")},
        {"ctest", tool_version("ctest --version")},
        {"z3", tool_version("z3 --version")},
        {"cvc5", tool_version("cvc5 --version")},
        {"valgrind", tool_version("valgrind --version")},
        {"dot", tool_version("dot -V")},
        // Debian's chromium wrapper script may print a shell warning before the version line.
        {"chromium",
         last_line_matching(capture("chromium --version 2>/dev/null").value_or(""), "Chromium")},
        {"clang-14 (fuzz, coverage builds)", tool_version("clang-14 --version")}};
    utsname host{};
    if (uname(&host) == 0)
        environment["host"] = fmt::format("{} {} {}", host.sysname, host.release, host.machine);
    const std::string os = read_text("/etc/os-release").value_or("");
    environment["os"] = last_line_matching(os, "PRETTY_NAME=");
    environment["cores"] = std::to_string(sysconf(_SC_NPROCESSORS_ONLN));
    environment["load_average_at_start"] = first_line(read_text("/proc/loadavg").value_or(""));
    // Relative to the pack, as every path of the pack is (verification.roots).
    environment["paths"] = {{"build", fs::relative(paths.build, paths.out).string()},
                            {"source", fs::relative(paths.source, paths.out).string()},
                            {"shared", fs::relative(paths.shared, paths.out).string()}};
    return environment;
}

// print_profiles prints one line per profile after the verdict: its own verdict and its checks
// by status, so that a PASS of the run is never read as a PASS of a profile it does not cover.
void print_profiles(const json& profiles) {
    for (const json& profile : profiles) {
        std::map<std::string, std::vector<std::string>> by_status;
        for (const json& row : profile["rows"])
            by_status[row.value("status", std::string())].push_back(row.value("check", ""));
        std::string parts;
        for (const char* status : {"fail", "incomplete", "not_run", "pass"}) {
            if (by_status.contains(status))
                parts += fmt::format("{}{}: {}", parts.empty() ? "" : "; ", status,
                                     fmt::join(by_status[status], ", "));
        }
        std::string headline = profile.value("verdict", std::string());
        std::transform(headline.begin(), headline.end(), headline.begin(),
                       [](unsigned char character) { return std::toupper(character); });
        fmt::print("profile {}: {} — {}\n", profile.value("name", ""), headline, parts);
    }
}

// cargo_lock_version is the version Cargo.lock pins for `package` ("" when it is not there): the
// Rust crates are built from the lock, so it, not the security target's text, says what ran.
std::string cargo_lock_version(const fs::path& lock, const std::string& package) {
    const std::string text = read_text(lock).value_or("");
    const std::size_t entry = text.find(fmt::format("name = \"{}\"\nversion = \"", package));
    if (entry == std::string::npos)
        return "";
    const std::size_t start = text.find("version = \"", entry) + std::string("version = \"").size();
    return text.substr(start, text.find('"', start) - start);
}

json mechanisms_of(const json& target, const json& traceability, const fs::path& source) {
    json mechanisms = json::array();
    for (json mechanism : target.value("mechanisms", json::array())) {
        const std::string library = mechanism.value("library", "");
        std::string versions;
        if (library.find("libsodium") != std::string::npos)
            versions += fmt::format("libsodium {}", sodium_version_string());
        if (library.find("OpenSSL") != std::string::npos) {
            versions +=
                fmt::format("{}{}", versions.empty() ? "" : "; ", OpenSSL_version(OPENSSL_VERSION));
        }
        if (library.find("libcrux-ml-kem") != std::string::npos) {
            const fs::path lock = source / "protocol" / "kem" / "Cargo.lock";
            const std::string pinned = cargo_lock_version(lock, "libcrux-ml-kem");
            versions += fmt::format("{}libcrux-ml-kem {}", versions.empty() ? "" : "; ",
                                    pinned.empty() ? "NOT FOUND in protocol/kem/Cargo.lock"
                                                   : pinned + " (protocol/kem/Cargo.lock)");
        }
        mechanism["library_version"] = fmt::format("{} — {}", library, versions);
        mechanism["kats"] =
            traceability["mechanism_checks"].value(mechanism.value("id", ""), json::array());
        mechanisms.push_back(std::move(mechanism));
    }
    return mechanisms;
}

// Compare -------------------------------------------------------------------------------------

json compare_reports(const json& old_report, const json& new_report) {
    json changes = json::array();
    std::map<std::string, json> old_checks;
    for (const json& check : old_report.value("checks", json::array()))
        old_checks[check.value("id", "")] = check;
    if (old_report.value("verdict", "") != new_report.value("verdict", "")) {
        changes.push_back(fmt::format("verdict {} → {}", old_report.value("verdict", "?"),
                                      new_report.value("verdict", "?")));
    }
    std::set<std::string> seen;
    for (const json& check : new_report.value("checks", json::array())) {
        const std::string id = check.value("id", "");
        seen.insert(id);
        const auto old = old_checks.find(id);
        if (old == old_checks.end()) {
            changes.push_back(fmt::format("check {} is new ({})", id, check.value("status", "")));
            continue;
        }
        const std::string before = old->second.value("status", "");
        const std::string after = check.value("status", "");
        if (before != after)
            changes.push_back(fmt::format("check {} flipped: {} → {}", id, before, after));
        const json old_counts = old->second.value("counts", json::object());
        const json new_counts = check.value("counts", json::object());
        for (const auto& [key, value] : new_counts.items()) {
            if (!old_counts.contains(key))
                changes.push_back(
                    fmt::format("check {}: count {} is new ({})", id, key, value.dump()));
            else if (old_counts[key] != value)
                changes.push_back(fmt::format("check {}: {} {} → {}", id, key,
                                              old_counts[key].dump(), value.dump()));
        }
        std::map<std::string, std::string> old_tests;
        for (const json& test : old->second.value("tests", json::array()))
            old_tests[test.value("name", "")] = test.value("status", "");
        for (const json& test : check.value("tests", json::array())) {
            const auto found = old_tests.find(test.value("name", ""));
            if (found != old_tests.end() && found->second != test.value("status", "")) {
                changes.push_back(fmt::format("test {} flipped: {} → {}", found->first,
                                              found->second, test.value("status", "")));
            }
        }
    }
    // Each profile's verdict and rows (a pack written before the profiles has none to compare).
    std::map<std::string, json> old_profiles;
    for (const json& profile : old_report.value("profiles", json::array()))
        old_profiles[profile.value("name", "")] = profile;
    for (const json& profile : new_report.value("profiles", json::array())) {
        const std::string name = profile.value("name", "");
        const auto old = old_profiles.find(name);
        if (old == old_profiles.end())
            continue;
        if (old->second.value("verdict", "") != profile.value("verdict", ""))
            changes.push_back(fmt::format("profile {} verdict {} → {}", name,
                                          old->second.value("verdict", ""),
                                          profile.value("verdict", "")));
        std::map<std::string, std::string> old_rows;
        for (const json& row : old->second.value("rows", json::array()))
            old_rows[row.value("check", "")] = row.value("status", "");
        for (const json& row : profile.value("rows", json::array())) {
            const auto found = old_rows.find(row.value("check", ""));
            if (found != old_rows.end() && found->second != row.value("status", ""))
                changes.push_back(fmt::format("profile {} check {} flipped: {} → {}", name,
                                              found->first, found->second,
                                              row.value("status", "")));
        }
    }
    for (const auto& [id, check] : old_checks) {
        if (!seen.contains(id))
            changes.push_back(fmt::format("check {} is not in the new pack", id));
    }
    const json old_gaps =
        old_report.value("traceability", json::object()).value("gaps", json::object());
    const json new_gaps =
        new_report.value("traceability", json::object()).value("gaps", json::object());
    for (const char* kind : {"threats", "functions", "clauses", "mechanisms"}) {
        std::set<std::string> before;
        std::set<std::string> after;
        for (const json& gap : old_gaps.value(kind, json::array()))
            before.insert(gap.get<std::string>());
        for (const json& gap : new_gaps.value(kind, json::array()))
            after.insert(gap.get<std::string>());
        for (const std::string& gap : after) {
            if (!before.contains(gap))
                changes.push_back(fmt::format("gap opened ({}): {}", kind, gap));
        }
        for (const std::string& gap : before) {
            if (!after.contains(gap))
                changes.push_back(fmt::format("gap closed ({}): {}", kind, gap));
        }
    }
    return changes;
}

// Options -------------------------------------------------------------------------------------

struct Resolved {
    CheckPaths paths;
    CheckPlan plan;
    std::vector<std::string> selected;
};

std::optional<Resolved> resolve(const EvidenceOptions& options) {
    Resolved resolved;
    CheckPaths& paths = resolved.paths;
    paths.self = self_path();
    // The build tree this binary sits in (build/default/bin/ratchetcheck), unless told otherwise.
    paths.build = options.build_directory.empty() ? paths.self.parent_path().parent_path()
                                                  : fs::path(options.build_directory);
    paths.build = fs::weakly_canonical(fs::absolute(paths.build));
    std::string source = options.source_directory;
    if (source.empty())
        source = cache_value(paths.build, "CMAKE_HOME_DIRECTORY");
    if (source.empty())
        source = RATCHETCHECK_SOURCE_DIR;
    paths.source = fs::weakly_canonical(fs::absolute(source));
    std::string shared = options.shared_directory;
    if (shared.empty())
        shared = cache_value(paths.build, "RATCHETCHECK_SHARED_DIR");
    if (shared.empty())
        shared = (paths.source / ".." / "shared").string();
    paths.shared = fs::weakly_canonical(fs::absolute(shared));
    paths.out = fs::weakly_canonical(fs::absolute(options.out_directory.empty()
                                                      ? paths.build / "evidence"
                                                      : fs::path(options.out_directory)));
    if (!fs::exists(paths.build / "CTestTestfile.cmake")) {
        fmt::print(stderr,
                   "evidence: {} is not a configured build tree (no CTestTestfile.cmake); build "
                   "with `cmake --preset default && cmake --build --preset default` or pass "
                   "--build-dir\n",
                   paths.build.string());
        return std::nullopt;
    }
    if (!fs::is_directory(paths.source / "corpus")) {
        fmt::print(stderr, "evidence: {} is not the source tree (no corpus/); pass --source-dir\n",
                   paths.source.string());
        return std::nullopt;
    }
    CheckPlan& plan = resolved.plan;
    plan.quick = options.quick;
    plan.seed = options.seed;
    // The default run sizes property and interop by time budgets, at least 2,000 cases and
    // scenarios each, and builds the fuzz and coverage trees it needs: within 15 minutes on two
    // cores with build/default built; --quick builds nothing and stays within 60 s
    // (docs/evidence.md gives the measured times).
    plan.property_cases =
        options.property_cases > 0 ? options.property_cases : (options.quick ? 25 : 2000);
    plan.interop_scenarios = options.quick ? 50 : 2000;
    plan.property_budget_seconds = options.quick ? 0 : 120;
    plan.interop_budget_seconds = options.quick ? 0 : 60;
    plan.build_trees = !options.quick && !options.no_build;
    // The full re-check of the ~600 certificates takes 3 minutes on two idle cores (6 when the
    // machine is shared): the default run re-checks an even sample, --only certificates all of
    // them (decisions E31).
    const bool certificates_named =
        std::find(options.only.begin(), options.only.end(), "certificates") != options.only.end();
    plan.certificate_sample = certificates_named ? 0 : (options.quick ? 12 : 150);
    plan.fuzz_seconds = options.fuzz_seconds > 0 ? options.fuzz_seconds : (options.quick ? 0 : 3);
    plan.with_mutants = !options.quick;
    plan.with_ct = !options.quick;  // 46 s under valgrind on the shared machine
    const std::vector<std::string>& names = evidence_check_names();
    for (const std::string& only : options.only) {
        if (std::find(names.begin(), names.end(), only) == names.end()) {
            fmt::print(stderr, "evidence: --only {}: no such check; known: {}\n", only,
                       fmt::join(names, ", "));
            return std::nullopt;
        }
    }
    // Checks named by --only run even where the mode would skip them (mutants in --quick, ct).
    for (const std::string& name : names) {
        const bool named =
            std::find(options.only.begin(), options.only.end(), name) != options.only.end();
        if (options.only.empty() || named)
            resolved.selected.push_back(name);
        if (named && name == "mutants")
            plan.with_mutants = true;
        if (named && name == "ct")
            plan.with_ct = true;
    }
    // The certificates are those the proof check writes: --only certificates proves too.
    if (std::find(resolved.selected.begin(), resolved.selected.end(), "certificates") !=
            resolved.selected.end() &&
        std::find(resolved.selected.begin(), resolved.selected.end(), "proof") ==
            resolved.selected.end())
        resolved.selected.insert(resolved.selected.begin(), "proof");
    return resolved;
}

}  // namespace

int run_evidence(const EvidenceOptions& options) {
    if (!options.verify_directory.empty())
        return verify_pack(options.verify_directory, {.source = options.source_directory,
                                                      .shared = options.shared_directory,
                                                      .build = options.build_directory});
    const std::optional<Resolved> resolved = resolve(options);
    if (!resolved)
        return 2;
    const CheckPaths& paths = resolved->paths;
    const auto start = std::chrono::steady_clock::now();
    // The old report is read before anything is written: --compare may name the directory this
    // run replaces (the default pack, to see what changed since the last run).
    std::optional<json> old_report;
    if (!options.compare_directory.empty()) {
        const fs::path old_file = fs::path(options.compare_directory) / "report.json";
        try {
            old_report = json::parse(read_text(old_file).value_or(""));
        } catch (const json::exception& parse_error) {
            fmt::print(stderr, "evidence --compare: {} unreadable: {}\n", old_file.string(),
                       parse_error.what());
        }
    }
    std::error_code error;
    // A fresh pack: files of an earlier run must not survive into this one's manifest. Only an
    // earlier pack (or an empty directory) is removed, never a directory --out named by mistake.
    if (fs::exists(paths.out) && !fs::is_empty(paths.out, error) &&
        !fs::exists(paths.out / "manifest.json") && !fs::exists(paths.out / "report.json") &&
        !fs::exists(paths.out / "logs")) {
        fmt::print(stderr,
                   "evidence: {} exists and is not an evidence pack (no report.json or "
                   "manifest.json); choose another --out\n",
                   paths.out.string());
        return 2;
    }
    fs::remove_all(paths.out, error);
    fs::create_directories(paths.out / "logs", error);
    if (error) {
        fmt::print(stderr, "evidence: cannot create {}: {}\n", paths.out.string(), error.message());
        return 2;
    }
    fmt::print("ratchetcheck evidence ({}): {} check(s), build {}, pack {}\n",
               options.quick ? "quick" : "default", resolved->selected.size(), paths.build.string(),
               paths.out.string());
    std::fflush(stdout);

    json checks = json::array();
    std::size_t index = 0;
    for (const std::string& id : resolved->selected) {
        ++index;
        const double elapsed_before =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        json result = run_check(id, paths, resolved->plan);
        std::string status = result["status"];
        std::transform(status.begin(), status.end(), status.begin(),
                       [](unsigned char character) { return std::toupper(character); });
        fmt::print("[{:>2}/{}] {:<13} {:<13} {:>6.1f} s  (elapsed {:>4.0f} s)  {}\n", index,
                   resolved->selected.size(), id, status, result.value("seconds", 0.0),
                   elapsed_before + result.value("seconds", 0.0),
                   result.value("summary", std::string()));
        if (!result.value("command", std::string()).empty())
            fmt::print("        re-run: {}\n", result["command"].get<std::string>());
        for (const json& failure : result.value("failures", json::array()))
            fmt::print("        failed: {}\n",
                       failure.is_string() ? failure.get<std::string>() : failure.dump());
        std::fflush(stdout);
        checks.push_back(std::move(result));
    }

    // The security target and the traceability generated from the annotations.
    const fs::path target_file = paths.source / "docs" / "security-target" / "security-target.json";
    json target = json::object();
    json traceability_check = {
        {"id", "traceability"},
        {"title", "Traceability generated from the annotations"},
        {"status", "pass"},
        {"counts", json::object()},
        {"seconds", 0.0},
        {"parameters", json::object()},
        {"log", nullptr},
        {"failures", json::array()},
        {"command", "ratchetcheck evidence --only kat  (any run rebuilds it)"}};
    try {
        target = json::parse(read_text(target_file).value_or(""));
    } catch (const json::exception& parse_error) {
        traceability_check["status"] = "fail";
        traceability_check["failures"].push_back(
            fmt::format("{}: {}", target_file.string(), parse_error.what()));
    }
    target["source"] = fs::relative(target_file, paths.source).string();
    KnownChecks known;
    known.tests = ctest_test_names(paths.build);
    json invariant_clauses = json::array();
    for (const proofs::Invariant& invariant : proofs::invariant_catalogue()) {
        known.invariants.push_back(invariant.id);
        invariant_clauses.push_back({{"id", invariant.id}, {"spec_clause", invariant.spec_clause}});
    }
    if (fs::is_directory(paths.build / "bin")) {
        for (const auto& entry : fs::directory_iterator(paths.build / "bin")) {
            const std::string name = entry.path().filename().string();
            if (name.rfind("fuzz_", 0) == 0 && name != "fuzz_seed_corpus")
                known.fuzz_targets.push_back(name.substr(5));
        }
    }
    std::sort(known.fuzz_targets.begin(), known.fuzz_targets.end());
    if (fs::is_directory(paths.shared / "vectors")) {
        for (const auto& entry : fs::directory_iterator(paths.shared / "vectors")) {
            if (entry.is_directory())
                known.transcripts.push_back(entry.path().filename().string());
        }
    }
    known.labels = {"unit", "kat",         "vectors",    "property", "mutants", "proof",
                    "ct",   "fuzz-replay", "fuzz-build", "interop",  "evidence"};
    const json annotations = scan_annotations(paths.source);
    const SpecTocs spec_tocs = load_spec_tocs(paths.source);
    const json traceability =
        build_traceability(target, annotations, known, invariant_clauses, checks, spec_tocs,
                           scan_citations(paths.source, spec_tocs));
    const json& problems = traceability["annotation_problems"];
    std::size_t gap_count = 0;
    for (const auto& [kind, list] : traceability["gaps"].items())
        gap_count += list.size();
    traceability_check["counts"] = {{"annotations", annotations.size()},
                                    {"gaps", gap_count},
                                    {"annotation_problems", problems.size()}};
    for (const json& problem : problems) {
        traceability_check["status"] = "fail";
        traceability_check["failures"].push_back(
            fmt::format("{}: {}", problem.value("where", ""), problem.value("problem", "")));
    }
    const std::size_t not_verified = traceability["not_verified_in_this_run"].size();
    traceability_check["counts"]["not_verified_in_this_run"] = not_verified;
    traceability_check["summary"] = fmt::format(
        "{} annotations, {} gaps (listed in red in the report), {} stale or malformed "
        "annotations{}",
        annotations.size(), gap_count, problems.size(),
        not_verified == 0
            ? std::string()
            : fmt::format("; {} threats, functions or clauses checked only by checks not run here",
                          not_verified));
    fmt::print("[--] {:<13} {:<13} {}\n", "traceability",
               traceability_check["status"] == "pass" ? "PASS" : "FAIL",
               traceability_check["summary"].get<std::string>());
    for (const json& failure : traceability_check["failures"])
        fmt::print("        failed: {}\n", failure.get<std::string>());
    for (const auto& [kind, list] : traceability["gaps"].items()) {
        for (const json& gap : list)
            fmt::print("        gap ({}): {}\n", kind, gap.get<std::string>());
    }
    checks.push_back(traceability_check);
    // Deviations, attack classes and limits (analysis.hpp): a row naming a check that does not
    // exist fails the run like a stale annotation.
    const Analysis analysis = build_analysis(paths.source, paths.out, known, checks, target);
    fmt::print("[--] {:<13} {:<13} {}\n", "analysis",
               analysis.check["status"] == "pass"   ? "PASS"
               : analysis.check["status"] == "fail" ? "FAIL"
                                                    : "NOT AVAILABLE",
               analysis.check["summary"].get<std::string>());
    for (const json& failure : analysis.check["failures"])
        fmt::print("        failed: {}\n", failure.get<std::string>());
    checks.push_back(analysis.check);

    // Every check of the catalogue appears in the report: one that --only left out is listed as
    // skipped, so that the verdict and the reader see it did not run.
    for (const CheckInfo& info : check_catalogue()) {
        if (std::find(resolved->selected.begin(), resolved->selected.end(), info.id) !=
            resolved->selected.end())
            continue;
        checks.push_back({{"id", info.id},
                          {"title", info.title},
                          {"status", "skipped"},
                          {"summary", "not selected (--only)"},
                          {"counts", json::object()},
                          {"seconds", 0.0},
                          {"command", "ratchetcheck evidence --only " + info.id},
                          {"parameters", json::object()},
                          {"log", nullptr},
                          {"failures", json::array()}});
    }

    const json charts = sequence_charts(paths.source, paths.out, paths.self);
    const std::string diagram = state_machine_svg(paths.out, paths.source, paths.self);
    std::vector<std::string> pack_gaps;
    if (diagram.empty())
        pack_gaps.emplace_back("the state machine diagram (Graphviz dot is missing)");
    // A pack without its PDF is not complete: pictures.pdf says why (issue 22, part 6).
    const std::optional<std::string> pdf_missing = pdf_unavailable_reason();
    if (pdf_missing)
        pack_gaps.push_back(*pdf_missing);
    // Each profile's rows, derived from what ran (profiles.hpp).
    const json profiles = profiles_section(checks);
    const std::vector<std::string> shortfalls = profile_shortfalls(profiles);
    Verdict verdict = decide_verdict(checks, traceability["gaps"], pack_gaps, shortfalls);

    std::size_t passed = 0;
    std::size_t unavailable = 0;
    std::size_t skipped = 0;
    for (const json& check : checks) {
        const std::string status = check["status"];
        if (status == "pass")
            ++passed;
        else if (status == "not_available")
            ++unavailable;
        else if (status == "skipped")
            ++skipped;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string command_line = "ratchetcheck evidence";
    if (options.quick)
        command_line += " --quick";
    if (options.no_build)
        command_line += " --no-build";
    for (const std::string& only : options.only)
        command_line += " --only " + only;
    json report{
        {"format", "ratchetcheck-evidence/1"},
        {"created", now_utc()},
        {"command", command_line},
        {"mode", options.quick ? "quick" : "default"},
        {"verdict", verdict.outcome},
        {"verdict_reasons", verdict.to_json()},
        {"summary",
         fmt::format(
             "{} passed, {} failed{}, {} not available, {} skipped, {} traceability gaps", passed,
             verdict.failed.size(),
             verdict.failed.empty() ? "" : fmt::format(" ({})", fmt::join(verdict.failed, ", ")),
             unavailable, skipped, verdict.open_gaps.size())},
        {"seconds", seconds},
        {"parameters",
         {{"seed", options.seed},
          {"property_cases", resolved->plan.property_cases},
          {"interop_scenarios", resolved->plan.interop_scenarios},
          {"property_budget_seconds", resolved->plan.property_budget_seconds},
          {"interop_budget_seconds", resolved->plan.interop_budget_seconds},
          {"build_trees", resolved->plan.build_trees},
          {"fuzz_seconds", resolved->plan.fuzz_seconds},
          {"certificate_sample", resolved->plan.certificate_sample}}},
        {"checks", checks},
        {"profiles", profiles},
        {"security_target", target},
        {"traceability", traceability},
        {"mechanisms", mechanisms_of(target, traceability, paths.source)},
        {"deviations", analysis.deviations},
        {"attack_classes", analysis.attack_classes},
        {"limits", analysis.limits},
        {"fuzzing", fuzzing_report(paths.source, default_ledger(paths.source), checks)},
        {"environment", environment_of(paths, options.program_version)}};

    if (!options.compare_directory.empty()) {
        report["comparison"] = {
            {"old", fs::relative(fs::absolute(options.compare_directory), paths.out).string()}};
        if (old_report) {
            report["comparison"]["old_created"] = old_report->value("created", "");
            report["comparison"]["changes"] = compare_reports(*old_report, report);
        } else {
            report["comparison"]["changes"] = json::array({"the old report could not be read"});
        }
        fmt::print("changes since {}:\n", options.compare_directory);
        for (const json& change : report["comparison"]["changes"])
            fmt::print("  {}\n", change.get<std::string>());
        if (report["comparison"]["changes"].empty())
            fmt::print("  none\n");
    }

    report["verification"] = verification_of(paths);
    // The TOE identified, its mechanisms and the ANSSI table (report keys toe, crypto, anssi).
    report.update(identification_of(paths, checks));
    report["pictures"] = {
        {"state_machine", diagram.empty() ? "not available (dot missing)" : "state-machine.svg"},
        {"sequence_charts", charts.size()},
        {"pdf", pdf_missing ? "not available: " + *pdf_missing : "report.pdf"}};
    // The order matters: report.pdf is printed from report.html, and the manifest and then
    // SHA256SUMS (which covers the manifest) are written last, over every other file.
    const auto write_report = [&] {
        return write_text(paths.out / "report.json", report.dump(2) + "\n") &&
               write_text(paths.out / "report.html", render_html(report, diagram, charts));
    };
    bool written = write_report();
    if (written && report["pictures"]["pdf"] == "report.pdf") {
        const PdfRendering pdf = render_pdf(paths.out);
        if (!pdf.rendered) {
            // Chromium is there but could not print: the pack is not complete either.
            report["pictures"]["pdf"] = pdf.note;
            pack_gaps.push_back("report.pdf (" + pdf.note + ")");
            verdict = decide_verdict(checks, traceability["gaps"], pack_gaps, shortfalls);
            report["verdict"] = verdict.outcome;
            report["verdict_reasons"] = verdict.to_json();
            written = write_report();
        }
    }
    written = written && write_text(paths.out / "manifest.json",
                                    build_manifest(paths, report["verification"],
                                                   report["created"].get<std::string>())
                                            .dump(2) +
                                        "\n");
    const std::optional<std::string> manifest_hash =
        written ? write_checksums(paths.out) : std::nullopt;
    if (!written || !manifest_hash) {
        fmt::print(stderr, "evidence: could not write the pack in {}\n", paths.out.string());
        return 2;
    }
    fmt::print("report: {}{}\nmanifest: {} (sha256 {}, also in SHA256SUMS)\n",
               (paths.out / "report.html").string(),
               report["pictures"]["pdf"] == "report.pdf" ? " and report.pdf" : "",
               (paths.out / "manifest.json").string(), *manifest_hash);
    fmt::print(
        "check with: cd {} && sha256sum -c SHA256SUMS\n"
        "        or: {} evidence --verify {}\n",
        shell_quote(paths.out.string()), paths.self.string(), shell_quote(paths.out.string()));
    fmt::print("verdict: {} — {} ({:.0f} s)\n", verdict.headline(),
               report["summary"].get<std::string>(), seconds);
    if (verdict.outcome != "pass")
        fmt::print("verdict {} because: {}\n", verdict.headline(), verdict.reasons());
    print_profiles(profiles);
    return verdict.exit_status();
}

}  // namespace ratchetcheck::evidence
