// The session state machine, derived from model::System (state_machine.hpp).
#include "state_machine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "ratchetcheck/model/system.hpp"

namespace ratchetcheck::evidence {
namespace {

using model::ConcreteParty;
using model::ConcreteView;
using model::PartyId;
using model::System;

const char* const phase_no_session = "no session";
const char* const phase_unacknowledged = "session, unacknowledged\n(sends PreKeySignalMessages)";
const char* const phase_established = "session established";

// phase_of reduces a party's abstract state to the phase of its session: the fields a reader of
// the diagram cares about (has_session, pending_prekey); counters and chains are the edges' work.
std::string phase_of(const ConcreteParty& party) {
    if (!party.has_session)
        return phase_no_session;
    return party.pending_prekey ? phase_unacknowledged : phase_established;
}

bool knows_epoch(const ConcreteParty& party, std::int64_t epoch) {
    return std::any_of(party.chains.begin(), party.chains.end(), [epoch](const auto& chain) {
        return chain.present && chain.epoch == epoch;
    });
}

// receive_event names what a party is handed, as the receive transition distinguishes it: a
// PreKeySignalMessage starts a session, belongs to the current one, or (base key altered) falls
// back to it; a SignalMessage meets no session, a known chain, or a new ratchet key (DH step).
std::string receive_event(const ConcreteParty& receiver, const ConcreteView& view) {
    if (view.is_prekey) {
        if (!view.base_key_genuine) {
            return receiver.has_session
                       ? "PreKeySignalMessage, base key altered:\nfallback to the current session"
                       : "PreKeySignalMessage, base key altered:\nX3DH, new session";
        }
        return receiver.has_session ? "PreKeySignalMessage of the current session"
                                    : "PreKeySignalMessage: X3DH, new session";
    }
    if (!receiver.has_session)
        return "SignalMessage";
    return knows_epoch(receiver, view.epoch) ? "SignalMessage, known chain"
                                             : "SignalMessage, new ratchet key:\nDH step";
}

// Explored is one node of the exploration: the system after an op sequence, and that sequence.
struct Explored {
    System system;
    std::string ops;
};

// key_of identifies a system state for deduplication: both parties, every world field a verdict
// depends on (the epoch allocator, the root-chain positions, which X3DH secret the initiator
// derived), and the ledger with the copies in flight. The other ghost sets (sent, accepted,
// owners) change no verdict.
std::string key_of(const System& system) {
    const model::ConcreteWorld& world = system.world();
    std::string key = model::describe(system.party(PartyId::alice)) + "|" +
                      model::describe(system.party(PartyId::bob)) + "|" +
                      std::to_string(world.next_epoch) + "|" +
                      (world.initiator_used_one_time_prekey ? "dh4" : "no-dh4");
    for (const auto& [epoch, predecessor] : world.epoch_predecessor)
        key += fmt::format("|{}<{}", epoch, predecessor);
    for (std::size_t message = 0; message < system.messages().size(); ++message) {
        const auto& header = system.messages()[message].header;
        key += fmt::format("|{}:{}:{}:{}:{}", model::index_of(system.messages()[message].sender),
                           header.epoch, header.counter, header.is_prekey ? 1 : 0,
                           system.copies_in_flight(message));
    }
    return key;
}

// Table collects edges in first-seen order (so the shortest example is kept).
class Table {
  public:
    void add(const std::string& from, const std::string& event, const std::string& outcome,
             const std::string& to, const std::string& example) {
        const auto key = std::make_tuple(from, event, outcome, to);
        const auto found = index_.find(key);
        if (found != index_.end()) {
            ++edges_[found->second].seen;
            return;
        }
        index_.emplace(key, edges_.size());
        edges_.push_back(StateMachineEdge{.from = from,
                                          .event = event,
                                          .outcome = outcome,
                                          .to = to,
                                          .seen = 1,
                                          .example = example});
    }
    std::vector<StateMachineEdge> edges() const { return edges_; }

