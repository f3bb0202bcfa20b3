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

#include "charts.hpp"
#include "checks.hpp"
#include "fuzzing.hpp"
#include "html.hpp"
#include "ratchetcheck/proofs/catalogue.hpp"
#include "ratchetcheck/proofs/prover.hpp"
#include "support.hpp"
#include "traceability.hpp"

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

constexpr const char* manifest_format = "ratchetcheck-evidence-manifest/1";

fs::path self_path() {
    std::error_code error;
    const fs::path path = fs::read_symlink("/proc/self/exe", error);
    return error ? fs::path("ratchetcheck") : path;
}

// cache_value reads VARIABLE:TYPE=value from a build tree's CMakeCache.txt.
std::string cache_value(const fs::path& build, const std::string& variable) {
    const std::string cache = read_text(build / "CMakeCache.txt").value_or("");
    std::istringstream lines(cache);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(variable + ":", 0) != 0)
            continue;
        const std::size_t equals = line.find('=');
        if (equals != std::string::npos)
            return line.substr(equals + 1);
    }
    return "";
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

// compile_flags is the compile command of cli/main.cpp in the build's compile database, less the
// include paths and file names: the compiler and the flags every source of the build gets.
std::string compile_flags(const fs::path& build) {
    const std::optional<std::string> text = read_text(build / "compile_commands.json");
    if (!text)
        return "unknown (no compile_commands.json)";
    try {
        for (const json& entry : json::parse(*text)) {
            const std::string file = entry.value("file", "");
            if (file.size() < 13 || file.substr(file.size() - 13) != "/cli/main.cpp")
                continue;
            std::istringstream words(entry.value("command", ""));
            std::string word;
            std::string flags;
            bool skip_next = false;
            while (words >> word) {
                if (skip_next) {
                    skip_next = false;
                    continue;
                }
                if (word == "-o" || word == "-c" || word == "-isystem" || word == "-MF" ||
                    word == "-MT") {
                    skip_next = true;
                    continue;
                }
                if (word.rfind("-I", 0) == 0 || word.rfind("-D", 0) == 0 || word == "-MD")
                    continue;
                flags += (flags.empty() ? "" : " ") + word;
            }
            return flags;
        }
    } catch (const json::exception&) {
        return "unknown (compile_commands.json unreadable)";
    }
    return "unknown (cli/main.cpp not in compile_commands.json)";
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
        {"chromium", tool_version("chromium --version")},
        {"clang-14 (fuzz, coverage builds)", tool_version("clang-14 --version")}};
    utsname host{};
    if (uname(&host) == 0)
        environment["host"] = fmt::format("{} {} {}", host.sysname, host.release, host.machine);
    const std::string os = read_text("/etc/os-release").value_or("");
    environment["os"] = last_line_matching(os, "PRETTY_NAME=");
    environment["cores"] = std::to_string(sysconf(_SC_NPROCESSORS_ONLN));
    environment["load_average_at_start"] = first_line(read_text("/proc/loadavg").value_or(""));
    environment["paths"] = {{"build", paths.build.string()},
                            {"source", paths.source.string()},
                            {"shared", paths.shared.string()}};
    return environment;
}

json mechanisms_of(const json& target, const json& traceability) {
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
        mechanism["library_version"] = fmt::format("{} — {}", library, versions);
        mechanism["kats"] =
            traceability["mechanism_checks"].value(mechanism.value("id", ""), json::array());
        mechanisms.push_back(std::move(mechanism));
    }
    return mechanisms;
}

