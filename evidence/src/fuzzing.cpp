#include "fuzzing.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "support.hpp"

namespace ratchetcheck::evidence {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// ninja_progress is the last "[done/total]" of a Ninja log, for the progress line.
std::string ninja_progress(const fs::path& log) {
    const std::optional<std::string> text = read_text(log);
    if (!text)
        return "";
    const std::size_t open = text->rfind("\n[");
    if (open == std::string::npos)
        return "configuring";
    const std::size_t close = text->find(']', open);
    if (close == std::string::npos)
        return "";
    return text->substr(open + 1, close - open) + " built";
}

std::string text_of(const json& value) {
    if (value.is_string())
        return html_escape(value.get<std::string>());
    if (value.is_null())
        return "—";
    return html_escape(value.dump());
}

std::string status_span(const std::string& status) {
    return fmt::format(R"(<span class="status {}">{}</span>)", html_escape(status),
                       html_escape(status == "pass"   ? "PASS"
                                   : status == "fail" ? "FAIL"
                                                      : status));
}

}  // namespace

PresetBuild build_preset(const CheckPaths& paths, const std::string& preset,
                         const std::vector<std::string>& targets) {
    const fs::path tree = paths.source / "build" / preset;
    const fs::path log = paths.out / "logs" / fmt::format("build-{}.log", preset);
    fs::create_directories(log.parent_path());
    fs::remove(log);
    std::string command = fmt::format("cd {} && ", shell_quote(paths.source.string()));
    const bool configure = !fs::exists(tree / "CMakeCache.txt");
    if (configure) {
        command += fmt::format("cmake --preset {} -DRATCHETCHECK_SHARED_DIR={} && ", preset,
                               shell_quote(paths.shared.string()));
    }
    command += fmt::format("cmake --build {} -j2 --target", shell_quote(tree.string()));
    for (const std::string& target : targets)
        command += " " + target;
    // Printed before it starts: a first build takes minutes, and the reader should know what runs.
    fmt::print("        build: {}\n", command);
    std::fflush(stdout);
    const CommandRun run =
        run_logged(command, log, "build " + preset, [&log] { return ninja_progress(log); });
    PresetBuild build;
    build.ok = run.exit_status == 0;
    build.record = {{"preset", preset},
                    {"tree", tree.string()},
                    {"configured", configure},
                    {"command", command},
                    {"seconds", run.seconds},
                    {"exit_status", run.exit_status},
                    {"log", fs::relative(log, paths.out).string()}};
    return build;
}

fs::path default_ledger(const fs::path& source) {
    if (const char* ledger = std::getenv("RATCHETCHECK_FUZZ_LEDGER"); ledger && *ledger)
        return fs::absolute(ledger);
    return source / "corpus" / "fuzz-ledger.jsonl";
}

