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
    // The time the vacuity check of one obligation may take (its premises without the negated
    // goal must be satisfiable); past it the check is reported as undetermined, not failed.
    unsigned vacuity_timeout_milliseconds = 10000;
    // check_vacuity: run the vacuity check of every obligation (off only where the question is
    // which goals fail, not whether proofs are sound: the expected-failure matrix).
    bool check_vacuity = true;
    // split_conjuncts: one query (and certificate) per top-level conjunct of the goal instead of
    // one per obligation; a counterexample then names the conjunct that fails.
    bool split_conjuncts = false;
    // jobs: obligations discharged at once, each on a thread with a Z3 context of its own
    // (0: one per hardware thread). The results do not depend on it.
    std::size_t jobs = 0;
    // progress: called after each obligation, from the thread that discharged it, one call at a
    // time (the CLI prints it with --verbose).
    std::function<void(const struct ObligationResult&)> progress;
};

// limit_names lists the keys --set accepts.
const std::vector<std::string>& limit_names();

// PremiseStatus is the answer of an obligation's vacuity check: are its premises (the invariant,
// its lemmas, the transition and the domain's definitions), without the negated goal,
// satisfiable?
enum class PremiseStatus {
    satisfiable,    // a model exists: the obligation is not proved by contradiction
    contradictory,  // unsat: the obligation would hold whatever its goal; it fails as vacuous
    undetermined,   // the solver gave up within vacuity_timeout_milliseconds
};
const char* premise_status_name(PremiseStatus status);

struct ObligationResult {
    std::string name;  // <invariant>.<action>[.<party>], also the certificate's file stem
    // "proved", "failed" (counterexample to induction), "unknown" (the solver gave up) or
    // "vacuous" (contradictory premises; the goal was not queried)
    std::string status;
    PremiseStatus premises = PremiseStatus::undetermined;
    double seconds = 0;          // the whole obligation, its vacuity check included
    double vacuity_seconds = 0;  // the vacuity check alone
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
