#include "charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support.hpp"

namespace ratchetcheck::evidence {

std::string state_machine_dot() {
    // The states a Party's session with one peer goes through (protocol/src/party.cpp and the
    // model's session phases); edges are the op-trace actions, with the checks on them.
    return R"dot(digraph session {
  graph [rankdir=LR, fontname="Helvetica", fontsize=11, bgcolor="transparent", nodesep=0.5];
  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica", fontsize=11];
  edge [fontname="Helvetica", fontsize=9];
  none [label="no session"];
  initiator [label="initiator:\nunacknowledged\n(sends PreKeySignalMessage)"];
  established [label="session established\n(sending chain, ≤ max_receiving_chains\nreceiving chains, skipped keys)"];
  none -> initiator [label="process prekey bundle\n(XEdDSA signature, X3DH)"];
  none -> established [label="receive PreKeySignalMessage\n(X3DH, kept only if it authenticates)"];
  initiator -> initiator [label="send (chain step)"];
  initiator -> established [label="receive a reply\n(DH ratchet step)"];
  established -> established [label="send: KDF_CK, Ns += 1"];
  established -> established [label="receive, known chain:\nskip ≤ max_forward_jump, MAC, AES"];
  established -> established [label="receive, new ratchet key:\nDH step (KDF_RK), new sending key"];
  reject [label="rejected input\n(state byte-identical)", shape=note, fillcolor="#fdecea"];
  established -> reject [label="forged / tampered / replayed /\ntoo far ahead / malformed", style=dashed];
  initiator -> reject [style=dashed];
  none -> reject [label="bad bundle / untrusted identity", style=dashed];
  stored [label="serialized state\n(docs/state-format.md)", shape=cylinder, fillcolor="#f4f4f4"];
  established -> stored [label="save", style=dotted];
  stored -> established [label="restore (strict load)", style=dotted];
}
)dot";
}

namespace {

constexpr int chart_width = 720;
constexpr int lane_alice = 110;
constexpr int lane_network = 360;
constexpr int lane_bob = 610;
constexpr int row_height = 34;
constexpr int header_height = 70;

int lane_of(const std::string& party) {
    return party == "bob" ? lane_bob : lane_alice;
}

std::string other(const std::string& party) {
    return party == "bob" ? "alice" : "bob";
}

std::string arrow(int from_x, int to_x, int y, const std::string& label, const std::string& color,
                  bool dashed) {
    const int direction = to_x > from_x ? 1 : -1;
    const int tip = to_x - direction * 2;
    std::string svg =
        fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1.6"{}/>)",
                    from_x, y, tip, y, color, dashed ? R"( stroke-dasharray="5,3")" : "");
    svg += fmt::format(R"(<polygon points="{},{} {},{} {},{}" fill="{}"/>)", to_x, y,
                       to_x - direction * 9, y - 4, to_x - direction * 9, y + 4, color);
    svg += fmt::format(
        R"(<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>)",
        (from_x + to_x) / 2, y - 5, color, html_escape(label));
    return svg;
}

std::string note(int x, int y, const std::string& label, const std::string& color) {
    const int width = std::max(60, static_cast<int>(label.size()) * 6 + 12);
    return fmt::format(
        R"(<rect x="{}" y="{}" width="{}" height="20" rx="4" fill="#fff8e1" stroke="{}"/>)"
        R"(<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>)",
        x - width / 2, y - 14, width, color, x, y, color, html_escape(label));
}

std::string outcome_of(const nlohmann::json& op) {
    return op.contains("expect") && op["expect"].is_string() ? op["expect"].get<std::string>()
                                                             : std::string("?");
}

}  // namespace

