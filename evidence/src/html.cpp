#include "html.hpp"

#include <fmt/format.h>

#include <string>

#include "analysis.hpp"
#include "fuzzing.hpp"
#include "identification.hpp"
#include "manifest.hpp"
#include "pdf.hpp"
#include "support.hpp"

namespace ratchetcheck::evidence {
using nlohmann::json;

namespace {

constexpr const char* style = R"(
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto;
       max-width: 1180px; padding: 0 24px 48px; color: #1f2937; }
h1 { font-size: 24px; margin: 24px 0 8px; } h2 { font-size: 19px; margin-top: 36px;
  border-bottom: 1px solid #d1d5db; padding-bottom: 4px; } h3 { font-size: 15px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { border: 1px solid #d1d5db; padding: 4px 7px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; } code, pre { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; }
code.command { display: block; white-space: pre-wrap; word-break: break-all; background: #f9fafb;
  padding: 3px 5px; border: 1px solid #e5e7eb; }
.verdict { font-size: 22px; font-weight: bold; padding: 14px 18px; border-radius: 8px; color: #fff; }
.verdict.pass { background: #2e7d32; } .verdict.fail { background: #c62828; }
.verdict.incomplete { background: #b45309; }
.verdict-reasons { margin: 6px 0; font-weight: bold; }
.status { font-weight: bold; white-space: nowrap; }
.pass { color: #2e7d32; } .fail, .gap { color: #c62828; font-weight: bold; }
.not_available, .skipped, .not_run, .status.incomplete { color: #b45309; }
.verdict.pass, .verdict.fail, .verdict.incomplete { color: #fff; }
td.gap, li.gap { background: #fdecea; }
.chip { display: inline-block; margin: 1px 3px 1px 0; padding: 0 5px; border-radius: 4px;
  font-size: 12px; border: 1px solid #d1d5db; white-space: nowrap; }
.chip.pass { border-color: #2e7d32; } .chip.fail { border-color: #c62828; background: #fdecea; }
.chip.not_run { border-color: #b45309; }
.chip.replay { background: #e0f2fe; } .chip.fuzz { background: #f3e8ff; }
details { margin: 6px 0; } summary { cursor: pointer; font-weight: bold; }
.muted { color: #6b7280; } svg { max-width: 100%; height: auto; }
)";

std::string text(const json& value) {
    if (value.is_string())
        return html_escape(value.get<std::string>());
    if (value.is_null())
        return "—";
    return html_escape(value.dump());
}

// joined lists the strings of a JSON array, comma-separated.
std::string joined(const json& list) {
    std::string out;
    for (const json& item : list)
        out += (out.empty() ? "" : ", ") + text(item);
    return out;
}

std::string status_cell(const std::string& status) {
    std::string label = status;
    if (status == "pass")
        label = "PASS";
    else if (status == "fail")
        label = "FAIL";
    else if (status == "not_available")
        label = "not available";
    else if (status == "incomplete")
        label = "INCOMPLETE";
    else if (status == "not_run")
        label = "NOT RUN";
    return fmt::format(R"(<span class="status {}">{}</span>)", html_escape(status),
                       html_escape(label));
}

std::string chips(const json& references) {
    if (references.empty())
        return R"(<span class="gap">GAP: nothing checks this</span>)";
    std::string out;
    for (const json& reference : references) {
        const std::string result = reference.value("result", "not_run");
        const std::string check = reference.value("check", "");
        // The kind (replay, fuzz, test, ...) colours the chip; the result colours its border.
        const std::string kind = check.substr(0, check.find(':'));
        out += fmt::format(R"(<span class="chip {} {}" title="{}">{}</span>)", html_escape(result),
                           html_escape(kind), html_escape(result), html_escape(check));
    }
    return out;
}

std::string list_items(const json& list) {
    std::string out;
    for (const json& item : list)
        out += fmt::format("<li><b>{}</b> — {}</li>", text(item.value("id", json())),
                           text(item.value("text", json())));
    return out;
}

std::string counts_cell(const json& counts) {
    std::string out;
    for (const auto& [key, value] : counts.items()) {
        if (value.is_object())
            continue;  // coverage totals: shown in their own section
        out += fmt::format("{}{} {}", out.empty() ? "" : " · ", html_escape(value.dump()),
                           html_escape(key));
    }
    return out.empty() ? "—" : out;
}

std::string parameters_cell(const json& parameters) {
    std::string out;
    for (const auto& [key, value] : parameters.items()) {
        out += fmt::format(
            "{}<code>{}={}</code>", out.empty() ? "" : "<br>", html_escape(key),
            value.is_string() ? html_escape(value.get<std::string>()) : html_escape(value.dump()));
    }
    return out.empty() ? "—" : out;
}

std::string checks_section(const json& report) {
    std::string out =
        "<h2 id=\"checks\">Checks</h2><table id=\"checks-table\"><tr><th>check</th><th>result</th>"
        "<th>counts</th><th>seconds</th><th>parameters and seeds</th></tr>";
    for (const json& check : report["checks"]) {
        std::string failures;
        for (const json& failure : check.value("failures", json::array()))
            failures += "<li>" + text(failure) + "</li>";
        out += fmt::format(
            "<tr id=\"check-{0}\"><td><b>{0}</b><br><span class=\"muted\">{1}</span></td>"
            "<td>{2}<br>{3}{4}</td><td>{5}</td><td>{6:.1f}</td><td>{7}</td></tr>",
            html_escape(check.value("id", "")), html_escape(check.value("title", "")),
            status_cell(check.value("status", "")), html_escape(check.value("summary", "")),
            failures.empty() ? "" : "<ul class=\"fail\">" + failures + "</ul>",
            counts_cell(check.value("counts", json::object())), check.value("seconds", 0.0),
            parameters_cell(check.value("parameters", json::object())));
        out += fmt::format(
            "<tr><td colspan=\"5\"><span class=\"muted\">{}</span><code "
            "class=\"command\">{}</code>{}</td></tr>",
            check.value("status", "") == "not_available" ? "make it available with:"
                                                         : "re-run with:",
            html_escape(check.value("command", "")),
            check["log"].is_string()
                ? fmt::format("<span class=\"muted\">log: {}</span>", text(check["log"]))
                : "");
    }
    return out + "</table>";
}

// profiles_section is the per-profile table (report.json `profiles`): each check's status for the
// profile, what it covered and the command that re-runs that part only.
std::string profiles_section(const json& report) {
    std::string out =
        "<h2 id=\"profiles\">Profiles</h2><p class=\"muted\">Each protocol profile's own result, "
        "derived from what ran in this run (ctest results, fuzz targets, invariants, the interop "
        "logs). NOT RUN for a profile means no check of it ran, whatever the check's own "
        "result; <i>out of scope</i> marks a check that does not claim the profile.</p>";
    for (const json& profile : report.value("profiles", json::array())) {
        const std::string verdict = profile.value("verdict", std::string());
        out += fmt::format(
            "<h3 id=\"profile-{0}\">{0}: {1}</h3><table><tr><th>check</th><th>result for this "
            "profile</th><th>what it covered</th><th>re-run this part</th></tr>",
            html_escape(profile.value("name", "")), status_cell(verdict));
        for (const json& row : profile.value("rows", json::array())) {
            out += fmt::format(
                "<tr><td><b>{}</b>{}</td><td>{}</td><td>{}</td><td><code "
                "class=\"command\">{}</code></td></tr>",
                html_escape(row.value("check", "")),
                row.value("in_scope", false) ? "" : "<br><span class=\"muted\">out of scope</span>",
                status_cell(row.value("status", "")), html_escape(row.value("detail", "")),
                html_escape(row.value("command", "")));
        }
        out += "</table>";
    }
    return out;
}

std::string target_section(const json& target) {
    std::string out = "<h2 id=\"security-target\">Security target</h2>";
    const json& product = target["product"];
    out += fmt::format(
        "<p><b>{}</b> — version {} of the target (<code>{}</code>)</p><p>{}</p><p>Profile: {}</p>"
        "<h3>Usage</h3><p>{}</p>",
        text(product.value("name", json())), text(target.value("version", json())),
        text(target.value("source", json())), text(product.value("scope", json())),
        text(product.value("profile", json())), text(target.value("usage", json())));
    out += "<h3>Environment</h3><ul>" + list_items(target.value("environment", json::array())) +
           "</ul><h3>Assumptions</h3><ul>" +
           list_items(target.value("assumptions", json::array())) + "</ul>";
    out +=
        "<h3>Sensitive assets</h3><table><tr><th>id</th><th>asset</th><th>property it "
        "needs</th></tr>";
    for (const json& asset : target.value("assets", json::array())) {
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                           text(asset.value("id", json())), text(asset.value("name", json())),
                           text(asset.value("property", json())));
    }
    out += "</table><h3>Threats</h3><ul>" + list_items(target.value("threats", json::array())) +
           "</ul><h3>Security functions</h3><table><tr><th>id</th><th>function</th><th>what "
           "it does</th><th>counters</th></tr>";
    for (const json& function : target.value("functions", json::array())) {
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                           text(function.value("id", json())), text(function.value("name", json())),
                           text(function.value("text", json())),
                           joined(function.value("counters", json::array())));
    }
    return out + "</table>";
}

// spec_sources names the tables of contents the clause matrix comes from (docs/specs): every
// normative clause of them has a row, so the reader knows what "all clauses" means here.
std::string spec_sources(const json& trace) {
    std::string sources;
    for (const json& spec : trace.value("specs", json::array())) {
        const std::string revision = spec.value("revision", "");
        sources += std::string(sources.empty() ? "" : "; ") +
                   fmt::format(
                       "{} ({}{}, {}; {} normative clauses{})",
                       html_escape(spec.value("cite_as", "")), html_escape(spec.value("title", "")),
                       revision == spec.value("cite_as", "") ? std::string()
                                                             : " rev. " + html_escape(revision),
                       html_escape(spec.value("date", "")), spec.value("normative_clauses", 0),
                       spec.value("verified", false) ? "" : "; headings not verified");
    }
    if (sources.empty())
        return "<p class=\"gap\">No table of contents under docs/specs: no citation could be "
               "checked.</p>";
    return fmt::format(
        "<p class=\"muted\">Every normative clause of these tables of contents "
        "(docs/specs) has a row; an informative clause has one when a check cites "
        "it: {}.</p>",
        sources);
}

std::string traceability_section(const json& trace) {
    std::string out =
        "<h2 id=\"traceability\">Traceability</h2><p class=\"muted\">Generated from the "
        "<code>@evidence</code> annotations beside the checks and the invariant catalogue's spec "
        "clauses ({} annotations), joined with the security target; each check is coloured by its "
        "result in this run (green pass, red fail, amber not run). Nothing here is kept by "
        "hand.</p>";
    out = fmt::format(fmt::runtime(out), trace.value("annotations", 0));
    const json& gaps = trace["gaps"];
    std::string gap_items;
    for (const char* kind : {"threats", "functions", "clauses", "mechanisms"}) {
        for (const json& gap : gaps.value(kind, json::array()))
            gap_items += fmt::format("<li class=\"gap\">{}: {}</li>", kind, text(gap));
    }
    for (const json& problem : trace.value("annotation_problems", json::array())) {
        gap_items += fmt::format("<li class=\"gap\">annotation {}: {}</li>",
                                 text(problem.value("where", json())),
                                 text(problem.value("problem", json())));
    }
    out += "<h3 id=\"gaps\">Gaps</h3>";
    out += gap_items.empty() ? "<p class=\"pass\">No gap: every threat, function and clause is "
                               "checked.</p>"
                             : "<ul>" + gap_items + "</ul>";
    const json unverified = trace.value("not_verified_in_this_run", json::array());
    if (!unverified.empty()) {
        out += fmt::format(
            "<p class=\"not_run\">Checked only by checks this run did not run (see the "
            "skipped checks above): {}</p>",
            joined(unverified));
    }
    out +=
        "<h3>Threat → security function → checks</h3><table id=\"traceability-matrix\">"
        "<tr><th>threat</th><th>countered by</th><th>checks</th></tr>";
    for (const json& threat : trace["threats"]) {
        const bool assumed =
            threat["checks"].empty() && !threat.value("assumptions", json::array()).empty();
        const bool gap = threat["checks"].empty() && !assumed;
        out += fmt::format(
            "<tr><td{}><b>{}</b><br><span "
            "class=\"muted\">{}</span></td><td>{}</td><td>{}</td></tr>",
            gap ? " class=\"gap\"" : "", text(threat["id"]), text(threat["text"]),
            threat["functions"].empty()
                ? assumed ? "left to " + joined(threat["assumptions"])
                          : std::string("<span class=\"gap\">no function</span>")
                : joined(threat["functions"]),
            assumed ? fmt::format("<span class=\"not_run\">not countered: {} (see "
                                  "<a href=\"#attack-classes\">attack classes</a>)</span>",
                                  text(threat["impact"]))
                    : chips(threat["checks"]));
    }
    out +=
        "</table><h3>Security function → "
        "checks</h3><table><tr><th>function</th><th>checks</th></tr>";
    for (const json& function : trace["functions"]) {
        out += fmt::format("<tr><td{}><b>{}</b> {}</td><td>{}</td></tr>",
                           function["checks"].empty() ? " class=\"gap\"" : "", text(function["id"]),
                           text(function["name"]), chips(function["checks"]));
    }
    out += "</table><h3>Spec clause → checks</h3>" + spec_sources(trace) +
           "<table><tr><th>clause</th><th>checks</th></tr>";
    for (const json& clause : trace["clauses"]) {
        const std::string claim = clause.value("statement", clause.value("requirement", ""));
        out += fmt::format("<tr><td{}><b>{}</b> {}{}</td><td>{}</td></tr>",
                           clause["checks"].empty() ? " class=\"gap\"" : "", text(clause["id"]),
                           text(clause["title"]),
                           claim.empty()
                               ? std::string()
                               : "<br><span class=\"muted\">" + html_escape(claim) + "</span>",
                           chips(clause["checks"]));
    }
    out += "</table>";
    if (!trace.value("unannotated_fuzz_targets", json::array()).empty()) {
        out += fmt::format(
            "<p class=\"muted\">Fuzz targets without an annotation (they run, but "
            "trace to nothing): {}</p>",
            html_escape(trace["unannotated_fuzz_targets"].dump()));
    }
    return out;
}

std::string mechanisms_section(const json& report) {
    std::string out =
        "<h2 id=\"mechanisms\">Cryptographic mechanisms</h2><table><tr><th>mechanism</th>"
        "<th>use</th><th>standard</th><th>key sizes</th><th>tag / IV / nonce</th><th>library "
        "(this binary)</th><th>KATs</th><th>weak points</th></tr>";
    for (const json& mechanism : report["mechanisms"]) {
        out += fmt::format(
            "<tr><td><b>{}</b></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>",
            text(mechanism["id"]), text(mechanism["use"]), text(mechanism["standard"]),
            text(mechanism["key_size"]), text(mechanism["tag_or_nonce"]),
            text(mechanism["library_version"]), chips(mechanism["kats"]),
            text(mechanism["weak_points"]));
    }
    return out + "</table>";
}

std::string proofs_section(const json& report) {
    for (const json& check : report["checks"]) {
        if (check.value("id", "") != "proof" || !check.contains("invariants"))
            continue;
        std::string out =
            "<h2 id=\"proofs\">Invariants</h2><table><tr><th>invariant</th><th>spec "
            "clause</th><th>proof</th><th>seconds</th><th>witness</th></tr>";
        for (const json& invariant : check["invariants"]) {
            const json witness = invariant.value("witness", json());
            out += fmt::format(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td><td>{}</td></tr>",
                text(invariant["id"]), text(invariant["spec_clause"]),
                status_cell(invariant.value("status", "") == "proved" ? "pass" : "fail"),
                invariant.value("seconds", 0.0),
                witness.is_object()
                    ? html_escape(fmt::format("{} {} (depth {})", witness.value("variant", ""),
                                              witness.value("status", ""),
                                              witness.value("depth", json()).dump()))
                    : "—");
        }
        return out + "</table>";
    }
    return "";
}

std::string figures_section(const json& report) {
    std::string out = "<h2 id=\"figures\">Coverage and fuzzing</h2>";
    for (const json& check : report["checks"]) {
        const std::string id = check.value("id", "");
        if (id == "coverage") {
            out += "<h3>Coverage</h3>";
            if (check.value("status", "") != "pass") {
                out += fmt::format(
                    "<p class=\"not_available\">{} — produce it with "
                    "<code>{}</code></p>",
                    text(check["summary"]), text(check["command"]));
                continue;
            }
            out += "<table><tr><th>measure</th><th>covered</th><th>count</th><th></th></tr>";
            for (const auto& [kind, value] : check["counts"].items()) {
                const double percent = value.value("percent", 0.0);
                out += fmt::format(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td><svg width=\"200\" height=\"12\">"
                    "<rect width=\"200\" height=\"12\" fill=\"#e5e7eb\"/><rect width=\"{:.0f}\" "
                    "height=\"12\" fill=\"#2e7d32\"/></svg> {:.1f} %</td></tr>",
                    html_escape(kind), value.value("covered", 0), value.value("count", 0),
                    percent * 2, percent);
            }
            out += "</table>";
        } else if (id == "fuzz") {
            out += "<h3>Fuzzing</h3>";
            out += fmt::format("<p>{} {}</p>", status_cell(check.value("status", "")),
                               text(check["summary"]));
            if (check.value("status", "") == "not_available")
                out += fmt::format("<p>Build it with <code>{}</code></p>", text(check["command"]));
            if (check.contains("targets")) {
                out +=
                    "<table><tr><th>target</th><th>seconds</th><th>exec/s</th><th>coverage</th>"
                    "<th>features</th><th>seed corpus</th><th>result</th></tr>";
                for (const json& target : check["targets"]) {
                    out += fmt::format(
                        "<tr><td>{}</td><td>{:.1f}</td><td>{}</td><td>{}</td><td>{}"
                        "</td><td>{}</td><td>{}</td></tr>",
                        text(target["target"]), target.value("seconds", 0.0),
                        text(target.value("exec_per_second", json())),
                        text(target.value("coverage", json())),
                        text(target.value("features", json())),
                        text(target.value("corpus_before", json())),
                        status_cell(target.value("result", "") == "ok" ? "pass" : "fail"));
                }
                out += "</table>";
            }
            if (check.contains("campaign")) {
                out +=
                    "<p>Last campaign of <code>ci/fuzz.sh</code> (build/fuzz/fuzz-report.json):"
                    "</p><table><tr><th>target</th><th>seconds</th><th>exec/s</th><th>features"
                    "</th><th>corpus before → after</th><th>new inputs</th><th>result</th></tr>";
                for (const json& target : check["campaign"].value("targets", json::array())) {
                    out += fmt::format(
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} → {}</td><td>{}"
                        "</td><td>{}</td></tr>",
                        text(target.value("target", json())), text(target.value("seconds", json())),
                        text(target.value("exec_per_second", json())),
                        text(target.value("features", json())),
                        text(target.value("corpus_before", json())),
                        text(target.value("corpus_after", json())),
                        text(target.value("new_inputs", json())),
                        text(target.value("result", json())));
                }
                out += "</table>";
            }
        }
    }
    return out;
}

std::string environment_section(const json& environment) {
    std::string out = "<h2 id=\"environment\">Environment</h2><table>";
    for (const auto& [key, value] : environment.items())
        out += fmt::format(
            "<tr><th>{}</th><td><pre>{}</pre></td></tr>", html_escape(key),
            value.is_string() ? html_escape(value.get<std::string>()) : html_escape(value.dump(2)));
    return out + "</table>";
}

std::string comparison_section(const json& report) {
    if (!report.contains("comparison"))
        return "";
    const json& comparison = report["comparison"];
    std::string out =
        fmt::format("<h2 id=\"comparison\">What changed since {}</h2>", text(comparison["old"]));
    if (comparison["changes"].empty())
        return out + "<p>Nothing changed.</p>";
    out += "<ul>";
    for (const json& change : comparison["changes"])
        out += "<li>" + text(change) + "</li>";
    return out + "</ul>";
}

}  // namespace

std::string render_html(const json& report, const std::string& state_machine_svg,
                        const json& sequence_charts) {
    const std::string outcome = report.value("verdict", "fail");
    const std::string headline =
        outcome == "pass" ? "PASS" : (outcome == "incomplete" ? "INCOMPLETE" : "FAIL");
    std::string out = fmt::format(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ratchetcheck "
        "evidence — {}</title><style>{}{}</style></head><body>",
        headline, style, print_stylesheet());
    out += fmt::format(
        "<h1>Ratchetcheck evidence pack</h1><div id=\"verdict\" class=\"verdict {}\">Verdict: {}"
        " — {}</div>",
        html_escape(outcome), headline, html_escape(report.value("summary", "")));
    const std::string reasons =
        report.value("verdict_reasons", json::object()).value("reasons", std::string());
    if (!reasons.empty()) {
        out += fmt::format(
            "<p id=\"verdict-reasons\" class=\"verdict-reasons {}\">{} because: "
            "{}</p>",
            html_escape(outcome), headline, html_escape(reasons));
    }
    // Each profile's own verdict beside the run's: a PASS of the run covers a profile only
    // through the checks that claim it.
    std::string profile_verdicts;
    for (const json& profile : report.value("profiles", json::array()))
        profile_verdicts += fmt::format("{}{} {}", profile_verdicts.empty() ? "" : " · ",
                                        html_escape(profile.value("name", "")),
                                        status_cell(profile.value("verdict", "")));
    if (!profile_verdicts.empty()) {
        out += fmt::format(
            "<p id=\"profile-verdicts\">Per profile: {} — <a href=\"#profiles\">what each check "
            "covered of each profile</a>.</p>",
            profile_verdicts);
    }
    out += fmt::format(
        "<p class=\"muted\">Produced {} by <code>{}</code> from commit {} ({} mode, "
        "{:.0f} s). PASS means every check ran and passed with no traceability gap; INCOMPLETE "
        "that a check did not run or a gap is open; FAIL that a check failed. "
        "<code>SHA256SUMS</code> and <code>manifest.json</code> hold the SHA-256 of "
        "every file (and input): <a href=\"#verification\">how to verify this pack</a>.</p>",
        html_escape(report.value("created", "")), html_escape(report.value("command", "")),
        html_escape(report["environment"].value("source_commit", "unknown")),
        html_escape(report.value("mode", "")), report.value("seconds", 0.0));
    out +=
        "<p>Contents: <a href=\"#checks\">checks</a> · <a href=\"#profiles\">profiles</a> · "
        "<a href=\"#security-target\">security "
        "target</a> · <a href=\"#traceability\">traceability</a> · <a "
        "href=\"#mechanisms\">mechanisms</a> · <a href=\"#toe\">the TOE</a> · <a "
        "href=\"#crypto-mechanisms\">cryptography</a> · <a href=\"#anssi\">ANSSI "
        "conformance</a> · <a href=\"#deviations\">deviations</a> · <a "
        "href=\"#attack-classes\">attack classes</a> · <a href=\"#limits\">limits and worst "
        "case</a> · <a href=\"#state-machine\">state machine</a> · <a "
        "href=\"#sequence-charts\">sequence charts</a> · <a href=\"#proofs\">invariants</a> · "
        "<a href=\"#figures\">coverage</a> · <a href=\"#fuzzing\">fuzzing</a> · <a "
        "href=\"#environment\">environment</a> · <a href=\"#verification\">verification</a></p>";
    const json& gaps = report["traceability"]["gaps"];
    std::string gap_list;
    for (const auto& [kind, list] : gaps.items()) {
        for (const json& gap : list)
            gap_list += fmt::format("{}{} ({})", gap_list.empty() ? "" : ", ", text(gap),
                                    html_escape(kind));
    }
    out += gap_list.empty()
               ? "<p class=\"pass\">Traceability: no gap.</p>"
               : fmt::format(
                     "<p class=\"gap\">Traceability gaps (nothing checks them): {} — see "
                     "<a href=\"#gaps\">gaps</a>.</p>",
                     gap_list);
    out += comparison_section(report);
    out += checks_section(report);
    out += profiles_section(report);
    out += target_section(report["security_target"]);
    out += traceability_section(report["traceability"]);
    out += mechanisms_section(report);
    out += identification_html(report);
    out += render_analysis_html(report);
    out += "<h2 id=\"state-machine\">Protocol state machine</h2>";
    out += state_machine_svg.empty()
               ? "<p class=\"not_available\">Graphviz <code>dot</code> is not installed "
                 "(<code>apt-get install -y graphviz</code>); the dot source is "
                 "<code>state-machine.dot</code> in the pack.</p>"
               : "<div class=\"diagram\">" + state_machine_svg + "</div>";
    out +=
        "<h2 id=\"sequence-charts\">Counterexamples as message sequence charts</h2><p "
        "class=\"muted\">Each witness (the model variant that breaks an invariant) and each "
        "mutant's shrunk counterexample, drawn from its op trace and replayed on this build "
        "(<code>ratchetcheck replay --json</code>) to read each message's header (ratchet key "
        "prefix, N, PN) and sizes from its bytes. The labels are the specified model's "
        "outcomes; the last op, in red, is where the broken variant violates the property, "
        "with the expected outcome beside what this build and the broken variant got.</p>";
    bool first = true;
    for (const json& chart : sequence_charts) {
        out += fmt::format(
            "<details{}><summary>{}</summary><p class=\"muted\">{} — "
            "<code>ratchetcheck replay {}</code></p>{}</details>",
            first ? " open" : "", text(chart["title"]), text(chart["note"]), text(chart["file"]),
            chart["svg"].get<std::string>());
        first = false;
    }
    out += proofs_section(report);
    out += figures_section(report);
    out += render_fuzzing(report.value("fuzzing", json()));
    out += environment_section(report["environment"]);
    out += verification_section_html(report);
    out += "</body></html>\n";
    return out;
}

}  // namespace ratchetcheck::evidence
