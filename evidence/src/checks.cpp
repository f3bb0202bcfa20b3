#include "checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <vector>

#include "fuzzing.hpp"
#include "profiles.hpp"
#include "support.hpp"

namespace ratchetcheck::evidence {
namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<CheckInfo>& check_catalogue() {
    static const std::vector<CheckInfo> checks{
        {"unit", "Unit tests: wire parsers, every rejection path, bounds, state codec"},
        {"kat",
         "Known-answer tests (RFC 7748, 5869, 4231, Wycheproof, XEdDSA; Kyber-1024 round 3, "
         "the PQXDH derivation)"},
        {"vectors",
         "Transcripts replayed byte for byte: libsignal-protocol-c's (signal-v3) and ours against "
         "libsignal-client (signal-v4-pqxdh)"},
        {"property", "Stateful property tests against the model (RapidCheck)"},
        {"mutants", "Model-variant mutants: the properties catch each broken copy"},
        {"interop", "Live interop with libsignal-protocol-c (v3) and libsignal-client (v4)"},
        {"proof", "Invariant catalogue proved by induction (Z3) with witnesses"},
        {"certificates", "Proof certificates re-checked by z3 and cvc5"},
        {"fuzz-replay", "Fuzz corpora replayed through every target"},
        {"fuzz", "Short libFuzzer runs"},
        {"coverage", "Source coverage (llvm-cov)"},
        {"ct", "Constant time and no key left behind (valgrind memcheck)"},
    };
    return checks;
}

namespace {

// The short fuzz runs start from at most this many files of each corpus (see fuzz_check).
constexpr std::size_t max_fuzz_seed_files = 64;

std::string title_of(const std::string& id) {
    for (const CheckInfo& info : check_catalogue()) {
        if (info.id == id)
            return info.title;
    }
    return id;
}

json base_result(const std::string& id) {
    return json{{"id", id},
                {"title", title_of(id)},
                {"status", "fail"},
                {"summary", ""},
                {"counts", json::object()},
                {"seconds", 0.0},
                {"command", ""},
                {"parameters", json::object()},
                {"log", nullptr},
                {"failures", json::array()}};
}

// skipped_by_quick is the result of a check that --quick leaves out, with the command that runs it.
json skipped_by_quick(const std::string& id, const std::string& summary) {
    json result = base_result(id);
    result["status"] = "skipped";
    result["summary"] = summary;
    result["command"] = "ratchetcheck evidence --only " + id;
    return result;
}

json not_available(const std::string& id, const std::string& why, const std::string& how) {
    json result = base_result(id);
    result["status"] = "not_available";
    result["summary"] = why;
    result["command"] = how;
    return result;
}

std::string xml_unescape(std::string text) {
    const std::vector<std::pair<std::string, std::string>> entities{
        {"&quot;", "\""}, {"&apos;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
    for (const auto& [entity, character] : entities) {
        for (std::size_t at = text.find(entity); at != std::string::npos;
             at = text.find(entity, at + character.size()))
            text.replace(at, entity.size(), character);
    }
    return text;
}

std::string attribute(const std::string& element, const std::string& name) {
    const std::string key = " " + name + "=\"";
    const std::size_t start = element.find(key);
    if (start == std::string::npos)
        return "";
    const std::size_t value = start + key.size();
    const std::size_t end = element.find('"', value);
    return end == std::string::npos ? "" : xml_unescape(element.substr(value, end - value));
}

// junit_tests reads ctest's --output-junit file: each test's name, status (run = passed, fail,
// notrun/disabled = skipped) and seconds.
json junit_tests(const fs::path& file) {
    json tests = json::array();
    const std::optional<std::string> xml = read_text(file);
    if (!xml)
        return tests;
    for (std::size_t at = xml->find("<testcase "); at != std::string::npos;
         at = xml->find("<testcase ", at + 1)) {
        const std::size_t end = xml->find('>', at);
        const std::string element = xml->substr(at, end - at);
        const std::string status = attribute(element, "status");
        double seconds = 0;
        try {
            seconds = std::stod(attribute(element, "time"));
        } catch (const std::exception&) {
            seconds = 0;
        }
        tests.push_back({{"name", attribute(element, "name")},
                         {"status", status == "run"    ? "pass"
                                    : status == "fail" ? "fail"
                                                       : "skipped"},
                         {"seconds", seconds}});
    }
    return tests;
}

// ctest_progress counts the finished tests in a ctest log, for the progress line.
std::string ctest_progress(const fs::path& log) {
    const std::optional<std::string> text = read_text(log);
    if (!text)
        return "";
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::istringstream lines(*text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.find(" Test #") == std::string::npos)
            continue;
        if (line.find("Passed") != std::string::npos)
            ++passed;
        else if (line.find("Failed") != std::string::npos ||
                 line.find("Timeout") != std::string::npos)
            ++failed;
    }
    return fmt::format("{} passed, {} failed", passed, failed);
}

std::string environment_prefix(const std::vector<std::pair<std::string, std::string>>& variables) {
    std::string prefix;
    for (const auto& [name, value] : variables)
        prefix += fmt::format("{}={} ", name, shell_quote(value));
    return prefix;
}

// ctest_check runs the tests of `label` (less those matching the regex `exclude`, if any).
// log_name names its log and JUnit files (default: the check's id).
json ctest_check(const std::string& id, const std::string& label, const CheckPaths& paths,
                 const std::vector<std::pair<std::string, std::string>>& variables,
                 const std::string& exclude = "", const std::string& log_name = "") {
    json result = base_result(id);
    const std::string name = log_name.empty() ? id : log_name;
    const fs::path log = paths.out / "logs" / (name + ".log");
    const fs::path junit = paths.out / "logs" / (name + ".junit.xml");
    fs::create_directories(log.parent_path());
    fs::remove(log);
    fs::remove(junit);
    const std::string selection = fmt::format("-L {}{}", shell_quote("^" + label + "$"),
                                              exclude.empty() ? "" : " -E " + shell_quote(exclude));
    const std::string command = fmt::format(
        "{}ctest --test-dir {} {} -j2 --no-tests=error --output-on-failure --output-junit {}",
        environment_prefix(variables), shell_quote(paths.build.string()), selection,
        shell_quote(junit.string()));
    const CommandRun run = run_logged(command, log, id, [&log] { return ctest_progress(log); });
    // The command shown to re-run it leaves the JUnit file out: a re-run must not rewrite a file
    // of the pack (the manifest would no longer verify).
    const std::string rerun =
        fmt::format("{}ctest --test-dir {} {} -j2 --output-on-failure",
                    environment_prefix(variables), shell_quote(paths.build.string()), selection);
    const json tests = junit_tests(junit);
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::size_t skipped = 0;
    for (const json& test : tests) {
        if (test["status"] == "pass") {
            ++passed;
        } else if (test["status"] == "fail") {
            ++failed;
            result["failures"].push_back(test["name"]);
        } else {
            ++skipped;
        }
    }
    result["status"] = run.exit_status == 0 && failed == 0 && passed > 0 ? "pass" : "fail";
    result["counts"] = {{"passed", passed}, {"failed", failed}, {"skipped", skipped}};
    result["summary"] = tests.empty()
                            ? fmt::format("ctest exited {} and ran no test", run.exit_status)
                            : fmt::format("{} passed, {} failed{}", passed, failed,
                                          skipped > 0 ? fmt::format(", {} skipped", skipped) : "");
    result["seconds"] = run.seconds;
    result["command"] = rerun;
    result["log"] = fs::relative(log, paths.out).string();
    result["exit_status"] = run.exit_status;
    result["tests"] = tests;
    result["label"] = label;
    for (const auto& [name, value] : variables)
        result["parameters"][name] = value;
    if (!exclude.empty())
        result["parameters"]["excluded"] = exclude;
    return result;
}

// counts_from "N word1, M word2": the two numbers of the last line holding `second_word`.
std::optional<std::pair<std::size_t, std::size_t>> two_counts(const std::string& text,
                                                              const std::string& first_word,
                                                              const std::string& second_word) {
    const std::string line = last_line_matching(text, second_word);
    const std::regex pattern(fmt::format(R"(([0-9]+) {}, ([0-9]+) {})", first_word, second_word));
    std::smatch match;
    if (!std::regex_search(line, match, pattern))
        return std::nullopt;
    return std::pair{static_cast<std::size_t>(std::stoul(match[1])),
                     static_cast<std::size_t>(std::stoul(match[2]))};
}

// Batch is one batch of a budgeted check: its seed and size.
struct Batch {
    std::uint64_t seed = 0;
    std::size_t size = 0;
};

// budgeted_ctest_check runs label `id` in batches sized by a time budget: the first batch of
// `minimum` cases with the plan's seed, then, while the rest of `budget_seconds` holds at least a
// tenth of a batch at the first batch's rate, more batches with new seeds (next_seed). Every
// batch's seed, size, time and outcome is in `batches`; a test fails if it failed in any batch.
// `variables_of` gives a batch's environment.
json budgeted_ctest_check(
    const std::string& id, const CheckPaths& paths, std::size_t minimum, double budget_seconds,
    std::uint64_t first_seed,
    const std::function<std::uint64_t(const Batch& last, std::size_t total)>& next_seed,
    const std::function<std::vector<std::pair<std::string, std::string>>(const Batch&)>&
        variables_of,
    const std::string& unit) {
    json batches = json::array();
    json merged;
    std::map<std::string, json> tests;
    std::vector<std::string> test_order;
    Batch batch{first_seed, minimum};
    std::size_t total = 0;
    double seconds = 0;
    bool failed = false;
    for (std::size_t index = 0;; ++index) {
        const std::string log_name = index == 0 ? id : fmt::format("{}-batch-{}", id, index + 1);
        fmt::print("        {} batch {}: {} {} (seed {})\n", id, index + 1, batch.size, unit,
                   batch.seed);
        std::fflush(stdout);
        json result = ctest_check(id, id, paths, variables_of(batch), "", log_name);
        seconds += result["seconds"].get<double>();
        total += batch.size;
        failed = failed || result["status"] != "pass";
        batches.push_back({{"seed", batch.seed},
                           {unit, batch.size},
                           {"seconds", result["seconds"]},
                           {"status", result["status"]},
                           {"summary", result["summary"]},
                           {"command", result["command"]},
                           {"log", result["log"]}});
        for (const json& test : result["tests"]) {
            const std::string name = test.value("name", "");
            if (!tests.contains(name)) {
                tests[name] = test;
                test_order.push_back(name);
            } else if (test.value("status", "") == "fail" ||
                       (test.value("status", "") == "pass" && tests[name]["status"] != "fail")) {
                tests[name]["status"] = test["status"];
            }
        }
        if (index == 0)
            merged = result;
        // A failing batch ends the run: its seed is the one to reproduce with.
        if (failed || budget_seconds <= 0 || result["seconds"].get<double>() <= 0)
            break;
        const double rate = static_cast<double>(minimum) / batches[0]["seconds"].get<double>();
        const double left = budget_seconds - seconds;
        // Compared as doubles: a spent budget leaves a negative rest, which no size_t holds.
        const double fitting = left * rate;
        if (left <= 0 || fitting < static_cast<double>(minimum) / 10)
            break;
        batch =
            Batch{next_seed(batch, total), std::min(static_cast<std::size_t>(fitting), minimum)};
    }
    merged["tests"] = json::array();
    merged["failures"] = json::array();
    std::size_t passed = 0;
    std::size_t failed_tests = 0;
    std::size_t skipped = 0;
    for (const std::string& name : test_order) {
        const json& test = tests[name];
        merged["tests"].push_back(test);
        if (test["status"] == "pass") {
            ++passed;
        } else if (test["status"] == "fail") {
            ++failed_tests;
            merged["failures"].push_back(name);
        } else {
            ++skipped;
        }
    }
    merged["status"] = failed ? "fail" : "pass";
    merged["seconds"] = seconds;
    merged["batches"] = batches;
    merged["counts"] = {{"passed", passed},
                        {"failed", failed_tests},
                        {"skipped", skipped},
                        {unit, total},
                        {"batches", batches.size()}};
    std::string seeds;
    for (const json& each : batches)
        seeds += (seeds.empty() ? "" : ", ") + std::to_string(each["seed"].get<std::uint64_t>());
    merged["summary"] = fmt::format("{} {} in {} batch(es), seeds {}; tests {} passed, {} failed{}",
                                    total, unit, batches.size(), seeds, passed, failed_tests,
                                    skipped > 0 ? fmt::format(", {} skipped", skipped) : "");
    merged["parameters"]["minimum"] = minimum;
    merged["parameters"]["budget_seconds"] = budget_seconds;
    merged["parameters"][unit] = total;
    return merged;
}

// One `ratchetcheck vectors DIRECTORY` run: its command, counts, FAIL lines and status.
json replay_transcripts(const CheckPaths& paths, const fs::path& transcripts, const fs::path& log) {
    json result = json::object();
    fs::remove(log);
    const std::string command = fmt::format("{} vectors {}", shell_quote(paths.self.string()),
                                            shell_quote(transcripts.string()));
    result["command"] = command;
    result["transcripts"] = transcripts.string();
    const CommandRun run = run_logged(command, log, "vectors", {});
    result["seconds"] = run.seconds;
    result["log"] = fs::relative(log, paths.out).string();
    const std::string output = read_text(log).value_or("");
    const auto counts = two_counts(output, "passed", "failed");
    if (counts) {
        result["counts"] = {{"passed", counts->first}, {"failed", counts->second}};
        result["summary"] = fmt::format("{} passed, {} failed", counts->first, counts->second);
    } else {
        result["summary"] = first_line(output.empty() ? "no output" : output);
    }
    result["failures"] = json::array();
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("FAIL", 0) == 0)
            result["failures"].push_back(line);
    }
    result["status"] = run.exit_status == 0 && counts && counts->second == 0 ? "pass" : "fail";
    return result;
}

// The signal-v3 transcripts of libsignal-protocol-c (SHARED/vectors/signal-v3), then the
// signal-v4-pqxdh transcripts recorded against libsignal-client (tests/vectors/signal-v4-pqxdh,
// docs/v4-transcripts.md). The check's own fields are the v3 run's, as before; `by_profile` holds
// each run, which the profiles table reads (profiles.cpp).
json vectors_check(const CheckPaths& paths) {
    json result = base_result("vectors");
    const json v3 = replay_transcripts(paths, paths.shared / "vectors" / "signal-v3",
                                       paths.out / "logs" / "vectors.log");
    const json v4 =
        replay_transcripts(paths, paths.source / "tests" / "vectors" / "signal-v4-pqxdh",
                           paths.out / "logs" / "vectors-v4.log");
    result["command"] =
        fmt::format("{} && {}", v3["command"].get<std::string>(), v4["command"].get<std::string>());
    result["parameters"]["transcripts"] = v3["transcripts"];
    result["parameters"]["v4_transcripts"] = v4["transcripts"];
    result["seconds"] = v3["seconds"].get<double>() + v4["seconds"].get<double>();
    result["log"] = v3["log"];
    if (v3.contains("counts"))
        result["counts"] = v3["counts"];
    result["summary"] =
        fmt::format("signal-v3: {}; signal-v4-pqxdh: {}", v3["summary"].get<std::string>(),
                    v4["summary"].get<std::string>());
    for (const json* run : {&v3, &v4}) {
        for (const json& failure : (*run)["failures"])
            result["failures"].push_back(failure);
    }
    result["by_profile"] = {{"signal-v3", v3}, {"signal-v4-pqxdh", v4}};
    result["status"] = v3["status"] == "pass" && v4["status"] == "pass" ? "pass" : "fail";
    return result;
}

json proof_check(const CheckPaths& paths) {
    json result = base_result("proof");
    const fs::path directory = paths.out / "proofs";
    const fs::path report = directory / "prove.json";
    const fs::path log = paths.out / "logs" / "proof.log";
    fs::remove_all(directory / "certificates");
    fs::remove_all(directory / "witnesses");
    fs::remove(report);
    fs::remove(log);
    const std::string command = fmt::format(
        "{} prove --json {} --smt2-dir {} --witness-dir {}", shell_quote(paths.self.string()),
        shell_quote(report.string()), shell_quote((directory / "certificates").string()),
        shell_quote((directory / "witnesses").string()));
    // Shown to re-run it: the same run, writing into the current directory instead of the pack.
    result["command"] =
        fmt::format("{} prove --json prove.json --smt2-dir certificates --witness-dir witnesses",
                    shell_quote(paths.self.string()));
    const CommandRun run = run_logged(command, log, "proof", [&log] {
        const std::optional<std::string> text = read_text(log);
        if (!text)
            return std::string();
        return fmt::format("{} invariants done", std::count(text->begin(), text->end(), '\n') / 2);
    });
    result["seconds"] = run.seconds;
    result["log"] = fs::relative(log, paths.out).string();
    const std::string output = read_text(log).value_or("");
    const auto counts = two_counts(output, "proved", "failed");
    const auto witnesses = two_counts(output, "refuted", "not found");
    if (counts) {
        result["counts"] = {{"proved", counts->first}, {"failed", counts->second}};
        result["summary"] = fmt::format("{} proved, {} failed", counts->first, counts->second);
        if (witnesses) {
            result["counts"]["witnesses_refuted"] = witnesses->first;
            result["counts"]["witnesses_not_found"] = witnesses->second;
            result["summary"] = fmt::format("{}; witnesses {} refuted, {} not found",
                                            result["summary"].get<std::string>(), witnesses->first,
                                            witnesses->second);
        }
    } else {
        result["summary"] = "prove did not finish: " + last_line_matching(output, "");
    }
    if (const std::optional<std::string> text = read_text(report)) {
        try {
            const json parsed = json::parse(*text);
            result["invariants"] = json::array();
            for (const json& invariant : parsed.at("invariants")) {
                result["invariants"].push_back({{"id", invariant.value("id", "")},
                                                {"spec_clause", invariant.value("spec_clause", "")},
                                                {"status", invariant.value("status", "")},
                                                {"seconds", invariant.value("seconds", 0.0)},
                                                {"witness", invariant.value("witness", json())}});
                if (invariant.value("status", "") != "proved")
                    result["failures"].push_back(invariant.value("id", ""));
            }
            result["parameters"]["solver"] = parsed.value("solver", json::object());
        } catch (const json::exception& error) {
            result["failures"].push_back(fmt::format("prove.json unreadable: {}", error.what()));
        }
    }
    result["status"] = run.exit_status == 0 && counts && counts->second == 0 ? "pass" : "fail";
    return result;
}

json certificates_check(const CheckPaths& paths, const CheckPlan& plan) {
    const std::string install = "apt-get install -y z3 cvc5 (or bash ci/bootstrap.sh)";
    for (const char* solver : {"z3", "cvc5"}) {
        if (!capture(fmt::format("command -v {} 2>/dev/null", solver))) {
            return not_available("certificates", fmt::format("{} is not installed", solver),
                                 install);
        }
    }
    json result = base_result("certificates");
    const fs::path all = paths.out / "proofs" / "certificates";
    std::vector<fs::path> files;
    if (fs::is_directory(all)) {
        for (const auto& entry : fs::directory_iterator(all)) {
            if (entry.path().extension() == ".smt2")
                files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        result["summary"] = "no certificate to re-check: the proof check wrote none";
        result["command"] = "ratchetcheck evidence --only proof --only certificates";
        return result;
    }
    fs::path directory = all;
    // A sample, evenly spread over the sorted names so that every invariant tends to appear,
    // when the plan says so (--quick): the full re-check takes minutes on two cores.
    if (plan.certificate_sample > 0 && plan.certificate_sample < files.size()) {
        directory = paths.out / "proofs" / "certificate-sample";
        fs::remove_all(directory);
        fs::create_directories(directory);
        for (std::size_t index = 0; index < plan.certificate_sample; ++index) {
            const fs::path& file = files[index * files.size() / plan.certificate_sample];
            fs::copy_file(file, directory / file.filename());
        }
        result["parameters"]["sample"] = fmt::format(
            "{} of {} certificates, evenly spread; all of them: ratchetcheck evidence "
            "--only certificates",
            plan.certificate_sample, files.size());
    }
    const fs::path log = paths.out / "logs" / "certificates.log";
    fs::remove(log);
    const std::string command =
        fmt::format("bash {} {} 20",
                    shell_quote((paths.source / "proofs/scripts/check-certificates.sh").string()),
                    shell_quote(directory.string()));
    result["command"] = command;
    const CommandRun run = run_logged(command, log, "certificates", {});
    result["seconds"] = run.seconds;
    result["log"] = fs::relative(log, paths.out).string();
    const std::string output = read_text(log).value_or("");
    const std::regex summary(
        R"(([0-9]+) certificates, each re-checked by z3 and cvc5; ([0-9]+) answers not unsat)");
    std::smatch match;
    const std::string line = last_line_matching(output, "certificates, each");
    if (std::regex_search(line, match, summary)) {
        result["counts"] = {{"certificates", std::stoul(match[1])},
                            {"answers_not_unsat", std::stoul(match[2])},
                            {"total_certificates", files.size()}};
        result["summary"] =
            fmt::format("{} of {} certificates re-checked by z3 and cvc5, {} answers not unsat",
                        match[1].str(), files.size(), match[2].str());
    } else {
        result["summary"] = first_line(output.empty() ? "no output" : output);
    }
    std::istringstream lines(output);
    std::string text_line;
    while (std::getline(lines, text_line)) {
        if (text_line.find("re-run:") != std::string::npos)
            result["failures"].push_back(text_line);
    }
    result["status"] = run.exit_status == 0 ? "pass" : "fail";
    return result;
}

std::vector<std::string> fuzz_target_names(const fs::path& bin) {
    std::vector<std::string> names;
    if (!fs::is_directory(bin))
        return names;
    for (const auto& entry : fs::directory_iterator(bin)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("fuzz_", 0) == 0 && name != "fuzz_seed_corpus" && entry.is_regular_file())
            names.push_back(name.substr(5));
    }
    std::sort(names.begin(), names.end());
    return names;
}

json fuzz_check(const CheckPaths& paths, const CheckPlan& plan) {
    const fs::path fuzz_build = paths.source / "build" / "fuzz";
    const std::string how =
        "ratchetcheck evidence --only fuzz (builds build/fuzz), or cmake --preset fuzz && cmake "
        "--build --preset fuzz";
    json result = base_result("fuzz");
    // The last campaign of ci/fuzz.sh, when there is one: its figures are shown as they are.
    if (const std::optional<std::string> text = read_text(fuzz_build / "fuzz-report.json")) {
        try {
            result["campaign"] = json::parse(*text);
            result["campaign_file"] = (fuzz_build / "fuzz-report.json").string();
        } catch (const json::exception&) {
            result["campaign_error"] = "build/fuzz/fuzz-report.json is not JSON";
        }
    }
    if (plan.fuzz_seconds == 0) {
        result["status"] = "skipped";
        result["summary"] = "no short runs in this mode (--fuzz-seconds N runs them)";
        result["command"] = "ratchetcheck evidence --only fuzz --fuzz-seconds 10";
        return result;
    }
    // The libFuzzer build, built (or brought up to date) here unless told not to: a fresh clone's
    // first run must fuzz, not report the fuzzers missing.
    if (plan.build_trees) {
        if (!capture("command -v clang++-14 2>/dev/null")) {
            return not_available("fuzz", "clang++-14 is not installed (the fuzz preset's compiler)",
                                 "apt-get install -y clang-14 libclang-rt-14-dev (or bash "
                                 "ci/bootstrap.sh)");
        }
        const PresetBuild build = build_preset(paths, "fuzz", {"fuzz_targets"});
        result["build"] = build.record;
        if (!build.ok) {
            result["summary"] = fmt::format("the fuzz build failed (exit {}); log {}",
                                            build.record["exit_status"].get<int>(),
                                            build.record["log"].get<std::string>());
            result["command"] = build.record["command"];
            result["seconds"] = build.record["seconds"];
            result["failures"].push_back(result["summary"]);
            return result;
        }
    }
    const std::vector<std::string> targets = fuzz_target_names(fuzz_build / "bin");
    if (targets.empty()) {
        json missing = not_available("fuzz", "no libFuzzer build in build/fuzz", how);
        if (result.contains("campaign"))
            missing["campaign"] = result["campaign"];
        return missing;
    }
    result["parameters"]["seconds_per_target"] = plan.fuzz_seconds;
    result["parameters"]["seed"] = plan.seed;
    result["targets"] = json::array();
    double total_seconds = 0;
    std::size_t findings = 0;
    for (const std::string& target : targets) {
        // A scratch copy of the corpus: new inputs are kept by ci/fuzz.sh, not by the evidence run.
        const fs::path scratch = paths.out / "fuzz" / "corpus" / target;
        fs::remove_all(scratch);
        fs::create_directories(scratch);
        // At most max_fuzz_seed_files of them, an even sample in name order: libFuzzer runs
        // every seed before its clock starts, and the op-trace targets' corpora (several hundred
        // inputs at a few hundred per second) would make a 3 s run take tens of seconds. The whole
        // corpus is replayed by the fuzz-replay check.
        const fs::path seeds = paths.source / "corpus" / target;
        std::vector<fs::path> corpus_files;
        if (fs::is_directory(seeds)) {
            for (const auto& entry : fs::directory_iterator(seeds))
                corpus_files.push_back(entry.path());
        }
        std::sort(corpus_files.begin(), corpus_files.end());
        const std::size_t stride = corpus_files.size() / max_fuzz_seed_files + 1;
        std::size_t before = 0;
        for (std::size_t index = 0; index < corpus_files.size(); index += stride) {
            fs::copy_file(corpus_files[index], scratch / corpus_files[index].filename());
            ++before;
        }
        const fs::path log = paths.out / "logs" / fmt::format("fuzz-{}.log", target);
        fs::remove(log);
        const std::string command = fmt::format(
            "{} -max_total_time={} -seed={} -print_final_stats=1 -artifact_prefix={}/ {}",
            shell_quote((fuzz_build / "bin" / ("fuzz_" + target)).string()), plan.fuzz_seconds,
            plan.seed, shell_quote((paths.out / "fuzz").string()), shell_quote(scratch.string()));
        const CommandRun run = run_logged(command, log, "fuzz " + target, {});
        total_seconds += run.seconds;
        const std::string output = read_text(log).value_or("");
        const std::regex done(R"(cov: ([0-9]+) ft: ([0-9]+))");
        std::smatch match;
        const std::string last = last_line_matching(output, "cov: ");
        json entry{{"target", target},
                   {"seconds", run.seconds},
                   {"exit_status", run.exit_status},
                   {"corpus_before", before},
                   {"command", command},
                   {"log", fs::relative(log, paths.out).string()}};
        if (std::regex_search(last, match, done)) {
            entry["coverage"] = std::stoul(match[1]);
            entry["features"] = std::stoul(match[2]);
        }
        const std::regex executions(R"(stat::average_exec_per_sec:\s+([0-9]+))");
        if (std::regex_search(output, match, executions))
            entry["exec_per_second"] = std::stoul(match[1]);
        entry["result"] = run.exit_status == 0 ? "ok" : "finding";
        if (run.exit_status != 0) {
            ++findings;
            result["failures"].push_back(fmt::format("{}: exit {} ({})", target, run.exit_status,
                                                     entry["log"].get<std::string>()));
        }
        result["targets"].push_back(entry);
    }
    result["seconds"] =
        total_seconds + (result.contains("build") ? result["build"]["seconds"].get<double>() : 0.0);
    result["counts"] = {{"targets", targets.size()}, {"findings", findings}};
    result["summary"] =
        fmt::format("{} targets × {} s, {} findings", targets.size(), plan.fuzz_seconds, findings);
    result["command"] =
        fmt::format("ratchetcheck evidence --only fuzz --fuzz-seconds {}", plan.fuzz_seconds);
    result["status"] = findings == 0 ? "pass" : "fail";
    return result;
}

json coverage_check(const CheckPaths& paths, const CheckPlan& plan) {
    const fs::path summary = paths.source / "build" / "coverage" / "summary.json";
    if (plan.quick)
        return skipped_by_quick("coverage", "not run by --quick (it builds build/coverage)");
    if (!plan.build_trees) {
        // An earlier run's figures are shown, but they are not this run's measurement.
        json missing = not_available("coverage", "not measured in this run (--no-build)",
                                     "bash ci/coverage.sh --scope replay");
        if (const std::optional<std::string> earlier = read_text(summary))
            missing["parameters"]["earlier_summary"] = summary.string();
        return missing;
    }
    if (!capture("command -v clang++-14 2>/dev/null") ||
        !capture("command -v llvm-cov-14 2>/dev/null")) {
        return not_available("coverage", "clang++-14 or llvm-cov-14 is not installed",
                             "apt-get install -y clang-14 llvm-14 (or bash ci/bootstrap.sh)");
    }
    // The replay scope: unit and KAT tests plus every corpus file, on the coverage build (built
    // or brought up to date by the script); ci/coverage.sh without --scope adds property,
    // interop, vectors and ct, too long for the default run's budget.
    const fs::path log = paths.out / "logs" / "coverage.log";
    fs::remove(log);
    fs::remove(summary);
    const std::string command = fmt::format("cd {} && bash ci/coverage.sh --scope replay",
                                            shell_quote(paths.source.string()));
    fmt::print("        coverage: {}\n", command);
    std::fflush(stdout);
    const CommandRun run = run_logged(command, log, "coverage", [&log] {
        const std::string output = read_text(log).value_or("");
        const std::string step = last_line_matching(output, "== coverage:");
        const std::size_t open = output.rfind("\n[");
        const std::size_t close = open == std::string::npos ? open : output.find(']', open);
        // Appended in steps: g++ 12 at -O3 reports a false -Wrestrict for `" " + std::string&&`
        // (GCC bug 105329; standalone_library_packager_release fails on any warning).
        std::string progress = step.substr(0, 60);
        if (close != std::string::npos)
            progress.append(" ").append(output, open + 1, close - open);
        return progress;
    });
    const std::optional<std::string> text = read_text(summary);
    if (run.exit_status != 0 || !text) {
        json failed = base_result("coverage");
        failed["summary"] = fmt::format("ci/coverage.sh --scope replay exited {}; log {}",
                                        run.exit_status, fs::relative(log, paths.out).string());
        failed["failures"].push_back(failed["summary"]);
        failed["command"] = "bash ci/coverage.sh --scope replay";
        failed["seconds"] = run.seconds;
        failed["log"] = fs::relative(log, paths.out).string();
        return failed;
    }
    json result = base_result("coverage");
    result["command"] = "bash ci/coverage.sh --scope replay";
    result["seconds"] = run.seconds;
    result["log"] = fs::relative(log, paths.out).string();
    result["parameters"]["summary"] = summary.string();
    try {
        result["scope"] =
            json::parse(read_text(summary.parent_path() / "scope.json").value_or("null"));
    } catch (const json::exception&) {
        result["scope"] = nullptr;
    }
    try {
        const json parsed = json::parse(*text);
        const json& totals = parsed.at("data").at(0).at("totals");
        for (const char* kind : {"lines", "branches", "functions", "regions"}) {
            if (totals.contains(kind))
                result["counts"][kind] = totals[kind];
        }
        result["files"] = json::array();
        for (const json& file : parsed.at("data").at(0).value("files", json::array())) {
            result["files"].push_back(
                {{"filename", file.value("filename", "")},
                 {"lines", file.at("summary").value("lines", json::object())},
                 {"branches", file.at("summary").value("branches", json::object())}});
        }
        result["summary"] = fmt::format(
            "protocol/: lines {:.1f} %, branches {:.1f} %, from unit and KAT tests and every "
            "corpus file replayed (scope replay: no property, interop, vectors or ct runs)",
            totals.at("lines").value("percent", 0.0),
            totals.contains("branches") ? totals["branches"].value("percent", 0.0) : 0.0);
        // Coverage is a figure, not a pass/fail criterion: it is reported, never failed.
        result["status"] = "pass";
    } catch (const json::exception& error) {
        result["summary"] =
            fmt::format("{} is not llvm-cov export JSON: {}", summary.string(), error.what());
    }
    return result;
}

// count_interop_traces reads, from each interop batch's JUnit output, how many random traces of
// each profile the suites say they ran, with their seed and speed (batches[i].v3 and .v4), and
// adds the totals to the counts and the summary. The environment only asks for a number; the
// test's own summary line is what ran. A batch whose line is missing counts nothing, and the
// profile's row of the pack (profiles.cpp) is then not a pass.
void count_interop_traces(json& result, const CheckPaths& paths) {
    std::uint64_t v3_traces = 0;
    std::uint64_t v4_traces = 0;
    double v4_seconds = 0;
    std::string v4_seeds;
    std::size_t v4_missing = 0;
    for (json& batch : result["batches"]) {
        fs::path junit = paths.out / batch.value("log", std::string());
        junit.replace_extension(".junit.xml");
        const std::string output = xml_unescape(read_text(junit).value_or(""));
        const auto as_json = [](const InteropRun& run) {
            return json{{"found", run.found},
                        {"seed", run.seed},
                        {"traces", run.traces},
                        {"seconds", run.seconds},
                        {"trace_runs_per_second", run.trace_runs_per_second}};
        };
        const InteropRun v3 = v3_interop_run(output, batch.value("seed", std::uint64_t{0}));
        const InteropRun v4 = v4_interop_run(output);
        batch["v3"] = as_json(v3);
        batch["v4"] = as_json(v4);
        v3_traces += v3.traces;
        v4_traces += v4.traces;
        v4_seconds += v4.seconds;
        if (v4.found)
            v4_seeds += fmt::format("{}{}", v4_seeds.empty() ? "" : ", ", v4.seed);
        else
            ++v4_missing;
    }
    result["counts"]["v3_traces_run"] = v3_traces;
    result["counts"]["v4_traces_run"] = v4_traces;
    result["parameters"]["v4_traces"] = v4_traces;
    // Appended in steps (GCC bug 105329, see coverage_check).
    std::string summary = result.value("summary", std::string());
    summary.append("; ");
    if (v4_missing == 0 && v4_traces > 0) {
        summary.append(fmt::format(
            "signal-v4-pqxdh: {} traces against libsignal-client in either seat, seeds {}, "
            "{:.1f} s, {:.1f} trace runs/s",
            v4_traces, v4_seeds, v4_seconds,
            v4_seconds > 0 ? 2.0 * static_cast<double>(v4_traces) / v4_seconds : 0.0));
    } else {
        summary.append(
            fmt::format("signal-v4-pqxdh: trace count NOT FOUND in {} of {} batch(es): INCOMPLETE",
                        v4_missing, result["batches"].size()));
    }
    result["summary"] = summary;
}

}  // namespace