std::string sequence_chart_svg(const nlohmann::json& trace, const std::string& title) {
    const nlohmann::json ops =
        trace.contains("ops") && trace["ops"].is_array() ? trace["ops"] : nlohmann::json::array();
    const int height = header_height + static_cast<int>(ops.size()) * row_height + 30;
    std::string body;
    // Messages are numbered in the order they are sent (docs/op-trace.md); a send that fails
    // (no session) makes no message.
    std::vector<std::string> sender_of_message;
    int y = header_height + 10;
    for (std::size_t index = 0; index < ops.size(); ++index) {
        const nlohmann::json& op = ops[index];
        const bool last = index + 1 == ops.size();
        const std::string color = last ? "#c62828" : "#1f2937";
        const std::string kind = op.value("op", std::string("?"));
        const std::string outcome = outcome_of(op);
        const std::string party = op.value("party", std::string("alice"));
        const auto message = op.value("message", -1);
        const std::string receiver =
            message >= 0 && static_cast<std::size_t>(message) < sender_of_message.size()
                ? other(sender_of_message[static_cast<std::size_t>(message)])
                : std::string("bob");
        body += fmt::format(R"(<text x="8" y="{}" font-size="10" fill="#6b7280">#{}</text>)", y + 4,
                            index);
        if (kind == "send") {
            const bool sent = outcome == "sent" || outcome == "?";
            if (sent)
                sender_of_message.push_back(party);
            body += arrow(lane_of(party), lane_network, y,
                          sent ? fmt::format("m{} ({} bytes)", sender_of_message.size() - 1,
                                             op.value("size", 0))
                               : fmt::format("send: {}", outcome),
                          color, false);
        } else if (kind == "deliver") {
            body += arrow(lane_network, lane_of(receiver), y,
                          fmt::format("deliver m{} → {}", message, outcome), color, false);
        } else if (kind == "tamper") {
            body += arrow(lane_network, lane_of(receiver), y,
                          fmt::format("m{} byte {} ^ {} → {}", message, op.value("byte", 0),
                                      op.value("mask", 0), outcome),
                          color, true);
        } else if (kind == "truncate") {
            body +=
                arrow(lane_network, lane_of(receiver), y,
                      fmt::format("m{} cut to {} → {}", message, op.value("length", 0), outcome),
                      color, true);
        } else if (kind == "forge") {
            body += arrow(
                lane_network, lane_of(party), y,
                fmt::format("forged {} (counter {}) → {}", op.value("type", std::string("signal")),
                            op.value("counter", 0), outcome),
                color, true);
        } else if (kind == "duplicate" || kind == "drop") {
            body += note(lane_network, y, fmt::format("{} m{}", kind, message), color);
        } else if (kind == "save_restore") {
            body += note(lane_of(party), y, "save + restore → " + outcome, color);
        } else {
            body += note(lane_network, y, kind, color);
        }
        y += row_height;
    }
    std::string svg = fmt::format(
        R"(<svg xmlns="http://www.w3.org/2000/svg" class="msc" width="{0}" height="{1}" viewBox="0 0 {0} {1}" font-family="Helvetica, Arial, sans-serif">)",
        chart_width, height);
    svg += fmt::format(R"(<title>{}</title>)", html_escape(title));
    svg += fmt::format(R"(<text x="10" y="18" font-size="12" font-weight="bold">{}</text>)",
                       html_escape(title));
    for (const auto& [x, name] : std::vector<std::pair<int, std::string>>{
             {lane_alice, "Alice"}, {lane_network, "network (attacker)"}, {lane_bob, "Bob"}}) {
        svg += fmt::format(
            R"(<rect x="{}" y="30" width="140" height="24" rx="5" fill="#e3ebf7" stroke="#4b6ea9"/>)"
            R"(<text x="{}" y="47" text-anchor="middle" font-size="12">{}</text>)"
            R"(<line x1="{}" y1="54" x2="{}" y2="{}" stroke="#9ca3af" stroke-dasharray="2,3"/>)",
            x - 70, x, name, x, x, height - 10);
    }
    svg += body;
    svg += "</svg>";
    return svg;
}

}  // namespace ratchetcheck::evidence
