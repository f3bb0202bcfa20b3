// The session state machine of the evidence pack, derived from the executable specification
// (model/) rather than drawn by hand: every op sequence up to a bound is run on model::System,
// each party's state is reduced to its session phase, and every (phase, event, outcome, phase)
// seen becomes an edge. The picture is then a rendering of that table, so it changes when the
// model's transitions do (docs/decisions.md E30).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "ratchetcheck/model/parameters.hpp"

namespace ratchetcheck::evidence {

// StateMachineEdge is one transition seen while exploring the model: from a phase, on an event,
// with the model's verdict, to a phase. `seen` counts the explored op sequences that took it and
// `example` is the shortest of them (ops separated by "; "), so a reader can replay it.
struct StateMachineEdge {
    std::string from;
    std::string event;
    std::string outcome;
    std::string to;
    std::size_t seen = 0;
    std::string example;

    bool operator==(const StateMachineEdge& other) const {
        return from == other.from && event == other.event && outcome == other.outcome &&
               to == other.to;
    }
};

// SessionRecordTable is the session-record machine of the implementation (current and archived
// sessions, which the model does not hold), as `ratchetcheck session-records` derives it by
// exploring this build's Party: its phases, rows, and how it was derived.
struct SessionRecordTable {
    std::vector<std::string> phases;
    std::vector<StateMachineEdge> edges;
    std::string derived_from;
    std::size_t max_ops = 0;
    std::size_t sequences = 0;
};

// StateMachine is the derived table: the phases reached, the edges in a stable order, and how it
// was derived (the model functions run, the bound, the limits); with the implementation's
// session-record table when it could be derived.
struct StateMachine {
    std::vector<std::string> phases;
    std::vector<StateMachineEdge> edges;
    std::size_t max_ops = 0;    // the exploration bound: op sequences of up to this length
    std::size_t sequences = 0;  // op sequences run
    std::string derived_from;   // the model functions the table comes from
    model::Limits limits;       // the limits the model ran with
    std::optional<SessionRecordTable> session_records;  // none: not derived in this run
};

// derive_state_machine explores model::System (variant `variant`, small limits so that bounds are
// reached) over every op sequence of up to `max_ops` ops of the alphabet: send by either party,
// deliver, replay (duplicate then deliver), a tampered copy, a copy whose PreKeySignalMessage base
// key was altered, a copy under an untrusted identity, and save/restore.
StateMachine derive_state_machine(const model::Variant& variant = {}, std::size_t max_ops = 8);

// state_machine_dot renders `machine` in the dot language, the model's table and (when present)
// the session-record table each in a cluster labelled with its derivation: one node per phase;
// rows that change the phase as arrows (grouped by from, event and to, the verdicts joined;
// dashed red when none is ok); rows that stay in a phase on one note per phase listing "event →
// verdicts" a line each. The graph is labelled with `provenance` (the source commit).
std::string state_machine_dot(const StateMachine& machine, const std::string& provenance);

}  // namespace ratchetcheck::evidence
