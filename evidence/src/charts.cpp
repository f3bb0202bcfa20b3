#include "charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "state_machine.hpp"
#include "support.hpp"

namespace ratchetcheck::evidence {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int chart_width = 900;
constexpr int lane_alice = 120;
constexpr int lane_network = 450;
constexpr int lane_bob = 780;
constexpr int row_height = 46;
constexpr int header_height = 92;
constexpr int wrap_columns = 130;

int lane_of(const std::string& party) {
    return party == "bob" ? lane_bob : lane_alice;
}

std::string other(const std::string& party) {
    return party == "bob" ? "alice" : "bob";
}

std::string text_at(int x, int y, const std::string& label, const std::string& color,
                    const char* anchor = "middle", int size = 11) {
    return fmt::format(R"(<text x="{}" y="{}" text-anchor="{}" font-size="{}" fill="{}">{}</text>)",
                       x, y, anchor, size, color, html_escape(label));
}

// arrow draws an arrow with `label` above it and `detail` (the message header) below it.
std::string arrow(int from_x, int to_x, int y, const std::string& label, const std::string& detail,
                  const std::string& color, bool dashed) {
    const int direction = to_x > from_x ? 1 : -1;
    const int tip = to_x - direction * 2;
    std::string svg =
        fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1.6"{}/>)",
                    from_x, y, tip, y, color, dashed ? R"( stroke-dasharray="5,3")" : "");
    svg += fmt::format(R"(<polygon points="{},{} {},{} {},{}" fill="{}"/>)", to_x, y,
                       to_x - direction * 9, y - 4, to_x - direction * 9, y + 4, color);
    svg += text_at((from_x + to_x) / 2, y - 5, label, color);
    if (!detail.empty())
        svg += text_at((from_x + to_x) / 2, y + 13, detail, "#4b5563", "middle", 10);
    return svg;
}

std::string note(int x, int y, const std::string& label, const std::string& color) {
    const int width = std::max(60, static_cast<int>(label.size()) * 6 + 12);
    return fmt::format(
               R"(<rect x="{}" y="{}" width="{}" height="20" rx="4" fill="#fff8e1" stroke="{}"/>)",
               x - width / 2, y - 14, width, color) +
           text_at(x, y, label, color);
}

std::string expectation_of(const json& op) {
    return op.contains("expect") && op["expect"].is_string() ? op["expect"].get<std::string>()
                                                             : std::string("?");
}

// header_text is a message's header as the replay read it from its bytes: "m3 [rk 1a2b3c4d N=2
// PN=0]", and `size_text` its sizes; both empty when the replay did not give it.
std::string header_text(const json& header) {
    if (!header.is_object() || !header.contains("counter"))
        return "";
    return fmt::format("[rk {} N={} PN={}]", header.value("ratchet_key_prefix", "?"),
                       header.value("counter", 0), header.value("previous_counter", 0));
}

std::string size_text(const json& header, const json& replayed_op) {
    if (!header.is_object() || !header.contains("message_bytes"))
        return "";
    std::string sizes;
    if (replayed_op.contains("plaintext_bytes"))
        sizes = fmt::format("{} B plaintext, ", replayed_op["plaintext_bytes"].get<int>());
    sizes +=
        fmt::format("{} B ciphertext, {} B {}", header.value("ciphertext_bytes", 0),
                    header.value("message_bytes", 0), header.value("type", std::string("message")));
    return sizes;
}

// forged_ratchet_key is the ratchet key a forge op names: an existing epoch's key, or a fresh
// one (docs/op-trace.md ForgeOp); the bytes are made by the replay and not in its document.
std::string forged_ratchet_key(const json& op) {
    const json key = op.value("ratchet_key", json());
    if (key.is_object() && key.contains("epoch"))
        return fmt::format("of epoch {}", key["epoch"].dump());
    return key.is_string() ? key.get<std::string>() : std::string("?");
}

