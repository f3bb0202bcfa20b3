// `ratchetcheck session-records --json`: the session-record state machine of the implementation
// (protocol/src/party.cpp: current and archived sessions), derived by exploring our Party — the
// part of the evidence pack's state machine that the model does not hold (docs/decisions.md E30).
#pragma once

#include <cstddef>

namespace ratchetcheck::cli {

// run_session_records explores every op sequence of up to `max_ops` ops on two parties of this
// build — send by either party, deliver any message sent and not yet delivered, and Alice
// processing a fresh prekey bundle of Bob's (a new session: the current one is archived) — and
// prints one JSON document (format ratchetcheck-session-records/1): each (phase, event, outcome,
// phase) seen, a phase being the current session's state and whether sessions are archived.
// Returns 0, or 2 when the parties cannot be set up.
int run_session_records(std::size_t max_ops);

}  // namespace ratchetcheck::cli