  private:
    std::map<std::tuple<std::string, std::string, std::string, std::string>, std::size_t> index_;
    std::vector<StateMachineEdge> edges_;
};

std::string then(const std::string& ops, const std::string& op) {
    return ops.empty() ? op : ops + "; " + op;
}

// receive runs one receive on a copy of `from` and records its edge; returns the system after.
System receive(const Explored& from, PartyId receiver, const ConcreteView& view,
               const std::string& prefix, const std::string& op, bool via_network,
               std::size_t message, Table& table) {
    System next = from.system;
    const ConcreteParty before = next.party(receiver);
    const System::ReceiveResult result =
        via_network ? next.deliver(message) : next.inject(receiver, view);
    table.add(phase_of(before), prefix + receive_event(before, view),
              model::verdict_name(result.verdict), phase_of(next.party(receiver)),
              then(from.ops, op));
    return next;
}

}  // namespace

StateMachine derive_state_machine(const model::Variant& variant, std::size_t max_ops) {
    StateMachine machine;
    // Small limits, so that the bounds (too_far_ahead, evicted chains) are reached within the
    // exploration bound (the proofs' witnesses use 2 / 1 / 2 / 2; a jump of 1 reaches
    // too_far_ahead one send sooner). At 8 ops every phase and event kind occurs in about a
    // second of a Debug build; 10 ops add 3 rows (late duplicates and replays) for 10 s.
    machine.limits = model::Limits{.max_forward_jump = 1,
                                   .max_skipped_keys_per_chain = 1,
                                   .max_skipped_keys_total = 2,
                                   .max_receiving_chains = 2};
    machine.max_ops = max_ops;
    machine.derived_from =
        "model/include/ratchetcheck/model/transitions.hpp (x3dh_initiate, send, receive, "
        "save_restore)\nrun through model::System (model/src/system.cpp)";
    Table table;

    // Session start: Alice processes Bob's prekey bundle (X3DH §3.3), the one transition that
    // System's constructor makes before any op.
    {
        model::ConcreteDomain domain;
        const auto parameters = model::concrete_parameters(machine.limits, variant);
        const auto initial = model::initial_world<model::ConcreteDomain>(domain, parameters, true);
        const auto started =
            model::x3dh_initiate<model::ConcreteDomain>(domain, parameters, initial);
        table.add(phase_of(initial.parties[model::index_of(PartyId::alice)]),
                  "process the peer's prekey bundle (X3DH)", "ok",
                  phase_of(started.parties[model::index_of(PartyId::alice)]), "(session start)");
    }

    std::vector<Explored> level;
    for (const bool one_time_prekey : {true, false})
        level.push_back(Explored{System(machine.limits, variant, one_time_prekey), ""});
    std::set<std::string> visited;
    for (std::size_t depth = 0; depth < max_ops; ++depth) {
        std::vector<Explored> next_level;
        const auto keep = [&](System system, const std::string& ops) {
            ++machine.sequences;
            if (visited.insert(key_of(system)).second)
                next_level.push_back(Explored{std::move(system), ops});
        };
        for (const Explored& state : level) {
            for (const PartyId party : {PartyId::alice, PartyId::bob}) {
                System sent = state.system;
                const ConcreteParty before = sent.party(party);
                const System::SendResult result = sent.send(party, 0);
                const std::string op = fmt::format("send {}", model::party_name(party));
                table.add(phase_of(before), "send", model::verdict_name(result.verdict),
                          phase_of(sent.party(party)), then(state.ops, op));
                keep(std::move(sent), then(state.ops, op));

                System saved = state.system;
                const ConcreteParty before_save = saved.party(party);
                saved.save_restore(party);
                const std::string save_op =
                    fmt::format("save_restore {}", model::party_name(party));
                table.add(phase_of(before_save), "save + restore", "ok",
                          phase_of(saved.party(party)), then(state.ops, save_op));
                keep(std::move(saved), then(state.ops, save_op));
            }
            for (std::size_t message = 0; message < state.system.messages().size(); ++message) {
                const PartyId receiver = state.system.recipient(message);
                const ConcreteView genuine = state.system.genuine_view_of(message);
                if (state.system.can_deliver(message)) {
                    const std::string op = fmt::format("deliver m{}", message);
                    keep(receive(state, receiver, genuine, "", op, true, message, table),
                         then(state.ops, op));
                } else {
                    // Every copy was delivered or dropped: the adversary replays its own copy.
                    System replayed = state.system;
                    replayed.duplicate(message);
                    const std::string op =
                        fmt::format("duplicate m{}; deliver m{}", message, message);
                    keep(receive(Explored{replayed, state.ops}, receiver, genuine, "replayed ", op,
                                 true, message, table),
                         then(state.ops, op));
                }
                ConcreteView tampered = genuine;
                tampered.authentic = false;
                const std::string tamper_op = fmt::format("tamper m{}", message);
                keep(receive(state, receiver, tampered, "tampered ", tamper_op, false, message,
                             table),
                     then(state.ops, tamper_op));
                if (genuine.is_prekey) {
                    ConcreteView altered = genuine;
                    altered.base_key_genuine = false;
                    const std::string alter_op = fmt::format("alter base key of m{}", message);
                    keep(receive(state, receiver, altered, "", alter_op, false, message, table),
                         then(state.ops, alter_op));
                    ConcreteView untrusted = genuine;
                    untrusted.identity_trusted = false;
                    const std::string untrusted_op =
                        fmt::format("m{} under an untrusted identity", message);
                    keep(receive(state, receiver, untrusted, "untrusted identity: ", untrusted_op,
                                 false, message, table),
                         then(state.ops, untrusted_op));
                }
            }
        }
        level = std::move(next_level);
    }

    machine.edges = table.edges();
    std::set<std::string> seen_phases;
    for (const StateMachineEdge& edge : machine.edges) {
        for (const std::string& phase : {edge.from, edge.to}) {
            if (seen_phases.insert(phase).second)
                machine.phases.push_back(phase);
        }
    }
    return machine;
}

namespace {

std::string dot_escape(const std::string& text) {
    std::string escaped;
    for (const char character : text) {
        if (character == '"' || character == '\\')
            escaped += '\\';
        if (character == '\n') {
            escaped += "\\n";
            continue;
        }
        escaped += character;
    }
    return escaped;
}

}  // namespace

namespace {

// draw_table renders one table's phases and rows, node ids prefixed by `prefix`: rows that change
// the phase as arrows, the rows that stay in a phase on one note per phase.
std::string draw_table(const std::string& prefix, const std::vector<std::string>& phases,
                       const std::vector<StateMachineEdge>& edges) {
    std::string dot;
    std::map<std::string, std::size_t> node_of;
    for (const std::string& phase : phases) {
        node_of.emplace(phase, node_of.size());
        dot += fmt::format("  {}p{} [label=\"{}\"];\n", prefix, node_of[phase], dot_escape(phase));
    }
    // One drawn edge per (from, event, to): its outcomes joined, so a reader sees e.g. that a
    // tampered message is rejected and nothing else.
    std::vector<std::tuple<std::string, std::string, std::string>> order;
    std::map<std::tuple<std::string, std::string, std::string>, std::vector<std::string>> outcomes;
    for (const StateMachineEdge& edge : edges) {
        const auto key = std::make_tuple(edge.from, edge.event, edge.to);
        if (!outcomes.contains(key))
            order.push_back(key);
        outcomes[key].push_back(edge.outcome);
    }
    // Transitions between phases are arrows; the transitions that stay in a phase (most of
    // them: every rejection changes nothing) are one note per phase listing them, one line each,
    // "event → verdicts", so that the layout stays readable.
    std::map<std::string, std::string> loop_lines;
    for (const auto& key : order) {
        const auto& [from, event, to] = key;
        std::string joined;
        for (const std::string& outcome : outcomes[key])
            joined += (joined.empty() ? "" : " | ") + outcome;
        if (!node_of.contains(from) || !node_of.contains(to))
            continue;  // a table edge always names phases of the table; kept total for safety
        if (from == to) {
            std::string flat = event;
            std::replace(flat.begin(), flat.end(), '\n', ' ');
            loop_lines[from] += dot_escape(fmt::format("{} → {}", flat, joined));
            loop_lines[from] += "\\l";
            continue;
        }
        const bool only_rejections =
            std::none_of(outcomes[key].begin(), outcomes[key].end(),
                         [](const std::string& outcome) { return outcome == "ok"; });
        dot += fmt::format("  {0}p{1} -> {0}p{2} [label=\"{3}\\n→ {4}\"{5}];\n", prefix,
                           node_of[from], node_of[to], dot_escape(event), dot_escape(joined),
                           only_rejections ? ", style=dashed, color=\"#b91c1c\"" : "");
    }
    for (const std::string& phase : phases) {
        if (!loop_lines.contains(phase))
            continue;
        dot += fmt::format(
            "  {0}l{1} [shape=note, style=filled, fillcolor=\"#f9fafb\", fontsize=8, "
            "label=\"stays {2}:\\l{3}\"];\n  {0}p{1} -> {0}l{1} [style=dotted, arrowhead=none, "
            "color=\"#6b7280\"];\n",
            prefix, node_of[phase],
            phase == phase_no_session ? "without a session" : "in this phase", loop_lines[phase]);
    }
    return dot;
}

}  // namespace

std::string state_machine_dot(const StateMachine& machine, const std::string& provenance) {
    std::string dot =
        "digraph session {\n"
        "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=10, bgcolor=\"transparent\", "
        "nodesep=0.4, labelloc=b, labeljust=l];\n"
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", "
        "fontname=\"Helvetica\", fontsize=11];\n"
        "  edge [fontname=\"Helvetica\", fontsize=8];\n";
    dot += fmt::format(
        "  label=\"{}\";\n",
        dot_escape(fmt::format(
            "{}.\n{}", provenance,
            machine.session_records
                ? "Both tables are derived, neither is drawn by hand (docs/decisions.md E30)."
                : "Not in the model, so not drawn: archived sessions, their promotion and the "
                  "replacement of the\ncurrent session (`ratchetcheck session-records` did not "
                  "run; docs/decisions.md E30).")));
    dot += "  subgraph cluster_model {\n";
    dot += fmt::format(
        "  label=\"{}\";\n",
        dot_escape(fmt::format(
            "One session, from the model. Derived, not drawn: {}\nby "
            "evidence/src/state_machine.cpp derive_state_machine, exploring {} op sequences of "
            "up to {} ops\n(limits: max_forward_jump {}, max_skipped_keys_per_chain {}, "
            "max_skipped_keys_total {}, max_receiving_chains {})",
            machine.derived_from, machine.sequences, machine.max_ops,
            machine.limits.max_forward_jump, machine.limits.max_skipped_keys_per_chain,
            machine.limits.max_skipped_keys_total, machine.limits.max_receiving_chains)));
    dot += draw_table("", machine.phases, machine.edges);
    dot += "  }\n";
    if (machine.session_records) {
        const SessionRecordTable& records = *machine.session_records;
        dot += "  subgraph cluster_records {\n";
        dot += fmt::format(
            "  label=\"{}\";\n",
            dot_escape(fmt::format(
                "The session record (current and archived sessions), from the implementation, "
                "which the model does not hold.\nDerived, not drawn: {}\nby `ratchetcheck "
                "session-records` (cli/session_records_command.cpp), exploring {} op sequences "
                "of up to {} ops",
                records.derived_from, records.sequences, records.max_ops)));
        dot += draw_table("r", records.phases, records.edges);
        dot += "  }\n";
    }
    dot += "}\n";
    return dot;
}

}  // namespace ratchetcheck::evidence
