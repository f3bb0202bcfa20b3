// The prover: every invariant of the catalogue by induction, unbounded in the counters and in the
// numeric limits — Init ⇒ I, and Inv ∧ T_a ⇒ I′ (state invariants) or Inv ∧ T_a ⇒ P (step
// properties) for every action a of the op alphabet, where Inv is the conjunction of the
// catalogue's state invariants (the strengthening lemmas among them). Each obligation is one Z3
// query, also written as a standalone SMT-LIB2 certificate that z3 and cvc5 re-check.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/proofs/catalogue.hpp"

namespace ratchetcheck::proofs {

// ProofSettings fix what a run proves about.
struct ProofSettings {
    // The structural number of receiving-chain slots (Limits::max_receiving_chains).
    std::size_t chain_slots = 5;
    // Limits fixed to a value (`--set max_forward_jump=3`); the others are symbolic, any value
    // >= 1. Keys: max_forward_jump, max_skipped_keys_per_chain, max_skipped_keys_total.
    std::map<std::string, std::int64_t> fixed_limits;
    // The model variant the transition relation is built for (the specified protocol by default).
    model::Variant variant;
    unsigned timeout_milliseconds = 60000;
    // split_conjuncts: one query (and certificate) per top-level conjunct of the goal instead of
    // one per obligation; a counterexample then names the conjunct that fails.
    bool split_conjuncts = false;
    // progress: called after each obligation (the CLI prints it with --verbose).
    std::function<void(const struct ObligationResult&)> progress;
};

// limit_names lists the keys --set accepts.
const std::vector<std::string>& limit_names();

struct ObligationResult {
    std::string name;    // <invariant>.<action>[.<party>], also the certificate's file stem
    std::string status;  // "proved", "failed" (counterexample to induction), "unknown"
    double seconds = 0;
    std::string counterexample;  // two readable states, when failed
    // The standalone SMT-LIB2 certificates (file stem, text), one per conjunct of the goal;
    // each is unsat exactly when its part holds.
    struct Certificate {
        std::string stem;
        std::string text;
    };
    std::vector<Certificate> certificates;
};

struct InvariantResult {
    const Invariant* invariant = nullptr;
    bool proved = false;
    double seconds = 0;
    std::vector<ObligationResult> obligations;
};

// prove_invariant discharges every obligation of `invariant` under `settings`.
InvariantResult prove_invariant(const Invariant& invariant, const ProofSettings& settings);

// solver_version is Z3's full version string.
std::string solver_version();

}  // namespace ratchetcheck::proofs
