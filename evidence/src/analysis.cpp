#include "analysis.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "support.hpp"

namespace ratchetcheck::evidence {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* deviations_file = "docs/security-target/deviations.json";
constexpr const char* attack_classes_file = "docs/security-target/attack-classes.json";
constexpr const char* decisions_file = "docs/decisions.md";
constexpr const char* profile_file = "protocol/include/ratchetcheck/profile.hpp";
constexpr const char* hostile_results_file = "bench/results/hostile-messages.json";

// read_json parses a file under `source`: a missing file is noted in `missing`, an invalid one is
// a problem.
json read_json(const fs::path& source, const char* relative, json& problems, json& missing) {
    const auto text = read_text(source / relative);
    if (!text) {
        missing.push_back(relative);
        return json::object();
    }
    try {
        return json::parse(*text);
    } catch (const json::exception& error) {
        problems.push_back(fmt::format("{}: {}", relative, error.what()));
        return json::object();
    }
}

// resolve_checks turns a row's check names into {check, result, problem?}: the result in this
// run (pass, fail, not_run) or "missing" when nothing of that name exists (a problem).
json resolve_checks(const json& row, const std::string& where, const KnownChecks& known,
                    const json& checks, json& problems) {
    json resolved = json::array();
    const json names = row.value("checks", json::array());
    if (names.empty())
        problems.push_back(fmt::format("{}: names no check", where));
    for (const json& name : names) {
        const std::string check = name.is_string() ? name.get<std::string>() : name.dump();
        const std::string problem = check_reference_problem(check, known);
        if (!problem.empty()) {
            problems.push_back(fmt::format("{}: {}", where, problem));
            resolved.push_back({{"check", check}, {"result", "missing"}, {"problem", problem}});
        } else {
            resolved.push_back(
                {{"check", check}, {"result", check_reference_result(check, checks)}});
        }
    }
    return resolved;
}

// decision_ids are the row ids of docs/decisions.md's tables ("| L5 |", "| E21 |").
std::set<std::string> decision_ids(const std::string& decisions) {
    std::set<std::string> ids;
    const std::regex row(R"(^\|\s*([A-Z][0-9]+)\s*\|)");
    std::istringstream lines(decisions);
    std::string line;
    while (std::getline(lines, line)) {
        std::smatch match;
        if (std::regex_search(line, match, row))
            ids.insert(match[1]);
    }
    return ids;
}

// profile_limits reads the numeric members of Profile from profile.hpp, each with its line and
// the comment above it, so that the table shows the code's own values.
json profile_limits(const fs::path& source, json& problems, json& missing) {
    json limits = json::array();
    const auto text = read_text(source / profile_file);
    if (!text) {
        missing.push_back(profile_file);
        return limits;
    }
    const std::regex member(R"(^\s*std::(size_t|uint32_t|uint8_t)\s+(\w+)\s*=\s*([0-9]+);)");
    std::istringstream lines(*text);
    std::string line;
    std::string comment;
    for (std::size_t number = 1; std::getline(lines, line); ++number) {
        const std::size_t slashes = line.find("//");
        if (slashes != std::string::npos && line.find_first_not_of(' ') == slashes) {
            if (!comment.empty())
                comment += ' ';
            comment += line.substr(slashes + 3);
            continue;
        }
        std::smatch match;
        if (std::regex_search(line, match, member)) {
            limits.push_back({{"name", match[2].str()},
                              {"value", std::stoull(match[3].str())},
                              {"source", fmt::format("{}:{}", profile_file, number)},
                              {"comment", comment}});
        }
        comment.clear();
    }
    if (limits.empty())
        problems.push_back(fmt::format("{}: no numeric Profile member found", profile_file));
    return limits;
}

// worst_cases reads the committed Google Benchmark JSON of bench/hostile.sh: per hostile message
// kind, each implementation's CPU time and peak heap bytes per message, and ours over each
// peer's. These numbers were measured when the file was written, not in this run; the report
// says so with the file's date, commit and hash.
json worst_cases(const fs::path& source) {
    const fs::path file = source / hostile_results_file;
    json result = {{"source", hostile_results_file}, {"measured_in_this_run", false}};
    const auto text = read_text(file);
    if (!text) {
        result["status"] = "not_available";
        result["note"] =
            "no committed measurement; run bench/hostile.sh (needs RATCHETCHECK_BUILD_BENCH=ON)";
        return result;
    }
    json bench;
    try {
        bench = json::parse(*text);
    } catch (const json::exception& error) {
        result["status"] = "not_available";
        result["note"] = std::string("unreadable: ") + error.what();
        return result;
    }
    result["status"] = "committed";
    result["sha256"] = sha256_of_file(file).value_or("?");
    const json context = bench.value("context", json::object());
    result["date"] = context.value("date", "");
    result["commit"] = context.value("commit", "");
    result["host"] = context.value("host_name", "");
    result["command"] = context.value("command", "bash bench/hostile.sh");
    result["note"] = context.value("note", "");
    // name "hostile_<kind>/<implementation>"; aggregates are left out, iterations kept.
    std::map<std::string, json> kinds;
    std::vector<std::string> order;
    for (const json& run : bench.value("benchmarks", json::array())) {
        if (run.value("run_type", "iteration") != "iteration" || run.contains("error_occurred"))
            continue;
        const std::string name = run.value("name", "");
        const std::size_t slash = name.find('/');
        if (name.rfind("hostile_", 0) != 0 || slash == std::string::npos)
            continue;
        const std::string kind = name.substr(8, slash - 8);
        const std::string implementation = name.substr(slash + 1);
        if (!kinds.contains(kind)) {
            order.push_back(kind);
            kinds[kind] = {{"kind", kind}, {"implementations", json::object()}};
        }
        json figures = {{"cpu_time", run.value("cpu_time", 0.0)},
                        {"time_unit", run.value("time_unit", "ns")},
                        {"iterations", run.value("iterations", 0)}};
        for (const char* counter :
             {"peak_bytes", "x25519", "sha256_finals", "archived_sessions", "accepted"}) {
            if (run.contains(counter))
                figures[counter] = run[counter];
        }
        kinds[kind]["implementations"][implementation] = figures;
    }
    json rows = json::array();
    for (const std::string& kind : order) {
        json row = kinds[kind];
        const json& implementations = row["implementations"];
        if (implementations.contains("ours")) {
            const json& ours = implementations["ours"];
            json ratios = json::object();
            for (const auto& [peer, figures] : implementations.items()) {
                if (peer == "ours")
                    continue;
                json ratio = json::object();
                if (figures.value("cpu_time", 0.0) > 0)
                    ratio["cpu_time"] =
                        ours.value("cpu_time", 0.0) / figures["cpu_time"].get<double>();
                if (figures.value("peak_bytes", 0.0) > 0 && ours.contains("peak_bytes"))
                    ratio["peak_bytes"] =
                        ours["peak_bytes"].get<double>() / figures["peak_bytes"].get<double>();
                ratios[peer] = ratio;
            }
            row["ours_over"] = ratios;
        }
        rows.push_back(row);
    }
    result["kinds"] = rows;
    return result;
}

}  // namespace

