// Pictures of the evidence pack: the protocol state machine, derived from the model
// (state_machine.hpp) and laid out by Graphviz dot, and message sequence charts of the committed
// op traces (SVG written directly, no external tool), with each message's header read by
// replaying the trace on this build (docs/decisions.md E30).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace ratchetcheck::evidence {

// sequence_chart_svg draws an op trace (ratchetcheck-op-trace/1 JSON) as a message sequence chart
// between Alice, the network and Bob: each send, delivery, tamper, forgery, duplicate, drop and
// save/restore with its expected outcome and, from `replay` (the ratchetcheck-replay/1 document
// of `ratchetcheck replay --json`, or null when it did not run), each message's header (ratchet
// key prefix, N, PN) and sizes. The run's limits head the chart; the last op, where a witness or
// a mutant's counterexample shows its violation, is drawn in red with the expected outcome, this
// build's outcome, and the broken variant's or mutant's as the trace's note records it.
std::string sequence_chart_svg(const nlohmann::json& trace, const nlohmann::json& replay,
                               const std::string& title);

// sequence_charts draws every corpus/traces/witness-*.json and mutant-*.json under `source`,
// replaying each with `ratchetcheck` (this binary) `replay --json`, writes charts/<stem>.svg
// under `out`, and returns one entry per chart (title, file, note, replayed, svg).
nlohmann::json sequence_charts(const std::filesystem::path& source,
                               const std::filesystem::path& out,
                               const std::filesystem::path& ratchetcheck);

// state_machine_svg derives the state machine from the model and the session-record machine from
// this build (`ratchetcheck` session-records, a subprocess), writes state-machine.dot and (with
// Graphviz) state-machine.svg under `out`, labelled with the commit of the source tree `source`,
// and returns the SVG for inlining with id "state-machine-diagram", or "" when dot is missing.
std::string state_machine_svg(const std::filesystem::path& out, const std::filesystem::path& source,
                              const std::filesystem::path& ratchetcheck);

}  // namespace ratchetcheck::evidence