// wrapped splits `text` into lines of at most `columns` characters at spaces.
std::vector<std::string> wrapped(const std::string& text, std::size_t columns) {
    std::vector<std::string> lines;
    std::string line;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(' ', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string word = text.substr(start, end - start);
        if (!line.empty() && line.size() + 1 + word.size() > columns) {
            lines.push_back(line);
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
        start = end + 1;
    }
    if (!line.empty())
        lines.push_back(line);
    return lines;
}

// broken_outcome is what the broken variant or mutant did on the failing op, as the trace's
// note records it (the mutant's run is not repeated here: the mutant is another build).
std::string broken_outcome(const std::string& trace_note) {
    for (const char* const marker_text : {"On the mutant: ", "Under the model variant "}) {
        const std::string marker = marker_text;
        const std::size_t start = trace_note.find(marker);
        if (start == std::string::npos)
            continue;
        const std::size_t end =
            trace_note.find(marker[0] == 'O' ? ". On the original" : ". The ", start);
        const std::string sentence =
            trace_note.substr(start, end == std::string::npos ? std::string::npos : end - start);
        return marker[0] == 'O' ? "got on the mutant: " + sentence.substr(marker.size())
                                : "got under the broken variant: the model variant " +
                                      sentence.substr(marker.size());
    }
    return "";
}

}  // namespace

