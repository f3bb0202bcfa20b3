// `ratchetcheck prove`: the invariant catalogue of proofs/ by induction, each with its witness.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace ratchetcheck::cli {

struct ProveOptions {
    std::string json_path;       // --json FILE: the results as JSON
    std::string smt2_directory;  // --smt2-dir DIR: every obligation as an SMT-LIB2 certificate
    std::string only;            // --only ID: one invariant
    std::string variant;         // --variant NAME: the transition relation of a model variant
    std::vector<std::string> settings;  // --set LIMIT=VALUE: fix a limit (others symbolic)
    std::size_t chain_slots = 5;    // --chain-slots K: the structural number of receiving chains
    bool skip_witnesses = false;    // --no-witnesses
    bool verbose = false;           // --verbose: every obligation as it is discharged
    unsigned timeout_seconds = 60;  // --timeout: per obligation
    std::size_t jobs = 0;           // --jobs: obligations discharged at once (0: all cores)
    std::string witness_directory;  // --witness-dir DIR: write each witness as an op trace
    std::string catalogue_path;     // --write-catalogue FILE: write docs/invariants.md and stop
    std::string expected_failures_path;  // --expected-failures FILE: run the matrix and stop
    std::string witness;  // --witness VARIANT|none (with --only): search the witness under it
};

// run_expected_failure_matrix runs the prover's expected-failure matrix
// (--expected-failures FILE, e.g. proofs/expected-failures.json: {"variants": {NAME: [obligation
// names]}}): under each variant, every obligation of the catalogue (no witnesses, no vacuity
// checks), and compares the obligations that fail with the list, exactly. It also checks that
// every variant of the catalogue is listed and that every obligation kind (init, send,
// receive-genuine, receive-tampered, receive-forgery and save-restore for each party, network)
// fails under some variant. Prints one line per variant (what differs, and the command that
// re-runs it) and a last line "expected-failure matrix: N variants as listed, M not; P problems".
// Returns 0 when there is no problem, 1 otherwise, 2 on an unreadable file.
int run_expected_failure_matrix(const ProveOptions& options);

// run_prove prints a table: id, status, seconds and, unless --no-witnesses, the invariant's
// witness variant and the bounded search's result ("refuted at depth D", "NOT FOUND within N
// actions", "NONE NAMED"). With --variant or --set (a researcher's change) it prints instead, for
// each invariant whose proof fails, its counterexample to induction and a run from Init that
// violates it ("violated at depth D", written as counterexample-<id>.json to --witness-dir or the
// current directory, an op trace `ratchetcheck replay` runs), then "failing under V: ids". The
// last line is exactly "N proved, M failed" (the witness count, if any, on the line before).
// Returns 0 when every invariant is proved and every witness refuted, 1 otherwise, 2 on a usage
// error. With --witness-dir, each witness is written there as witness-<id>.json.
int run_prove(const ProveOptions& options);

}  // namespace ratchetcheck::cli