Analysis build_analysis(const fs::path& source, const fs::path& out, const KnownChecks& known,
                        const json& checks, const json& security_target) {
    json problems = json::array();
    // A file that is not in the source tree (a partial copy) leaves the analysis not done: the
    // check is not_available, not failed; what is there is still checked.
    json missing = json::array();
    std::set<std::string> clause_ids;
    std::set<std::string> threat_ids;
    for (const json& clause : security_target.value("spec_clauses", json::array()))
        clause_ids.insert(clause.value("id", ""));
    for (const json& threat : security_target.value("threats", json::array()))
        threat_ids.insert(threat.value("id", ""));

    // docs/decisions.md goes into the pack with its hash: the deviations cite its rows.
    const std::string decisions = read_text(source / decisions_file).value_or("");
    json decisions_copy = {{"source", decisions_file}};
    if (decisions.empty()) {
        missing.push_back(decisions_file);
    } else if (!write_text(out / "decisions.md", decisions)) {
        problems.push_back("decisions.md: cannot be written into the pack");
    } else {
        decisions_copy["copy"] = "decisions.md";
        decisions_copy["sha256"] = sha256_of_file(out / "decisions.md").value_or("?");
    }
    const std::set<std::string> decision_rows = decision_ids(decisions);

    const json deviation_data = read_json(source, deviations_file, problems, missing);
    json deviation_rows = json::array();
    std::set<std::string> deviation_ids;
    for (const json& row : deviation_data.value("deviations", json::array())) {
        const std::string id = row.value("id", "");
        const std::string where = fmt::format("{} {}", deviations_file, id);
        deviation_ids.insert(id);
        json resolved = row;
        resolved["checks"] = resolve_checks(row, where, known, checks, problems);
        json unlisted = json::array();
        for (const json& clause : row.value("clauses", json::array())) {
            if (!clause_ids.contains(clause.get<std::string>()))
                unlisted.push_back(clause);
        }
        resolved["clauses_not_in_target"] = unlisted;
        for (const json& decision : row.value("decisions", json::array())) {
            if (!decisions.empty() && !decision_rows.contains(decision.get<std::string>()))
                problems.push_back(fmt::format("{}: no row {} in {}", where,
                                               decision.get<std::string>(), decisions_file));
        }
        deviation_rows.push_back(resolved);
    }

    const json attack_data = read_json(source, attack_classes_file, problems, missing);
    json attack_rows = json::array();
    const std::set<std::string> statuses = {"countered", "partially", "not countered",
                                            "out of scope"};
    for (const json& row : attack_data.value("attack_classes", json::array())) {
        const std::string id = row.value("id", "");
        const std::string where = fmt::format("{} {}", attack_classes_file, id);
        json resolved = row;
        resolved["checks"] = resolve_checks(row, where, known, checks, problems);
        if (!statuses.contains(row.value("status", "")))
            problems.push_back(
                fmt::format("{}: status '{}' is not one of countered, partially, not "
                            "countered, out of scope",
                            where, row.value("status", "")));
        for (const json& threat : row.value("threats", json::array())) {
            if (!threat_ids.contains(threat.get<std::string>()))
                problems.push_back(fmt::format("{}: no threat {} in the security target", where,
                                               threat.get<std::string>()));
        }
        for (const json& deviation : row.value("deviations", json::array())) {
            if (!deviation_ids.contains(deviation.get<std::string>()))
                problems.push_back(fmt::format("{}: no deviation {} in {}", where,
                                               deviation.get<std::string>(), deviations_file));
        }
        attack_rows.push_back(resolved);
    }

    Analysis analysis;
    analysis.deviations = {
        {"source", deviations_file}, {"decisions", decisions_copy}, {"rows", deviation_rows}};
    analysis.attack_classes = {{"source", attack_classes_file}, {"rows", attack_rows}};
    analysis.limits = {{"profile", profile_limits(source, problems, missing)},
                       {"worst_case", worst_cases(source)}};
    std::size_t named = 0;
    for (const json* rows : {&deviation_rows, &attack_rows}) {
        for (const json& row : *rows)
            named += row["checks"].size();
    }
    analysis.check = {
        {"id", "analysis"},
        {"title", "Deviations, attack classes and limits name existing checks"},
        {"status", !problems.empty() ? "fail"
                   : missing.empty() ? "pass"
                                     : "not_available"},
        {"counts",
         {{"deviations", deviation_rows.size()},
          {"attack_classes", attack_rows.size()},
          {"checks_named", named},
          {"problems", problems.size()}}},
        {"seconds", 0.0},
        {"parameters", json::object()},
        {"log", nullptr},
        {"failures", problems},
        {"command", "ratchetcheck evidence --only vectors  (any run rebuilds it)"},
        {"summary", fmt::format("{} deviations, {} attack classes, {} named checks, {} problems{}",
                                deviation_rows.size(), attack_rows.size(), named, problems.size(),
                                missing.empty() ? std::string()
                                                : fmt::format("; not in the source tree: {}",
                                                              fmt::join(missing, ", ")))}};
    return analysis;
}

