// Pictures of the evidence pack: the protocol state machine (Graphviz dot source) and message
// sequence charts of op traces (SVG written directly, no external tool).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ratchetcheck::evidence {

// state_machine_dot is the session state machine of one party (docs/op-trace.md's ops as
// transitions) in the dot language.
std::string state_machine_dot();

// sequence_chart_svg draws an op trace (ratchetcheck-op-trace/1 JSON) as a message sequence chart
// between Alice, the network and Bob: each send, delivery, tamper, forgery, duplicate, drop and
// save/restore with its expected outcome; the last op, where a witness or a mutant's
// counterexample shows its violation, is drawn in red. `title` heads the chart.
std::string sequence_chart_svg(const nlohmann::json& trace, const std::string& title);

}  // namespace ratchetcheck::evidence