std::string sequence_chart_svg(const json& trace, const json& replay, const std::string& title) {
    const json ops =
        trace.contains("ops") && trace["ops"].is_array() ? trace["ops"] : json::array();
    const json replayed = replay.is_object() && replay.contains("ops") && replay["ops"].is_array()
                              ? replay["ops"]
                              : json::array();
    const std::string broken = broken_outcome(trace.value("note", ""));
    const std::vector<std::string> broken_lines = wrapped(broken, wrap_columns);
    const int failing_box = 34 + static_cast<int>(broken_lines.size()) * 14;
    const int height = header_height + static_cast<int>(ops.size()) * row_height + failing_box + 20;
    std::string body;
    // Messages are numbered in the order they are sent (docs/op-trace.md); a send that fails
    // (no session) makes no message.
    std::vector<std::string> sender_of_message;
    int y = header_height + 14;
    for (std::size_t index = 0; index < ops.size(); ++index) {
        const json& op = ops[index];
        const json replayed_op = index < replayed.size() ? replayed[index] : json::object();
        const json header = replayed_op.value("header", json());
        const bool last = index + 1 == ops.size();
        const std::string color = last ? "#c62828" : "#1f2937";
        const std::string kind = op.value("op", std::string("?"));
        const std::string outcome = expectation_of(op);
        const std::string party = op.value("party", std::string("alice"));
        const auto message = op.value("message", -1);
        const std::string receiver =
            message >= 0 && static_cast<std::size_t>(message) < sender_of_message.size()
                ? other(sender_of_message[static_cast<std::size_t>(message)])
                : std::string("bob");
        const std::string sizes = size_text(header, replayed_op);
        body += text_at(8, y + 4, fmt::format("#{}", index), "#6b7280", "start", 10);
        if (kind == "send") {
            const bool sent = outcome == "sent" || outcome == "?";
            if (sent)
                sender_of_message.push_back(party);
            body += arrow(
                lane_of(party), lane_network, y,
                sent ? fmt::format("m{} {}", sender_of_message.size() - 1, header_text(header))
                     : fmt::format("send: {}", outcome),
                sent ? sizes : "", color, false);
        } else if (kind == "deliver") {
            body += arrow(lane_network, lane_of(receiver), y,
                          fmt::format("deliver m{} {} → {}", message, header_text(header), outcome),
                          sizes, color, false);
        } else if (kind == "tamper") {
            body += arrow(lane_network, lane_of(receiver), y,
                          fmt::format("m{} {} byte {} ^ {} → {}", message, header_text(header),
                                      op.value("byte", 0), op.value("mask", 0), outcome),
                          sizes, color, true);
        } else if (kind == "truncate") {
            body += arrow(lane_network, lane_of(receiver), y,
                          fmt::format("m{} {} cut to {} → {}", message, header_text(header),
                                      op.value("length", 0), outcome),
                          sizes, color, true);
        } else if (kind == "forge") {
            body +=
                arrow(lane_network, lane_of(party), y,
                      fmt::format("forged {} [rk {} N={} PN={}] → {}",
                                  op.value("type", std::string("signal")), forged_ratchet_key(op),
                                  op.value("counter", 0), op.value("previous_counter", 0), outcome),
                      fmt::format("{} B ciphertext ({} AES block(s))",
                                  16 * op.value("ciphertext_blocks", 0),
                                  op.value("ciphertext_blocks", 0)),
                      color, true);
        } else if (kind == "duplicate" || kind == "drop") {
            body += note(lane_network, y,
                         fmt::format("{} m{} {}", kind, message, header_text(header)), color);
        } else if (kind == "save_restore") {
            body += note(lane_of(party), y, "save + restore → " + outcome, color);
        } else {
            body += note(lane_network, y, kind, color);
        }
        y += row_height;
    }
    // The failing op: what the specified model expects, what this build's implementation did
    // (from the replay), and what the broken variant or mutant did (from the trace's note).
    if (!ops.empty()) {
        const json& last_op = ops.back();
        const json replayed_last = replayed.size() == ops.size() ? replayed.back() : json::object();
        const std::string got = replayed_last.contains("implementation")
                                    ? replayed_last["implementation"].get<std::string>()
                                    : std::string("not replayed");
        body += fmt::format(
            R"(<rect x="10" y="{}" width="{}" height="{}" rx="5" fill="#fdecea" stroke="#c62828"/>)",
            y - 12, chart_width - 20, failing_box);
        body += text_at(20, y + 6,
                        fmt::format("failing op #{} ({}): expected (specified model): {} · got "
                                    "(this build's implementation): {}",
                                    ops.size() - 1, last_op.value("op", std::string("?")),
                                    expectation_of(last_op), got),
                        "#c62828", "start", 11);
        int line_y = y + 22;
        for (const std::string& line : broken_lines) {
            body += text_at(20, line_y, line, "#7f1d1d", "start", 10);
            line_y += 14;
        }
    }

    std::string svg = fmt::format(
        R"(<svg xmlns="http://www.w3.org/2000/svg" class="msc" width="{0}" height="{1}" viewBox="0 0 {0} {1}" font-family="Helvetica, Arial, sans-serif">)",
        chart_width, height);
    svg += fmt::format(R"(<title>{}</title>)", html_escape(title));
    svg += fmt::format(R"(<text x="10" y="16" font-size="12" font-weight="bold">{}</text>)",
                       html_escape(title));
    const json limits =
        trace.contains("setup") ? trace["setup"].value("profile", json::object()) : json::object();
    svg += text_at(
        10, 31,
        fmt::format(
            "limits of the run: max_forward_jump {} · max_skipped_keys_per_chain {} · "
            "max_skipped_keys_total {} · max_receiving_chains {} · one-time prekey {}",
            limits.value("max_forward_jump", 0), limits.value("max_skipped_keys_per_chain", 0),
            limits.value("max_skipped_keys_total", 0), limits.value("max_receiving_chains", 0),
            trace.contains("setup") && trace["setup"].value("one_time_prekey", true) ? "published"
                                                                                     : "none"),
        "#374151", "start", 10);
    svg += text_at(10, 44,
                   replayed.empty()
                       ? std::string("headers: not shown (the replay of this trace did not run)")
                       : std::string("headers read from the message bytes by `ratchetcheck "
                                     "replay --json`: rk = first 4 bytes of the ratchet key, "
                                     "N = counter, PN = previous chain length"),
                   "#374151", "start", 10);
    for (const auto& [x, name] : std::vector<std::pair<int, std::string>>{
             {lane_alice, "Alice"}, {lane_network, "network (attacker)"}, {lane_bob, "Bob"}}) {
        svg += fmt::format(
            R"(<rect x="{}" y="54" width="140" height="24" rx="5" fill="#e3ebf7" stroke="#4b6ea9"/>)"
            R"(<text x="{}" y="71" text-anchor="middle" font-size="12">{}</text>)"
            R"(<line x1="{}" y1="78" x2="{}" y2="{}" stroke="#9ca3af" stroke-dasharray="2,3"/>)",
            x - 70, x, name, x, x, height - failing_box - 20);
    }
    svg += body;
    svg += "</svg>";
    return svg;
}