namespace {

std::string escaped(const json& value) {
    if (value.is_string())
        return html_escape(value.get<std::string>());
    if (value.is_null())
        return "—";
    return html_escape(value.dump());
}

std::string comma_list(const json& list) {
    std::string out;
    for (const json& item : list) {
        if (!out.empty())
            out += ", ";
        out += escaped(item);
    }
    return out.empty() ? "—" : out;
}

std::string check_chips(const json& references) {
    std::string out;
    for (const json& reference : references) {
        std::string result = reference.value("result", "not_run");
        const std::string css = result == "missing" ? "fail" : result;
        if (result == "missing")
            result = fmt::format("missing: {}", reference.value("problem", ""));
        out += fmt::format(R"(<span class="chip {}" title="{}">{}</span>)", html_escape(css),
                           html_escape(result), escaped(reference.value("check", "")));
    }
    return out;
}

std::string status_class(const std::string& status) {
    if (status == "countered")
        return "pass";
    if (status == "not countered")
        return "fail";
    return "not_run";
}

std::string figure(const json& figures, const char* key) {
    if (!figures.contains(key))
        return "—";
    const double value = figures[key].get<double>();
    return value >= 1000 ? fmt::format("{:.0f}", value) : fmt::format("{:.3g}", value);
}

std::string worst_case_html(const json& worst) {
    std::string out = "<h3>Worst case per hostile message, measured</h3>";
    if (worst.value("status", "") != "committed") {
        return out + fmt::format("<p class=\"not_available\">Not available: {}</p>",
                                 escaped(worst.value("note", "")));
    }
    out += fmt::format(
        "<p class=\"not_run\">Not measured in this run: committed results of "
        "<code>{}</code>, measured {} at commit <code>{}</code> on {} (sha256 <code>{}</code>). "
        "Re-measure with <code>{}</code>. CPU time per hostile message; ratios are ours over "
        "the peer's, the figures to compare (absolute times depend on the machine). Peak bytes: "
        "the largest heap in use above the level before the message (operator new and malloc "
        "interposed in the benchmark binary). X25519 and SHA-256 counts are ours only (linker "
        "--wrap); one chain step of ours costs 12 SHA-256 finalizations (KDF_CK and the HKDF of "
        "the stored message key, as WorkCountTest measures).</p>",
        escaped(worst["source"]), escaped(worst["date"]), escaped(worst["commit"]),
        escaped(worst["host"]), escaped(worst["sha256"]), escaped(worst["command"]));
    if (!worst.value("note", "").empty())
        out += fmt::format("<p class=\"muted\">{}</p>", escaped(worst["note"]));
    out +=
        "<table class=\"analysis\" id=\"worst-case\"><tr><th>hostile "
        "message</th><th>implementation</th><th>CPU "
        "time</th><th>peak bytes</th><th>X25519</th><th>SHA-256 final</th><th>ours over this "
        "peer</th></tr>";
    for (const json& kind : worst.value("kinds", json::array())) {
        const json& implementations = kind["implementations"];
        // Ours first, then each peer with ours over it.
        std::vector<std::string> names;
        if (implementations.contains("ours"))
            names.push_back("ours");
        for (const auto& [name, figures] : implementations.items()) {
            if (name != "ours")
                names.push_back(name);
        }
        bool first = true;
        for (const std::string& name : names) {
            const json& figures = implementations[name];
            std::string ratio = "—";
            if (kind.contains("ours_over") && kind["ours_over"].contains(name)) {
                const json& over = kind["ours_over"][name];
                ratio = fmt::format("CPU ×{}, peak ×{}", figure(over, "cpu_time"),
                                    figure(over, "peak_bytes"));
            }
            out += fmt::format(
                "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td>"
                "<td>{}</td></tr>",
                first ? fmt::format("<b>{}</b>", escaped(kind["kind"])) : std::string(),
                html_escape(name), figure(figures, "cpu_time"),
                escaped(figures.value("time_unit", "")), figure(figures, "peak_bytes"),
                figure(figures, "x25519"), figure(figures, "sha256_finals"), ratio);
            first = false;
        }
    }
    return out + "</table>";
}

}  // namespace

