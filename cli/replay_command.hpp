// `ratchetcheck replay TRACE`: runs an op trace on the implementation and the model side by side.
#pragma once

#include <string>

namespace ratchetcheck::cli {

// ReplayOptions: what to print besides each step's outcome.
struct ReplayOptions {
    // record_path: after a clean run, write the trace in JSON with the model's outcomes as
    // expectations to this file (to record a regression trace); empty: do not.
    std::string record_path;
    // peer: run the trace with this implementation ("libsignal") in `seat` as well, after a run
    // with ours in both seats, and report every op where the outcomes differ; empty: ours only.
    std::string peer;
    // seat: "each" (the peer as Bob, then as Alice), "alice", "bob" or "both".
    std::string seat = "each";
    // verbose: with a peer, print every step of every run, not only the differing ones.
    bool verbose = false;
    // json: print one JSON document (format ratchetcheck-replay/1, docs/op-trace.md) instead of
    // lines: per op the expected, model and implementation outcomes and the header (ratchet key
    // prefix, N, PN, sizes) of the message it sent or carried. Ours in both seats only.
    bool json = false;
};

// run_replay loads `path` (JSON form, or the compact byte form if it does not end in .json), runs
// it, prints one line per op, and returns 0 when every op agreed, 1 at the first divergence
// (or violated check, or failed expectation), 2 when the trace cannot be loaded or run. With a
// peer, 1 also when an implementation's outcome differs from ours on any op.
int run_replay(const std::string& path, const ReplayOptions& options);

}  // namespace ratchetcheck::cli