json sequence_charts(const fs::path& source, const fs::path& out) {
    json charts = json::array();
    std::vector<fs::path> traces;
    const fs::path directory = source / "corpus" / "traces";
    if (fs::is_directory(directory)) {
        for (const auto& entry : fs::directory_iterator(directory)) {
            const std::string name = entry.path().filename().string();
            if ((name.rfind("witness-", 0) == 0 || name.rfind("mutant-", 0) == 0) &&
                entry.path().extension() == ".json")
                traces.push_back(entry.path());
        }
    }
    std::sort(traces.begin(), traces.end());
    for (const fs::path& trace_file : traces) {
        try {
            const json trace = json::parse(read_text(trace_file).value_or("{}"));
            const std::string stem = trace_file.stem().string();
            const bool witness = stem.rfind("witness-", 0) == 0;
            const std::string title = witness ? "witness of " + stem.substr(8)
                                              : "mutant " + stem.substr(7) + " counterexample";
            const std::string svg = sequence_chart_svg(trace, title);
            write_text(out / "charts" / (stem + ".svg"), svg);
            charts.push_back({{"title", title},
                              {"file", fs::relative(trace_file, source).string()},
                              {"note", trace.value("note", "")},
                              {"svg", svg}});
        } catch (const json::exception& error) {
            fmt::print(stderr, "evidence: {} is not an op trace: {}\n", trace_file.string(),
                       error.what());
        }
    }
    return charts;
}

std::string state_machine_svg(const fs::path& out) {
    const fs::path dot_file = out / "state-machine.dot";
    write_text(dot_file, state_machine_dot());
    const std::optional<std::string> svg =
        capture(fmt::format("dot -Tsvg {} 2>/dev/null", shell_quote(dot_file.string())));
    if (!svg)
        return "";
    const std::size_t start = svg->find("<svg");
    if (start == std::string::npos)
        return "";
    std::string inline_svg = svg->substr(start);
    inline_svg.insert(4, " id=\"state-machine-diagram\"");
    write_text(out / "state-machine.svg", *svg);
    return inline_svg;
}

// Manifest ------------------------------------------------------------------------------------

json hash_entry(const fs::path& root, const fs::path& file) {
    std::error_code error;
    const auto size = fs::file_size(file, error);
    return {{"path", fs::relative(file, root).string()},
            {"sha256", sha256_of_file(file).value_or("unreadable")},
            {"bytes", error ? 0 : size}};
}