std::string render_analysis_html(const json& report) {
    if (!report.contains("deviations"))
        return "";
    // Long check names wrap inside these tables instead of widening the page.
    std::string out =
        "<style>table.analysis .chip { white-space: normal; word-break: break-all; }</style>"
        "<h2 id=\"deviations\">Deviations from the specifications and libsignal</h2>";
    const json& deviations = report["deviations"];
    const json decisions = deviations.value("decisions", json::object());
    out += fmt::format(
        "<p class=\"muted\">From <code>{}</code>; the decisions they cite are "
        "<a href=\"decisions.md\">decisions.md</a> in this pack (copy of <code>{}</code>, sha256 "
        "<code>{}</code>). Each check's chip is its result in this run.</p>",
        escaped(deviations.value("source", "")), escaped(decisions.value("source", "")),
        escaped(decisions.value("sha256", "not copied")));
    out +=
        "<table class=\"analysis\" "
        "id=\"deviations-table\"><tr><th>deviation</th><th>clause</th><th>departs "
        "from</th><th>behaviour and justification</th><th>checks</th></tr>";
    for (const json& row : deviations.value("rows", json::array())) {
        out += fmt::format(
            "<tr><td><b>{}</b><br>{}<br><span class=\"muted\">{}</span></td><td>{}{}</td>"
            "<td>{}</td><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td></tr>",
            escaped(row.value("id", "")), escaped(row.value("title", "")),
            comma_list(row.value("decisions", json::array())),
            comma_list(row.value("clauses", json::array())),
            row.value("clauses_not_in_target", json::array()).empty()
                ? std::string()
                : fmt::format("<br><span class=\"not_run\">not in the target's clause list: "
                              "{}</span>",
                              comma_list(row["clauses_not_in_target"])),
            escaped(row.value("departs_from", "")), escaped(row.value("behaviour", "")),
            escaped(row.value("justification", "")), check_chips(row["checks"]));
    }
    out += "</table>";

    out += "<h2 id=\"attack-classes\">Attack classes</h2>";
    out +=
        "<table class=\"analysis\" id=\"attack-classes-table\"><tr><th>attack "
        "class</th><th>status</th><th>"
        "analysis</th><th>threats, deviations</th><th>evidence</th></tr>";
    for (const json& row : report["attack_classes"].value("rows", json::array())) {
        const std::string status = row.value("status", "");
        out += fmt::format(
            "<tr><td><b>{}</b><br><span class=\"muted\">{}</span></td><td><span class=\"status "
            "{}\">{}</span></td><td>{}</td><td>{}<br>{}</td><td>{}</td></tr>",
            escaped(row.value("name", "")), escaped(row.value("id", "")), status_class(status),
            html_escape(status), escaped(row.value("analysis", "")),
            comma_list(row.value("threats", json::array())),
            comma_list(row.value("deviations", json::array())), check_chips(row["checks"]));
    }
    out += "</table>";

    out += "<h2 id=\"limits\">Limits a hostile peer meets</h2>";
    out +=
        "<p class=\"muted\">Read from the code in this run: each value with the line that "
        "sets it.</p><table class=\"analysis\" "
        "id=\"limits-table\"><tr><th>limit</th><th>value</th><th>source</th>"
        "<th>meaning</th></tr>";
    for (const json& limit : report["limits"].value("profile", json::array())) {
        out += fmt::format(
            "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td>"
            "<td class=\"muted\">{}</td></tr>",
            escaped(limit["name"]), escaped(limit["value"]), escaped(limit["source"]),
            escaped(limit["comment"]));
    }
    out += "</table>";
    out += worst_case_html(report["limits"].value("worst_case", json::object()));
    return out;
}

}  // namespace ratchetcheck::evidence
