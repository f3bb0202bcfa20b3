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
    std::string witness_directory;  // --witness-dir DIR: write each witness as an op trace
    std::string catalogue_path;     // --write-catalogue FILE: write docs/invariants.md and stop
};

// run_prove prints a table (id, status, seconds, and unless --no-witnesses the witness variant
// and the search's result: "refuted at depth D", "NOT FOUND within N actions", or "none" for an
// invariant that names no witness variant) and the last line "N proved, M failed" (with
// witnesses: "; W witnesses refuted, X not found"); returns 0 when every invariant is proved and
// every named witness variant violates its invariant in the bounded search, 1 otherwise, 2 on a
// usage error. With --witness-dir, each witness is written there as witness-<id>.json.
int run_prove(const ProveOptions& options);

}  // namespace ratchetcheck::cli