void add_tree(json& list, const std::string& root_name, const fs::path& root,
              const fs::path& directory, const std::function<bool(const fs::path&)>& keep) {
    if (!fs::exists(directory))
        return;
    std::vector<fs::path> files;
    if (fs::is_regular_file(directory)) {
        files.push_back(directory);
    } else {
        for (const auto& entry : fs::recursive_directory_iterator(directory)) {
            if (entry.is_regular_file() && keep(entry.path()))
                files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
        json entry = hash_entry(root, file);
        entry["root"] = root_name;
        list.push_back(std::move(entry));
    }
}

json build_manifest(const CheckPaths& paths) {
    json inputs = json::array();
    const auto everything = [](const fs::path&) { return true; };
    add_tree(inputs, "shared", paths.shared, paths.shared / "vectors" / "signal-v3", everything);
    add_tree(inputs, "source", paths.source, paths.source / "corpus", everything);
    add_tree(inputs, "source", paths.source, paths.source / "docs" / "security-target", everything);
    add_tree(inputs, "source", paths.source, paths.source / "proofs" / "scripts", everything);
    add_tree(inputs, "build", paths.build, paths.build / "bin", everything);
    const fs::path fuzz_bin = paths.source / "build" / "fuzz" / "bin";
    add_tree(inputs, "source", paths.source, fuzz_bin, everything);
    json outputs = json::array();
    add_tree(outputs, "pack", paths.out, paths.out,
             [](const fs::path& file) { return file.filename() != "manifest.json"; });
    for (json& output : outputs)
        output.erase("root");
    return {{"format", manifest_format},
            {"created", now_utc()},
            {"roots",
             {{"source", paths.source.string()},
              {"shared", paths.shared.string()},
              {"build", paths.build.string()}}},
            {"inputs", inputs},
            {"outputs", outputs}};
}

int verify_pack(const fs::path& pack) {
    const std::optional<std::string> text = read_text(pack / "manifest.json");
    if (!text) {
        fmt::print(stderr, "evidence --verify: no manifest.json in {}\n", pack.string());
        return 1;
    }
    json manifest;
    try {
        manifest = json::parse(*text);
    } catch (const json::exception& error) {
        fmt::print("evidence --verify: manifest.json is not JSON ({})\nverify: FAIL\n",
                   error.what());
        return 1;
    }
    if (manifest.value("format", "") != manifest_format) {
        fmt::print("evidence --verify: manifest.json is not {}\nverify: FAIL\n", manifest_format);
        return 1;
    }
    std::size_t checked = 0;
    std::vector<std::string> differences;
    std::set<std::string> listed;
    for (const json& output : manifest.value("outputs", json::array())) {
        const std::string path = output.value("path", "");
        listed.insert(path);
        ++checked;
        const std::optional<std::string> hash = sha256_of_file(pack / path);
        if (!hash)
            differences.push_back("output missing: " + path);
        else if (*hash != output.value("sha256", ""))
            differences.push_back("output changed: " + path);
    }
    if (fs::is_directory(pack)) {
        for (const auto& entry : fs::recursive_directory_iterator(pack)) {
            const std::string path = fs::relative(entry.path(), pack).string();
            if (entry.is_regular_file() && path != "manifest.json" && !listed.contains(path))
                differences.push_back("output not in the manifest: " + path);
        }
    }
    const json roots = manifest.value("roots", json::object());
    for (const json& input : manifest.value("inputs", json::array())) {
        const fs::path root = roots.value(input.value("root", ""), "");
        const std::string path = input.value("path", "");
        ++checked;
        const std::optional<std::string> hash = sha256_of_file(root / path);
        if (!hash)
            differences.push_back(fmt::format("input missing: {}", (root / path).string()));
        else if (*hash != input.value("sha256", ""))
            differences.push_back(fmt::format("input changed: {}", (root / path).string()));
    }
    for (const std::string& difference : differences)
        fmt::print("  {}\n", difference);
    fmt::print("verify: {} — {} files hashed, {} differences ({})\n",
               differences.empty() ? "OK" : "FAIL", checked, differences.size(), pack.string());
    return differences.empty() ? 0 : 1;
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
        return verify_pack(options.verify_directory);
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
    const json traceability =
        build_traceability(target, annotations, known, invariant_clauses, checks);
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

    std::vector<std::string> failed;
    std::size_t passed = 0;
    std::size_t unavailable = 0;
    std::size_t skipped = 0;
    for (const json& check : checks) {
        const std::string status = check["status"];
        if (status == "fail")
            failed.push_back(check["id"]);
        else if (status == "pass")
            ++passed;
        else if (status == "not_available")
            ++unavailable;
        else
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
        {"verdict", failed.empty() ? "pass" : "fail"},
        {"summary",
         fmt::format("{} passed, {} failed{}, {} not available, {} skipped", passed, failed.size(),
                     failed.empty() ? "" : fmt::format(" ({})", fmt::join(failed, ", ")),
                     unavailable, skipped)},
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
        {"security_target", target},
        {"traceability", traceability},
        {"mechanisms", mechanisms_of(target, traceability)},
        {"fuzzing", fuzzing_report(paths.source, default_ledger(paths.source), checks)},
        {"environment", environment_of(paths, options.program_version)}};

    if (!options.compare_directory.empty()) {
        report["comparison"] = {{"old", fs::absolute(options.compare_directory).string()}};
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

    const json charts = sequence_charts(paths.source, paths.out);
    const std::string diagram = state_machine_svg(paths.out);
    report["pictures"] = {
        {"state_machine", diagram.empty() ? "not available (dot missing)" : "state-machine.svg"},
        {"sequence_charts", charts.size()}};
    bool written = write_text(paths.out / "report.json", report.dump(2) + "\n");
    written =
        write_text(paths.out / "report.html", render_html(report, diagram, charts)) && written;
    written =
        write_text(paths.out / "manifest.json", build_manifest(paths).dump(2) + "\n") && written;
    if (!written) {
        fmt::print(stderr, "evidence: could not write the pack in {}\n", paths.out.string());
        return 2;
    }
    fmt::print(
        "report: {}\nmanifest: {} (sha256 {}); check with: ratchetcheck evidence --verify {}\n",
        (paths.out / "report.html").string(), (paths.out / "manifest.json").string(),
        sha256_of_file(paths.out / "manifest.json").value_or("?"), paths.out.string());
    fmt::print("verdict: {} — {} ({:.0f} s)\n", failed.empty() ? "PASS" : "FAIL",
               report["summary"].get<std::string>(), seconds);
    return failed.empty() ? 0 : 1;
}

}  // namespace ratchetcheck::evidence
