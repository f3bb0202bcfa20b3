// The concrete side of the catalogue (catalogue.hpp): a concrete world written as ground Z3
// terms, so the very formulas the proofs use are evaluated on the states of model::System (the
// witness search, and the tests that every state of a concrete run satisfies every invariant).
#include <z3++.h>

#include "ratchetcheck/proofs/catalogue.hpp"

namespace ratchetcheck::proofs {
namespace {

CounterRelation counter_set(Z3Domain& domain, const model::ConcreteDomain::CounterSet& set) {
    return domain.counters_of(std::vector<std::int64_t>(set.begin(), set.end()));
}

PairSet pair_set(Z3Domain& domain, const model::ConcreteDomain::KeySet& set) {
    return domain.pairs_of(
        std::vector<std::pair<std::int64_t, std::int64_t>>(set.begin(), set.end()));
}

bool valid(Z3Domain& domain, const z3::expr& formula) {
    z3::solver solver(domain.context());
    for (const z3::expr& condition : domain.side_conditions())
        solver.add(condition);
    solver.add(!formula);
    return solver.check() == z3::unsat;
}

}  // namespace

SymbolicWorld embed(Z3Domain& domain, const model::ConcreteWorld& world) {
    const auto party_of = [&](const model::ConcreteParty& party) {
        SymbolicParty out{.has_session = domain.literal(party.has_session),
                          .sending_epoch = domain.literal(party.sending_epoch),
                          .sending_index = domain.literal(party.sending_index),
                          .previous_counter = domain.literal(party.previous_counter),
                          .pending_prekey = domain.literal(party.pending_prekey),
                          .chains = {},
                          .holds_one_time_prekey = domain.literal(party.holds_one_time_prekey)};
        for (const auto& chain : party.chains) {
            out.chains.push_back(
                model::ChainSlot<Z3Domain>{.present = domain.literal(chain.present),
                                           .epoch = domain.literal(chain.epoch),
                                           .next_index = domain.literal(chain.next_index),
                                           .skipped = counter_set(domain, chain.skipped),
                                           .skipped_count = domain.literal(chain.skipped_count),
                                           .dropped_below = domain.literal(chain.dropped_below)});
        }
        return out;
    };
    return SymbolicWorld{
        .parties = {party_of(world.parties[0]), party_of(world.parties[1])},
        .next_epoch = domain.literal(world.next_epoch),
        .epoch_owner = pair_set(domain, world.epoch_owner),
        .epoch_predecessor = pair_set(domain, world.epoch_predecessor),
        .sent = pair_set(domain, world.sent),
        .accepted = pair_set(domain, world.accepted),
        .initiator_used_one_time_prekey = domain.literal(world.initiator_used_one_time_prekey)};
}

SymbolicView embed(Z3Domain& domain, const model::ConcreteView& view) {
    return SymbolicView{.parsed = domain.literal(view.parsed),
                        .is_prekey = domain.literal(view.is_prekey),
                        .key_known = domain.literal(view.key_known),
                        .epoch = domain.literal(view.epoch),
                        .key_agreement_ok = domain.literal(view.key_agreement_ok),
                        .counter = domain.literal(view.counter),
                        .previous_counter = domain.literal(view.previous_counter),
                        .identity_trusted = domain.literal(view.identity_trusted),
                        .base_key_genuine = domain.literal(view.base_key_genuine),
                        .base_key_agreement_ok = domain.literal(view.base_key_agreement_ok),
                        .signed_prekey_genuine = domain.literal(view.signed_prekey_genuine),
                        .one_time_prekey = domain.literal(view.one_time_prekey),
                        .authentic = domain.literal(view.authentic)};
}

SymbolicHeader embed(Z3Domain& domain, const model::ConcreteHeader& header) {
    return SymbolicHeader{.is_prekey = domain.literal(header.is_prekey),
                          .epoch = domain.literal(header.epoch),
                          .counter = domain.literal(header.counter),
                          .previous_counter = domain.literal(header.previous_counter)};
}

Transition embed(Z3Domain& domain, const ConcreteTransition& step, const SymbolicWorld& pre,
                 const SymbolicWorld& post) {
    Transition result{.action = step.action,
                      .party = step.party,
                      .pre = &pre,
                      .post = &post,
                      .verdict = std::nullopt,
                      .header = std::nullopt,
                      .view = std::nullopt};
    if (step.verdict)
        result.verdict = model::verdict_value(domain, *step.verdict);
    if (step.header)
        result.header = embed(domain, *step.header);
    if (step.view)
        result.view = embed(domain, *step.view);
    return result;
}

SymbolicParameters embed(Z3Domain& domain, const model::ConcreteParameters& parameters) {
    return SymbolicParameters{
        .max_forward_jump = domain.literal(parameters.max_forward_jump),
        .max_skipped_keys_per_chain = domain.literal(parameters.max_skipped_keys_per_chain),
        .max_skipped_keys_total = domain.literal(parameters.max_skipped_keys_total),
        .max_receiving_chains = parameters.max_receiving_chains,
        .defer_ratchet_key_generation = domain.literal(parameters.defer_ratchet_key_generation),
        .delete_used_skipped_keys = domain.literal(parameters.delete_used_skipped_keys),
        .enforce_forward_jump = domain.literal(parameters.enforce_forward_jump),
        .enforce_skipped_key_bounds = domain.literal(parameters.enforce_skipped_key_bounds),
        .reset_counters_on_ratchet = domain.literal(parameters.reset_counters_on_ratchet),
        .correct_previous_counter = domain.literal(parameters.correct_previous_counter),
        .fresh_ratchet_key = domain.literal(parameters.fresh_ratchet_key),
        .authenticate_before_commit = domain.literal(parameters.authenticate_before_commit),
        .consume_one_time_prekey = domain.literal(parameters.consume_one_time_prekey),
        .advance_sending_counter = domain.literal(parameters.advance_sending_counter),
        .check_authentication = domain.literal(parameters.check_authentication),
        .shift_chains_on_eviction = domain.literal(parameters.shift_chains_on_eviction),
        .distinct_ratchet_keys = domain.literal(parameters.distinct_ratchet_keys),
        .reject_old_counters = domain.literal(parameters.reject_old_counters),
        .initiator_generates_ratchet_key =
            domain.literal(parameters.initiator_generates_ratchet_key),
        .restore_keeps_sending_index = domain.literal(parameters.restore_keeps_sending_index),
        .ledger_ignores_copies = domain.literal(parameters.ledger_ignores_copies),
        .prekey_message_tries_every_session =
            domain.literal(parameters.prekey_message_tries_every_session),
        .signed_prekey_epoch = domain.literal(parameters.signed_prekey_epoch)};
}

bool holds_in(const Invariant& invariant, const model::ConcreteParameters& parameters,
              const model::ConcreteWorld& world) {
    if (!invariant.state)
        return true;
    z3::context context;
    Z3Domain domain(context);
    const SymbolicParameters symbolic_parameters = embed(domain, parameters);
    const SymbolicWorld symbolic_world = embed(domain, world);
    return valid(domain, invariant.state(domain, symbolic_parameters, symbolic_world));
}

bool holds_on(const Invariant& invariant, const model::ConcreteParameters& parameters,
              const ConcreteTransition& step) {
    if (invariant.state)
        return holds_in(invariant, parameters, *step.post);
    z3::context context;
    Z3Domain domain(context);
    const SymbolicParameters symbolic_parameters = embed(domain, parameters);
    const SymbolicWorld pre = embed(domain, *step.pre);
    const SymbolicWorld post = embed(domain, *step.post);
    const Transition transition = embed(domain, step, pre, post);
    return valid(domain, invariant.step(domain, symbolic_parameters, transition));
}

}  // namespace ratchetcheck::proofs