json sequence_charts(const fs::path& source, const fs::path& out, const fs::path& ratchetcheck) {
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
            // The headers are in no trace: the trace is replayed on this build (a subprocess,
            // as every check: evidence links no harness) and the headers read from the bytes.
            const std::string replay_command =
                fmt::format("{} replay --json {}", shell_quote(ratchetcheck.string()),
                            shell_quote(trace_file.string()));
            json replay;
            if (const auto output = capture(replay_command + " 2>/dev/null"))
                replay = json::parse(*output, nullptr, false);
            if (replay.is_discarded())
                replay = json();
            const std::string svg = sequence_chart_svg(trace, replay, title);
            write_text(out / "charts" / (stem + ".svg"), svg);
            charts.push_back({{"title", title},
                              {"file", fs::relative(trace_file, source).string()},
                              {"note", trace.value("note", "")},
                              {"replayed", replay.is_object()},
                              {"svg", svg}});
        } catch (const json::exception& error) {
            fmt::print(stderr, "evidence: {} is not an op trace: {}\n", trace_file.string(),
                       error.what());
        }
    }
    return charts;
}

namespace {

// session_records runs `ratchetcheck session-records` (cli/session_records_command.cpp: our
// Party explored; evidence links no protocol) and reads its table; none when it did not run.
std::optional<SessionRecordTable> session_records(const fs::path& ratchetcheck) {
    const auto output = capture(fmt::format("{} session-records --max-ops 6 2>/dev/null",
                                            shell_quote(ratchetcheck.string())));
    if (!output)
        return std::nullopt;
    const json document = json::parse(*output, nullptr, false);
    if (document.is_discarded() || document.value("format", "") != "ratchetcheck-session-records/1")
        return std::nullopt;
    SessionRecordTable table;
    table.derived_from = document.value("derived_from", "");
    table.max_ops = document.value("max_ops", std::size_t{0});
    table.sequences = document.value("sequences", std::size_t{0});
    for (const json& row : document.value("edges", json::array())) {
        StateMachineEdge edge{.from = row.value("from", ""),
                              .event = row.value("event", ""),
                              .outcome = row.value("outcome", ""),
                              .to = row.value("to", ""),
                              .seen = row.value("seen", std::size_t{0}),
                              .example = row.value("example", "")};
        for (const std::string& phase : {edge.from, edge.to}) {
            if (std::find(table.phases.begin(), table.phases.end(), phase) == table.phases.end())
                table.phases.push_back(phase);
        }
        table.edges.push_back(std::move(edge));
    }
    return table;
}

}  // namespace

std::string state_machine_svg(const fs::path& out, const fs::path& source,
                              const fs::path& ratchetcheck) {
    // The commit the pictures were derived at, as report.json's environment gives it.
    const std::optional<std::string> commit =
        capture(fmt::format("git -C {} rev-parse HEAD 2>/dev/null", shell_quote(source.string())));
    const std::optional<std::string> dirty = capture(
        fmt::format("git -C {} status --porcelain 2>/dev/null", shell_quote(source.string())));
    const std::string provenance =
        commit ? "source commit " + first_line(*commit) +
                     (dirty && !dirty->empty() ? " (with uncommitted changes)" : "")
               : std::string("source commit unknown (not a git checkout)");
    const fs::path dot_file = out / "state-machine.dot";
    StateMachine machine = derive_state_machine();
    machine.session_records = session_records(ratchetcheck);
    write_text(dot_file, state_machine_dot(machine, provenance));
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

}  // namespace ratchetcheck::evidence