json run_check(const std::string& id, const CheckPaths& paths, const CheckPlan& plan) {
    if (id == "unit") {
        // Less the tests that configure and build whole projects (install + find_package, the
        // standalone library in the preset's and in a packager's configuration): most of the
        // label's time, and they check packaging, not a security function.
        return ctest_check(id, "unit", paths, {},
                           "^(install_and_find_package|standalone_library_configures|"
                           "standalone_library_packager_release)$");
    }
    if (id == "kat") {
        if (!plan.quick)
            return ctest_check(id, "kat", paths, {});
        // RFC 7748's million iterations take half a minute, half of --quick's 60 s: left out, and
        // counted as left out, so the verdict cannot be a PASS without them.
        json result =
            ctest_check(id, "kat", paths, {}, "^Rfc7748X25519\\.IteratedOneMillionTimes$");
        result["counts"]["left_out"] = 1;
        result["summary"] = result.value("summary", std::string()) +
                            "; Rfc7748X25519.IteratedOneMillionTimes left out by --quick";
        return result;
    }
    if (id == "vectors")
        return vectors_check(paths);
    if (id == "property") {
        // Each batch a new RapidCheck seed; every property runs the batch's number of cases.
        return budgeted_ctest_check(
            id, paths, plan.property_cases, plan.property_budget_seconds, plan.seed,
            [](const Batch& last, std::size_t) { return last.seed + 1; },
            [](const Batch& batch) {
                return std::vector<std::pair<std::string, std::string>>{
                    {"RC_PARAMS", fmt::format("seed={} max_success={}", batch.seed, batch.size)}};
            },
            "cases_per_property");
    }
    if (id == "mutants") {
        if (!plan.with_mutants) {
            return skipped_by_quick(id, "not run by --quick");
        }
        return ctest_check(id, "mutants", paths, {});
    }
    if (id == "interop") {
        // Trace i of a batch is drawn from seed + i: the next batch starts where the last ended,
        // so no trace runs twice.
        json result = budgeted_ctest_check(
            id, paths, plan.interop_scenarios, plan.interop_budget_seconds, plan.seed,
            [&plan](const Batch&, std::size_t total) { return plan.seed + total; },
            [](const Batch& batch) {
                // The signal-v4-pqxdh suite (libsignal-client through Node, about a twentieth
                // of libsignal-protocol-c's speed) runs a quarter as many traces per batch, from
                // the same seed; the counted scenarios are the v3 ones.
                return std::vector<std::pair<std::string, std::string>>{
                    {"RATCHETCHECK_INTEROP_SEED", std::to_string(batch.seed)},
                    {"RATCHETCHECK_INTEROP_SCENARIOS", std::to_string(batch.size)},
                    {"RATCHETCHECK_V4_INTEROP_SEED", std::to_string(batch.seed)},
                    {"RATCHETCHECK_V4_INTEROP_SCENARIOS",
                     std::to_string(std::max<std::size_t>(200, batch.size / 4))}};
            },
            "scenarios");
        count_interop_traces(result, paths);
        return result;
    }
    if (id == "proof")
        return proof_check(paths);
    if (id == "certificates")
        return certificates_check(paths, plan);
    if (id == "fuzz-replay")
        return ctest_check(id, "fuzz-replay", paths, {});
    if (id == "fuzz")
        return fuzz_check(paths, plan);
    if (id == "coverage")
        return coverage_check(paths, plan);
    if (id == "ct") {
        if (!plan.with_ct) {
            return skipped_by_quick(id, "not run by --quick (valgrind)");
        }
        if (!capture("command -v valgrind 2>/dev/null"))
            return not_available(id, "valgrind is not installed", "apt-get install -y valgrind");
        return ctest_check(id, "ct", paths, {});
    }
    json result = base_result(id);
    result["summary"] = "unknown check";
    return result;
}

std::vector<std::string> ctest_test_names(const fs::path& build) {
    std::vector<std::string> names;
    const std::optional<std::string> listing =
        capture(fmt::format("ctest --test-dir {} -N 2>/dev/null", shell_quote(build.string())));
    if (!listing)
        return names;
    const std::regex line_pattern(R"(Test +#[0-9]+: (\S+))");
    std::istringstream lines(*listing);
    std::string line;
    std::smatch match;
    while (std::getline(lines, line)) {
        if (std::regex_search(line, match, line_pattern))
            names.push_back(match[1]);
    }
    return names;
}

}  // namespace ratchetcheck::evidence
