// The witness search (witness.hpp): breadth-first over the runs of model::System, with the
// catalogue's Z3 formulas evaluated on the concrete worlds it reaches.
#include "ratchetcheck/proofs/witness.hpp"

#include <fmt/format.h>
#include <z3++.h>

#include <chrono>
#include <iterator>
#include <set>
#include <stdexcept>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "ratchetcheck/model/transitions.hpp"

namespace ratchetcheck::proofs {
namespace {

using model::ConcreteDomain;
using model::ConcreteHeader;
using model::ConcreteView;
using model::ConcreteWorld;
using model::PartyId;
using model::System;
using model::Verdict;

constexpr std::array<PartyId, 2> both_parties{PartyId::alice, PartyId::bob};

void write_pairs(std::string& out, const ConcreteDomain::KeySet& set) {
    out += '{';
    for (const auto& [epoch, counter] : set)
        fmt::format_to(std::back_inserter(out), "{}.{},", epoch, counter);
    out += '}';
}

std::string header_key(const model::SentMessage& message) {
    return fmt::format("{}{}:{}.{}/{}", model::party_name(message.sender),
                       message.header.is_prekey ? "p" : "", message.header.epoch,
                       message.header.counter, message.header.previous_counter);
}

// ---- the runs searched ----------------------------------------------------------------------

// Run is one search node: the variant's System and, when the variant is not the specified model,
// the specified model's System on the same ops (it decides which ops the op trace can replay).
struct Run {
    std::size_t setup = 0;
    System system;
    std::optional<System> specified;
    std::size_t trail = 0;  // index into the trails, for the path back to the setup
};

// run_key describes everything the future of a run depends on: the worlds, and the ledger as the
// set of (variant message k, specified message k) pairs — which message an op's number names in
// each run matters, the order of the ledger does not. Copies in flight do not matter: a message
// without one is duplicated first.
std::string run_key(const Run& run) {
    std::string out = fmt::format("{}|", run.setup);
    out += canonical_form(run.system.world());
    const std::vector<model::SentMessage>& sent = run.system.messages();
    std::set<std::string> ledger;
    for (std::size_t index = 0; index < sent.size(); ++index) {
        std::string entry = header_key(sent[index]);
        if (run.specified) {
            entry += '~';
            if (index < run.specified->messages().size())
                entry += header_key(run.specified->messages()[index]);
        }
        ledger.insert(std::move(entry));
    }
    fmt::format_to(std::back_inserter(out), "|{}|", sent.size());
    for (const std::string& entry : ledger)
        out += entry + ";";
    if (run.specified) {
        const std::vector<model::SentMessage>& specified_sent = run.specified->messages();
        fmt::format_to(std::back_inserter(out), "|{}|", specified_sent.size());
        out += canonical_form(run.specified->world());
        // The messages only the specified run sent (a send the variant refused).
        for (std::size_t index = sent.size(); index < specified_sent.size(); ++index)
            out += header_key(specified_sent[index]) + ";";
    }
    return out;
}

// forged_counter_offsets: a forgery copies a sent header, or moves its counter one past it (the
// next key of the chain) or three past it (a gap: skipped keys, and beyond a forward jump of 2).
constexpr std::array<std::int64_t, 3> forged_counter_offsets{0, 1, 3};

// candidate_actions lists the actions of `run` whose ops apply in both of its runs: every
// message delivered and every epoch a forgery names exists in each.
std::vector<WitnessAction> candidate_actions(const Run& run) {
    const std::vector<model::SentMessage>& sent = run.system.messages();
    const std::size_t shared =
        run.specified ? std::min(sent.size(), run.specified->messages().size()) : sent.size();
    std::vector<WitnessAction> actions;
    // Two sends, the deliveries, and at most five forgeries per message.
    actions.reserve(both_parties.size() + shared + 5 * sent.size());
    for (const PartyId party : both_parties)
        actions.push_back({.kind = WitnessAction::Kind::send, .party = party});
    for (std::size_t message = 0; message < shared; ++message) {
        actions.push_back({.kind = WitnessAction::Kind::deliver,
                           .party = run.system.recipient(message),
                           .message = message});
    }
    const std::int64_t epochs =
        run.specified ? std::min(run.system.world().next_epoch, run.specified->world().next_epoch)
                      : run.system.world().next_epoch;
    std::set<std::tuple<PartyId, bool, std::int64_t, std::int64_t, std::int64_t, bool>> forgeries;
    for (const model::SentMessage& message : sent) {
        const ConcreteHeader& header = message.header;
        if (header.epoch >= epochs)
            continue;  // the epoch's key does not exist in the specified run
        const PartyId receiver = model::peer_of(message.sender);
        for (const std::int64_t offset : forged_counter_offsets) {
            if (header.counter + offset > model::max_counter)
                continue;
            forgeries.emplace(receiver, header.is_prekey, header.epoch, header.counter + offset,
                              header.previous_counter, false);
        }
        // A PreKeySignalMessage with a fresh base key asks for a new session (X3DH §3.4).
        if (header.is_prekey) {
            forgeries.emplace(receiver, true, header.epoch, header.counter, header.previous_counter,
                              true);
        }
        // A reflection: the header sent back to its own sender, as a SignalMessage (the sender's
        // own ratchet key is unknown to its receiving chains, so it asks for a DH step).
        forgeries.emplace(message.sender, false, header.epoch, header.counter,
                          header.previous_counter, false);
    }
    for (const auto& [receiver, prekey, epoch, counter, previous_counter, other_base_key] :
         forgeries) {
        actions.push_back({.kind = WitnessAction::Kind::forge,
                           .party = receiver,
                           .forged = {.is_prekey = prekey,
                                      .epoch = epoch,
                                      .counter = counter,
                                      .previous_counter = previous_counter,
                                      .other_base_key = other_base_key}});
    }
    return actions;
}

// apply runs `action` on one System. A delivery must find a copy in flight (the caller
// duplicates first when there is none, as the op trace does).
WitnessStep apply(System& system, const WitnessAction& action) {
    WitnessStep step{.action = Action::send,
                     .party = action.party,
                     .pre = system.world(),
                     .post = {},
                     .verdict = Verdict::ok,
                     .header = std::nullopt,
                     .view = std::nullopt};
    switch (action.kind) {
        case WitnessAction::Kind::send: {
            const System::SendResult sent = system.send(action.party, 0);
            step.verdict = sent.verdict;
            step.header = sent.header;
            break;
        }
        case WitnessAction::Kind::deliver: {
            step.action = Action::receive_genuine;
            step.party = system.recipient(action.message);
            step.view = system.genuine_view_of(action.message);
            step.verdict = system.deliver(action.message).verdict;
            break;
        }
        case WitnessAction::Kind::forge: {
            step.action = Action::receive_forgery;
            step.view = forged_view(step.pre, action.forged);
            step.verdict = system.inject(action.party, *step.view).verdict;
            break;
        }
    }
    step.post = system.world();
    return step;
}

// ---- evaluating the catalogue's formulas on concrete steps ----------------------------------

// Evaluator evaluates many invariants on one concrete step, with one Z3 query when they all hold
// (the common case), in one long-lived context and solver: making either per formula costs more
// than the query. Each query is holds_on's (the formula over the ground embedding, with the
// embedding's side conditions), and a violation found here is confirmed by holds_on itself.
class Evaluator {
  public:
    // first_violated returns the first of `invariants` that fails on `step` (state invariants on
    // its post world), or nullptr when all hold.
    const Invariant* first_violated(const std::vector<const Invariant*>& invariants,
                                    const model::ConcreteParameters& parameters,
                                    const ConcreteTransition& step) {
        if (invariants.empty())
            return nullptr;
        Z3Domain domain(context_);
        const SymbolicParameters symbolic_parameters = embed(domain, parameters);
        const SymbolicWorld post = embed(domain, *step.post);
        std::optional<SymbolicWorld> pre;
        std::optional<Transition> transition;
        std::vector<z3::expr> formulas;
        for (const Invariant* invariant : invariants) {
            if (invariant->state) {
                formulas.push_back(invariant->state(domain, symbolic_parameters, post));
                continue;
            }
            if (!transition) {
                pre = embed(domain, *step.pre);
                transition = embed(domain, step, *pre, post);
            }
            formulas.push_back(invariant->step(domain, symbolic_parameters, *transition));
        }
        if (formulas.size() > 1) {
            z3::expr all = context_.bool_val(true);
            for (const z3::expr& formula : formulas)
                all = all && formula;
            if (check(domain, all) == z3::unsat)
                return nullptr;
        }
        for (std::size_t index = 0; index < formulas.size(); ++index) {
            const z3::check_result result = check(domain, formulas[index]);
            if (result == z3::sat)
                return invariants[index];
            if (result == z3::unknown) {
                throw std::runtime_error(
                    fmt::format("witness search: Z3 cannot decide {} on a concrete step",
                                invariants[index]->id));
            }
        }
        return nullptr;
    }