json fuzzing_report(const fs::path& source, const fs::path& ledger, const json& checks) {
    // Relative to the source tree when it is the committed ledger: the pack names it portably.
    const fs::path relative = ledger.lexically_relative(source);
    const bool inside = !relative.empty() && *relative.begin() != "..";
    json report{{"ledger", inside ? relative.string() : ledger.string()},
                {"ledger_sha256", sha256_of_file(ledger).value_or("")},
                {"entries", 0},
                {"errors", json::array()},
                {"targets", json::array()},
                {"findings", json::array()},
                {"open_findings", 0},
                {"total_core_hours", 0.0}};
    // Ledger lines, in order: campaigns per target, findings, and the fixes that close them.
    std::map<std::string, json> target_rows;
    std::map<std::string, json> findings;
    std::vector<std::string> finding_order;
    const std::optional<std::string> text = read_text(ledger);
    if (!text)
        report["errors"].push_back("no campaign ledger at " + ledger.string());
    std::istringstream lines(text.value_or(""));
    std::string line;
    std::size_t number = 0;
    double total_seconds = 0;
    const auto row_of = [&target_rows](const std::string& target) -> json& {
        json& row = target_rows[target];
        if (row.is_null()) {
            row = {{"target", target},
                   {"campaigns", 0},
                   {"fuzzed_seconds", 0.0},
                   {"findings", 0},
                   {"last_campaign", nullptr}};
        }
        return row;
    };
    while (std::getline(lines, line)) {
        ++number;
        if (line.empty())
            continue;
        json entry;
        try {
            entry = json::parse(line);
        } catch (const json::exception& error) {
            report["errors"].push_back(fmt::format("line {}: not JSON: {}", number, error.what()));
            continue;
        }
        report["entries"] = report["entries"].get<std::size_t>() + 1;
        const std::string kind = entry.value("kind", "");
        if (kind == "campaign") {
            json& row = row_of(entry.value("target", "?"));
            row["campaigns"] = row["campaigns"].get<std::size_t>() + 1;
            // One libFuzzer process per target: its seconds are one core's.
            const double seconds =
                entry.value("seconds", json(0)).is_number() ? entry["seconds"].get<double>() : 0.0;
            row["fuzzed_seconds"] = row["fuzzed_seconds"].get<double>() + seconds;
            total_seconds += seconds;
            row["last_campaign"] = entry;
        } else if (kind == "finding") {
            const std::string id = entry.value("id", "");
            if (id.empty() || findings.contains(id)) {
                report["errors"].push_back(
                    fmt::format("line {}: a finding without id or with an id seen before", number));
                continue;
            }
            entry["fix"] = nullptr;
            findings[id] = entry;
            finding_order.push_back(id);
            json& row = row_of(entry.value("target", "?"));
            row["findings"] = row["findings"].get<std::size_t>() + 1;
        } else if (kind == "fix") {
            const std::string id = entry.value("finding", "");
            if (!findings.contains(id)) {
                report["errors"].push_back(fmt::format(
                    "line {}: a fix of finding '{}', which no earlier line records", number, id));
                continue;
            }
            findings[id]["fix"] = entry;
        } else {
            report["errors"].push_back(fmt::format("line {}: unknown kind '{}'", number, kind));
        }
    }
    std::size_t open = 0;
    for (const std::string& id : finding_order) {
        json finding = findings[id];
        const json& fix = finding["fix"];
        if (fix.is_null()) {
            ++open;
            finding["status"] = "open";
        } else {
            const std::string input = fix.value("regression_input", "");
            finding["status"] = "fixed";
            // The regression input is evidence only if it is still in the tree the replay reads.
            finding["regression_input_present"] = !input.empty() && fs::exists(source / input);
        }
        report["findings"].push_back(finding);
    }
    report["open_findings"] = open;
    report["total_core_hours"] = total_seconds / 3600;

    // This run: the short fuzz runs, the replays, coverage.
    std::map<std::string, json> short_runs;
    std::map<std::string, std::string> replays;
    for (const json& check : checks) {
        const std::string id = check.value("id", "");
        if (id == "fuzz") {
            report["short_runs"] = {{"status", check.value("status", "")},
                                    {"summary", check.value("summary", "")},
                                    {"build", check.value("build", json())}};
            for (const json& run : check.value("targets", json::array()))
                short_runs[run.value("target", "")] = run;
        } else if (id == "fuzz-replay") {
            report["replay"] = {{"status", check.value("status", "")},
                                {"summary", check.value("summary", "")}};
            for (const json& test : check.value("tests", json::array())) {
                const std::string name = test.value("name", "");
                if (name.rfind("fuzz_replay_", 0) == 0)
                    replays[name.substr(12)] = test.value("status", "");
            }
        } else if (id == "coverage") {
            report["coverage"] = {{"status", check.value("status", "")},
                                  {"summary", check.value("summary", "")},
                                  {"scope", check.value("scope", json())}};
        }
    }
    for (const auto& [target, run] : short_runs)
        row_of(target);
    for (const auto& [target, status] : replays)
        row_of(target);
    for (auto& [target, row] : target_rows) {
        row["core_hours"] = row["fuzzed_seconds"].get<double>() / 3600;
        row["short_run"] = short_runs.contains(target) ? short_runs[target] : json();
        row["replay"] = replays.contains(target) ? json(replays[target]) : json("not_run");
        report["targets"].push_back(row);
    }
    return report;
}

