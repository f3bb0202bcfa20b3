// The invariant catalogue: every property the proofs establish, as data — an id, the spec clause
// it serves, one English sentence, the formula in words, the lemmas its proof uses, the model
// variant that witnesses it can fail, and the formula itself as a function that builds a Z3 term
// over a (symbolic or embedded concrete) world. docs/invariants.md is generated from it.
#pragma once

#include <z3++.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/model/state.hpp"
#include "ratchetcheck/model/system.hpp"
#include "ratchetcheck/proofs/z3_domain.hpp"

namespace ratchetcheck::proofs {

using SymbolicWorld = model::World<Z3Domain>;
using SymbolicParty = model::AbstractParty<Z3Domain>;
using SymbolicParameters = model::Parameters<Z3Domain>;
using SymbolicView = model::MessageView<Z3Domain>;
using SymbolicHeader = model::MessageHeader<Z3Domain>;

// Action names the op alphabet's transitions (docs/op-trace.md) as the proofs see them.
enum class Action {
    initial,           // Init: Bob publishes prekeys, Alice runs X3DH (session start, initiator)
    send,              // DR §3.4 RatchetEncrypt
    receive_genuine,   // an unaltered copy of a sent message (deliver, duplicate then deliver)
    receive_tampered,  // a sent message with altered authenticated bytes (tamper, truncate)
    receive_forgery,   // any well-formed message (forge; the responder's session start included)
    network,           // duplicate, drop: the adversary's store changes, no party's state
    save_restore,      // serialize and load a party
};
const char* action_name(Action action);

// Transition is one step from `pre` to `post`, with what the step properties talk about.
struct Transition {
    Action action = Action::network;
    model::PartyId party = model::PartyId::alice;  // sender, receiver or restored party
    const SymbolicWorld* pre = nullptr;
    const SymbolicWorld* post = nullptr;
    std::optional<z3::expr> verdict;       // send and receive
    std::optional<SymbolicHeader> header;  // send
    std::optional<SymbolicView> view;      // receive
};

using StateFormula =
    std::function<z3::expr(Z3Domain&, const SymbolicParameters&, const SymbolicWorld&)>;
using StepFormula =
    std::function<z3::expr(Z3Domain&, const SymbolicParameters&, const Transition&)>;

struct Invariant {
    std::string id;                   // kebab-case, stable: file names and --only use it
    std::string spec_clause;          // e.g. "DR §3.5"
    std::string statement;            // one English sentence
    std::string formula;              // the formula in words/notation, for the docs
    std::vector<std::string> lemmas;  // ids of the invariants its inductive proof assumes
    std::string witness_variant;      // a name of variant_catalogue()
    // Exactly one is set: a state invariant (Init ⇒ I, Inv ∧ T ⇒ I′), or a step property
    // (Inv ∧ T ⇒ P(pre, post, step)).
    StateFormula state = {};
    StepFormula step = {};
    bool is_lemma = false;  // a strengthening lemma rather than a property of the spec
    // split_obligations: prove (and certify) each top-level conjunct separately; for invariants
    // with one conjunct per chain slot, whose whole negation a solver may not refute in time.
    bool split_obligations = false;
};

const std::vector<Invariant>& invariant_catalogue();
const Invariant* find_invariant(const std::string& id);

// NamedVariant is a model Variant with a name for the CLI and the witnesses.
struct NamedVariant {
    std::string name;
    std::string description;
    model::Variant variant;
};
const std::vector<NamedVariant>& variant_catalogue();
const NamedVariant* find_variant(const std::string& name);

// ---- the concrete side: invariants evaluated on concrete worlds (witness search) --------------

// embed writes a concrete world (or view, header) as ground Z3 terms.
SymbolicWorld embed(Z3Domain& domain, const model::ConcreteWorld& world);
SymbolicView embed(Z3Domain& domain, const model::ConcreteView& view);
SymbolicHeader embed(Z3Domain& domain, const model::ConcreteHeader& header);
SymbolicParameters embed(Z3Domain& domain, const model::ConcreteParameters& parameters);

// ConcreteTransition is a step of model::System, for evaluating step properties.
struct ConcreteTransition {
    Action action = Action::network;
    model::PartyId party = model::PartyId::alice;
    const model::ConcreteWorld* pre = nullptr;
    const model::ConcreteWorld* post = nullptr;
    std::optional<model::Verdict> verdict;
    std::optional<model::ConcreteHeader> header;
    std::optional<model::ConcreteView> view;
};

// embed writes a concrete step as a Transition over `pre` and `post`, the embedded worlds of
// step.pre and step.post (which must outlive the result).
Transition embed(Z3Domain& domain, const ConcreteTransition& step, const SymbolicWorld& pre,
                 const SymbolicWorld& post);

// holds_in evaluates a state invariant on a concrete world (step properties: true).
bool holds_in(const Invariant& invariant, const model::ConcreteParameters& parameters,
              const model::ConcreteWorld& world);
// holds_on evaluates a step property on a concrete step, and a state invariant on its post state.
bool holds_on(const Invariant& invariant, const model::ConcreteParameters& parameters,
              const ConcreteTransition& step);

}  // namespace ratchetcheck::proofs
