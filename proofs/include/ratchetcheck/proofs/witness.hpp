// Witnesses: the bridge from a proof back to a concrete run. For every invariant of the catalogue
// a model variant names the change that breaks it (Invariant::witness_variant); an explicit-state
// bounded search over model::System built with that variant finds a run that violates the
// invariant, evaluated with the invariant's own Z3 formula on the concrete worlds (catalogue.hpp,
// ground embedding). The run is kept applicable in the specified model as well, so that it can be
// written as an op trace (the CLI does that) and replayed on the implementation against the
// unmodified model: the implementation then behaves like the specification on exactly the run
// that breaks the variant.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/model/state.hpp"
#include "ratchetcheck/model/system.hpp"
#include "ratchetcheck/proofs/catalogue.hpp"

namespace ratchetcheck::proofs {

// WitnessSetup is where a search starts: the limits of both parties and whether Bob published a
// one-time prekey (model::System's constructor arguments).
struct WitnessSetup {
    model::Limits limits;
    bool one_time_prekey_published = true;
    bool operator==(const WitnessSetup&) const = default;
};

// default_witness_setups: small limits, so that every bound can be reached within a few actions
// (a forward jump of 2 fills a per-chain store of 1 and a total of 2; two chain slots are full
// after one reply each way), with and without the one-time prekey.
std::vector<WitnessSetup> default_witness_setups();

// ForgedHeader is what a forgery carries: the header fields of a message, chosen by the
// adversary, with a random MAC (so it never authenticates unless the variant skips the check).
// A forged PreKeySignalMessage carries the genuine identity, signed prekey and one-time prekey
// ids, and Alice's base key or, with other_base_key, a fresh one (which asks for a new session).
struct ForgedHeader {
    bool is_prekey = false;
    std::int64_t epoch = 0;
    std::int64_t counter = 0;
    std::int64_t previous_counter = 0;
    bool other_base_key = false;
    bool operator==(const ForgedHeader&) const = default;
};

// WitnessAction is one step of a witness run, in the op alphabet's terms (docs/op-trace.md).
struct WitnessAction {
    enum class Kind { send, deliver, forge };
    Kind kind = Kind::send;
    // send: the sender; deliver: the message's recipient; forge: the party handed the forgery.
    model::PartyId party = model::PartyId::alice;
    // deliver: the message's ledger index (the op trace's message number).
    std::size_t message = 0;
    // deliver: no copy of the message was in flight in one of the two runs, so the adversary
    // duplicates it first (it keeps every message it saw: a delivery is always possible).
    bool duplicate_first = false;
    ForgedHeader forged{};  // forge
    // The outcomes in the searched variant and in the specified model (the op trace's `expect`).
    model::Verdict verdict = model::Verdict::ok;
    model::Verdict specified_verdict = model::Verdict::ok;
};

std::string describe(const WitnessAction& action);

struct WitnessSearchSettings {
    std::size_t max_depth = 8;  // actions
    std::vector<WitnessSetup> setups = default_witness_setups();
};

// WitnessResult is the outcome of a bounded search. A violation is the shortest one over all
// setups (breadth first); `actions` leads from the setup's initial state (after Alice's X3DH) to
// the step on which `violated` fails (depth 0: the initial state itself violates it).
struct WitnessResult {
    bool found = false;
    const Invariant* violated = nullptr;
    std::size_t depth = 0;
    WitnessSetup setup;
    std::vector<WitnessAction> actions;
    std::size_t states = 0;       // distinct states reached
    std::size_t transitions = 0;  // actions tried
    std::size_t evaluations = 0;  // Z3 queries made
    double seconds = 0;
};

// search_violation explores every run of at most settings.max_depth actions of model::System
// built with `variant` — send by either party, delivery of any message sent so far, and forgeries
// (the header of every sent message, and its counter + 1 and + 3, to its recipient, and the
// header reflected back to its sender as a SignalMessage, with a MAC that does not verify) — from
// each setup, and evaluates every invariant of `invariants` after
// each action (state invariants on the new world, step properties on the step). States already
// seen are not explored again. Unless `variant` is the specified one, only runs whose ops are also
// applicable in the specified model are explored (every delivered message and forged epoch
// exists there too), so a violation found is a replayable op trace.
// Throws std::runtime_error when Z3 cannot decide an evaluation.
WitnessResult search_violation(const std::vector<const Invariant*>& invariants,
                               const model::Variant& variant,
                               const WitnessSearchSettings& settings = {});

// WitnessStep is one action of a witness run on one model, as the step properties read it.
struct WitnessStep {
    Action action = Action::send;  // send, receive_genuine (deliver) or receive_forgery (forge)
    model::PartyId party = model::PartyId::alice;
    model::ConcreteWorld pre;
    model::ConcreteWorld post;
    model::Verdict verdict = model::Verdict::ok;
    std::optional<model::ConcreteHeader> header;  // send
    std::optional<model::ConcreteView> view;      // deliver, forge
    // transition is the step for holds_on; it points into this WitnessStep.
    ConcreteTransition transition() const;
};

// replay_witness runs the actions of `witness` from its setup on model::System built with
// `variant` (the witness variant, or the specified model the op trace is replayed against) and
// returns every step. A forgery is handed to the receiver as forged_view describes it.
std::vector<WitnessStep> replay_witness(const WitnessResult& witness,
                                        const model::Variant& variant);

// forged_view is how the receiver sees a forgery with `forged` as its header in `world`, as the
// harness's abstraction function sees the bytes of the op trace's forge op (harness/src/
// abstraction.cpp on SideBySideRunner::forge): the epoch's real key, so it parses and agrees; a
// PreKeySignalMessage's outer fields are the trusted identity, the genuine signed prekey id, the
// one-time prekey id Alice's messages carry and her base key or a fresh valid one; a SignalMessage
// has no outer fields (the abstraction leaves them false and absent). Its random MAC does not
// verify: not authentic.
model::ConcreteView forged_view(const model::ConcreteWorld& world, const ForgedHeader& forged);

// canonical_form renders every field of a world, ghost state included, on one line: two worlds
// are equal exactly when their forms are (World has no operator==).
std::string canonical_form(const model::ConcreteWorld& world);

// find_witness searches a violation of `invariant` under its witness variant; nullopt when it
// names none. Throws std::invalid_argument when it names a variant that is not in
// variant_catalogue().
std::optional<WitnessResult> find_witness(const Invariant& invariant,
                                          const WitnessSearchSettings& settings = {});

}  // namespace ratchetcheck::proofs