    std::size_t queries() const { return queries_; }

  private:
    // check is sat when `formula` fails on the step (a counter-model of it exists). One solver,
    // a scope per query.
    z3::check_result check(Z3Domain& domain, const z3::expr& formula) {
        ++queries_;
        solver_.push();
        for (const z3::expr& condition : domain.side_conditions())
            solver_.add(condition);
        solver_.add(!formula);
        const z3::check_result result = solver_.check();
        solver_.pop();
        return result;
    }

    z3::context context_;
    z3::solver solver_{context_};
    std::size_t queries_ = 0;
};

// Trail is the path back to a setup: the action that led to a node from its parent.
struct Trail {
    std::size_t parent = 0;
    WitnessAction action;
};
constexpr std::size_t no_parent = static_cast<std::size_t>(-1);

std::vector<WitnessAction> path_to(const std::vector<Trail>& trails, std::size_t trail) {
    std::vector<WitnessAction> actions;
    for (std::size_t at = trail; trails[at].parent != no_parent; at = trails[at].parent)
        actions.push_back(trails[at].action);
    return {actions.rbegin(), actions.rend()};
}

// confirm re-checks a violation with holds_on, the catalogue's own evaluation: the search's
// batched queries must not report what holds_on does not.
void confirm(const Invariant& invariant, const model::ConcreteParameters& parameters,
             const ConcreteTransition& step) {
    if (holds_on(invariant, parameters, step)) {
        throw std::logic_error(
            fmt::format("witness search: {} failed in a batched query but holds_on says it holds",
                        invariant.id));
    }
}

}  // namespace

std::vector<WitnessSetup> default_witness_setups() {
    const model::Limits small{.max_forward_jump = 2,
                              .max_skipped_keys_per_chain = 1,
                              .max_skipped_keys_total = 2,
                              .max_receiving_chains = 2};
    // One chain slot: every reply evicts the only chain (the specified search's edge case).
    const model::Limits one_chain{.max_forward_jump = 3,
                                  .max_skipped_keys_per_chain = 2,
                                  .max_skipped_keys_total = 3,
                                  .max_receiving_chains = 1};
    return {{.limits = small, .one_time_prekey_published = true},
            {.limits = small, .one_time_prekey_published = false},
            {.limits = one_chain, .one_time_prekey_published = true}};
}

std::string describe(const WitnessAction& action) {
    switch (action.kind) {
        case WitnessAction::Kind::send:
            return fmt::format("send {}", model::party_name(action.party));
        case WitnessAction::Kind::deliver:
            return fmt::format("deliver {} to {}{}", action.message,
                               model::party_name(action.party),
                               action.duplicate_first ? " (duplicated first)" : "");
        case WitnessAction::Kind::forge: {
            const ForgedHeader& forged = action.forged;
            return fmt::format("forge to {}: {} epoch {} counter {} previous {}{}",
                               model::party_name(action.party),
                               forged.is_prekey ? "PreKeySignalMessage" : "SignalMessage",
                               forged.epoch, forged.counter, forged.previous_counter,
                               forged.other_base_key ? ", fresh base key" : "");
        }
    }
    return "?";
}

ConcreteTransition WitnessStep::transition() const {
    return ConcreteTransition{.action = action,
                              .party = party,
                              .pre = &pre,
                              .post = &post,
                              .verdict = verdict,
                              .header = header,
                              .view = view};
}

model::ConcreteView forged_view(const model::ConcreteWorld& world, const ForgedHeader& forged) {
    using Field = model::OneTimePreKeyField;
    const bool prekey = forged.is_prekey;
    // SideBySideRunner::forge writes the id of the published one-time prekey for "genuine", and
    // none when Bob published none; Alice used it exactly when he published it.
    const Field one_time =
        prekey && world.initiator_used_one_time_prekey ? Field::genuine : Field::absent;
    return ConcreteView{.parsed = true,
                        .is_prekey = prekey,
                        .key_known = true,
                        .epoch = forged.epoch,
                        .key_agreement_ok = true,
                        .counter = forged.counter,
                        .previous_counter = forged.previous_counter,
                        .identity_trusted = prekey,
                        .base_key_genuine = prekey && !forged.other_base_key,
                        .base_key_agreement_ok = prekey,
                        .signed_prekey_genuine = prekey,
                        .one_time_prekey = static_cast<std::int64_t>(one_time),
                        .authentic = false};
}

std::string canonical_form(const model::ConcreteWorld& world) {
    std::string out;
    for (const model::ConcreteParty& party : world.parties) {
        fmt::format_to(std::back_inserter(out), "[{}{} {} {} {}{}", party.has_session ? 's' : '-',
                       party.pending_prekey ? 'p' : '-', party.sending_epoch, party.sending_index,
                       party.previous_counter, party.holds_one_time_prekey ? " otpk" : "");
        for (const auto& chain : party.chains) {
            fmt::format_to(std::back_inserter(out), " ({} {} {} {} {} {{", chain.present,
                           chain.epoch, chain.next_index, chain.skipped_count, chain.dropped_below);
            for (const std::int64_t counter : chain.skipped)
                fmt::format_to(std::back_inserter(out), "{},", counter);
            out += "})";
        }
        out += ']';
    }
    fmt::format_to(std::back_inserter(out), " {} {} owner", world.next_epoch,
                   world.initiator_used_one_time_prekey);
    write_pairs(out, world.epoch_owner);
    out += " predecessor";
    write_pairs(out, world.epoch_predecessor);
    out += " sent";
    write_pairs(out, world.sent);
    out += " accepted";
    write_pairs(out, world.accepted);
    return out;
}

WitnessResult search_violation(const std::vector<const Invariant*>& invariants,
                               const model::Variant& variant,
                               const WitnessSearchSettings& settings) {
    const auto started = std::chrono::steady_clock::now();
    const bool shadowed = !(variant == model::Variant{});
    // A world evaluated once satisfies the state invariants; after that only the step properties
    // of each step into it remain.
    std::vector<const Invariant*> step_properties;
    for (const Invariant* invariant : invariants) {
        if (invariant->step)
            step_properties.push_back(invariant);
    }

    Evaluator evaluator;
    WitnessResult result;
    const auto finish = [&](const Invariant* violated, std::size_t setup, std::size_t depth,
                            std::vector<WitnessAction> actions) {
        result.found = violated != nullptr;
        result.violated = violated;
        result.depth = depth;
        if (setup < settings.setups.size())
            result.setup = settings.setups[setup];
        result.actions = std::move(actions);
        result.evaluations = evaluator.queries();
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return result;
    };

    std::vector<Trail> trails;
    std::unordered_set<std::string> seen;
    std::unordered_set<std::string> worlds_evaluated;  // setup and world
    std::vector<Run> frontier;
    for (std::size_t setup = 0; setup < settings.setups.size(); ++setup) {
        const WitnessSetup& start = settings.setups[setup];
        Run run{.setup = setup,
                .system = System(start.limits, variant, start.one_time_prekey_published),
                .specified = std::nullopt,
                .trail = trails.size()};
        if (shadowed)
            run.specified = System(start.limits, {}, start.one_time_prekey_published);
        trails.push_back({.parent = no_parent, .action = {}});
        // Init: Bob publishes his prekeys, then Alice runs X3DH (the System starts after it).
        ConcreteDomain domain;
        const ConcreteWorld published = model::initial_world<ConcreteDomain>(
            domain, run.system.parameters(), start.one_time_prekey_published);
        const ConcreteTransition initial{.action = Action::initial,
                                         .party = PartyId::alice,
                                         .pre = &published,
                                         .post = &run.system.world(),
                                         .verdict = std::nullopt,
                                         .header = std::nullopt,
                                         .view = std::nullopt};
        if (const Invariant* violated =
                evaluator.first_violated(invariants, run.system.parameters(), initial)) {
            confirm(*violated, run.system.parameters(), initial);
            return finish(violated, setup, 0, {});
        }
        worlds_evaluated.insert(fmt::format("{}|{}", setup, canonical_form(run.system.world())));
        seen.insert(run_key(run));
        frontier.push_back(std::move(run));
    }
    result.states = frontier.size();

    for (std::size_t depth = 1; depth <= settings.max_depth && !frontier.empty(); ++depth) {
        std::vector<Run> next;
        for (const Run& run : frontier) {
            for (WitnessAction action : candidate_actions(run)) {
                ++result.transitions;
                Run child = run;
                if (action.kind == WitnessAction::Kind::deliver) {
                    action.duplicate_first =
                        !child.system.can_deliver(action.message) ||
                        (child.specified && !child.specified->can_deliver(action.message));
                    if (action.duplicate_first) {
                        child.system.duplicate(action.message);
                        if (child.specified)
                            child.specified->duplicate(action.message);
                    }
                }
                const WitnessStep step = apply(child.system, action);
                action.verdict = step.verdict;
                action.specified_verdict =
                    child.specified ? apply(*child.specified, action).verdict : step.verdict;

                const bool new_world =
                    worlds_evaluated
                        .insert(fmt::format("{}|{}", run.setup, canonical_form(step.post)))
                        .second;
                const ConcreteTransition transition = step.transition();
                if (const Invariant* violated =
                        evaluator.first_violated(new_world ? invariants : step_properties,
                                                 child.system.parameters(), transition)) {
                    confirm(*violated, child.system.parameters(), transition);
                    std::vector<WitnessAction> actions = path_to(trails, run.trail);
                    actions.push_back(action);
                    return finish(violated, run.setup, depth, std::move(actions));
                }
                if (depth == settings.max_depth || !seen.insert(run_key(child)).second)
                    continue;
                child.trail = trails.size();
                trails.push_back({.parent = run.trail, .action = action});
                next.push_back(std::move(child));
                ++result.states;
            }
        }
        frontier = std::move(next);
    }
    return finish(nullptr, settings.setups.size(), 0, {});
}

std::vector<WitnessStep> replay_witness(const WitnessResult& witness,
                                        const model::Variant& variant) {
    System system(witness.setup.limits, variant, witness.setup.one_time_prekey_published);
    std::vector<WitnessStep> steps;
    for (const WitnessAction& action : witness.actions) {
        if (action.duplicate_first)
            system.duplicate(action.message);
        steps.push_back(apply(system, action));
    }
    return steps;
}

std::optional<WitnessResult> find_witness(const Invariant& invariant,
                                          const WitnessSearchSettings& settings) {
    if (invariant.witness_variant.empty())
        return std::nullopt;
    const NamedVariant* variant = find_variant(invariant.witness_variant);
    if (!variant) {
        throw std::invalid_argument(fmt::format("invariant {} names an unknown witness variant {}",
                                                invariant.id, invariant.witness_variant));
    }
    return search_violation({&invariant}, variant->variant, settings);
}

}  // namespace ratchetcheck::proofs