std::string render_fuzzing(const json& fuzzing) {
    if (!fuzzing.is_object())
        return "";
    std::string out = fmt::format(
        "<h3 id=\"fuzzing\">Fuzzing to date and in this run</h3><p>Campaign ledger "
        "<code>{}</code> ({} entries, sha256 <code>{}</code>): {:.2f} core-hours of libFuzzer "
        "(ASan + UBSan) in all; {} finding(s), {} open. Appended by <code>ci/fuzz.sh</code>; a "
        "fix by <code>bash ci/fuzz.sh record-fix FINDING FIX_COMMIT CORPUS_FILE</code>.</p>",
        text_of(fuzzing["ledger"]), fuzzing.value("entries", 0),
        text_of(fuzzing.value("ledger_sha256", json(""))), fuzzing.value("total_core_hours", 0.0),
        fuzzing["findings"].size(), fuzzing.value("open_findings", 0));
    for (const json& error : fuzzing.value("errors", json::array()))
        out += fmt::format("<p class=\"fail\">ledger: {}</p>", text_of(error));
    if (fuzzing.contains("short_runs")) {
        out += fmt::format("<p>This run's short runs: {} {}</p>",
                           status_span(fuzzing["short_runs"].value("status", "")),
                           text_of(fuzzing["short_runs"]["summary"]));
    }
    if (fuzzing.contains("coverage")) {
        out += fmt::format("<p>Coverage of protocol/ in this run: {} {}</p>",
                           status_span(fuzzing["coverage"].value("status", "")),
                           text_of(fuzzing["coverage"]["summary"]));
    }
    out +=
        "<table><tr><th>target</th><th>core-hours to date</th><th>campaigns</th><th>last "
        "campaign</th><th>its exec/s · features · corpus</th><th>findings</th><th>replay (this "
        "run)</th><th>short run (this run): s · exec/s · cov · features</th></tr>";
    for (const json& row : fuzzing["targets"]) {
        const json& last = row["last_campaign"];
        std::string last_cell = "—";
        std::string figures = "—";
        if (last.is_object()) {
            last_cell = fmt::format(
                "{} · {} s · {}<br><span class=\"muted\">{}</span>",
                text_of(last.value("date", json())), text_of(last.value("seconds", json())),
                text_of(last.value("result", json())), text_of(last.value("source", json())));
            figures =
                fmt::format("{} · {} · {} → {}", text_of(last.value("exec_per_second", json())),
                            text_of(last.value("features", json())),
                            text_of(last.value("corpus_before", json())),
                            text_of(last.value("corpus_after", json())));
        }
        std::string short_cell = "not run";
        if (row["short_run"].is_object()) {
            const json& run = row["short_run"];
            short_cell = fmt::format(
                "{} {:.1f} · {} · {} · {}",
                status_span(run.value("result", "") == "ok" ? "pass" : "fail"),
                run.value("seconds", 0.0), text_of(run.value("exec_per_second", json())),
                text_of(run.value("coverage", json())), text_of(run.value("features", json())));
        }
        out += fmt::format(
            "<tr><td>{}</td><td>{:.2f}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            text_of(row["target"]), row.value("core_hours", 0.0), row.value("campaigns", 0),
            last_cell, figures, row.value("findings", 0),
            status_span(row["replay"].get<std::string>()), short_cell);
    }
    out += "</table><h4>Findings</h4>";
    if (fuzzing["findings"].empty())
        out += "<p>No finding in the ledger.</p>";
    else
        out +=
            "<table><tr><th>finding</th><th>target</th><th>what</th><th>fix</th><th>regression "
            "input</th></tr>";
    for (const json& finding : fuzzing["findings"]) {
        const json& fix = finding["fix"];
        std::string fix_cell = "<span class=\"fail\">open: no fix recorded</span>";
        std::string input_cell = text_of(finding.value("input", json()));
        if (fix.is_object()) {
            fix_cell = fmt::format("<code>{}</code> ({})", text_of(fix.value("fix_commit", json())),
                                   text_of(fix.value("date", json())));
            input_cell =
                fmt::format("<code>{}</code>{}", text_of(fix.value("regression_input", json())),
                            finding.value("regression_input_present", false)
                                ? ""
                                : " <span class=\"fail\">missing from the tree</span>");
        }
        out += fmt::format(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}"
            "</td></tr>",
            text_of(finding["id"]), text_of(finding.value("target", json())),
            text_of(finding.value("summary", json())), fix_cell, input_cell);
    }
    if (!fuzzing["findings"].empty())
        out += "</table>";
    return out;
}

}  // namespace ratchetcheck::evidence
