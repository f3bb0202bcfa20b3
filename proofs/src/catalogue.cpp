// The invariant catalogue (catalogue.hpp). Each formula is written over the model's own state
// types with the Z3 domain; quantifiers range over (epoch, counter) and are the only place the
// proofs need more than the transition functions.
#include "ratchetcheck/proofs/catalogue.hpp"

#include <algorithm>
#include <array>

#include "ratchetcheck/model/transitions.hpp"

namespace ratchetcheck::proofs {
namespace {

using model::PartyId;
constexpr std::array<PartyId, 2> both_parties{PartyId::alice, PartyId::bob};

z3::expr party_value(Z3Domain& domain, PartyId party) {
    return domain.literal(static_cast<std::int64_t>(model::index_of(party)));
}

z3::expr all_of(Z3Domain& domain, const std::vector<z3::expr>& terms) {
    z3::expr result = domain.literal(true);
    for (const z3::expr& term : terms)
        result = result && term;
    return result;
}

z3::expr any_of(Z3Domain& domain, const std::vector<z3::expr>& terms) {
    z3::expr result = domain.literal(false);
    for (const z3::expr& term : terms)
        result = result || term;
    return result;
}

// Bound variables of the quantifiers: named once, reused (they are bound, not free).
z3::expr bound_epoch(Z3Domain& domain) {
    return domain.context().int_const("e");
}
z3::expr bound_counter(Z3Domain& domain) {
    return domain.context().int_const("n");
}
z3::expr bound_other(Z3Domain& domain) {
    return domain.context().int_const("m");
}
z3::expr bound_party(Z3Domain& domain) {
    return domain.context().int_const("x");
}

const SymbolicParty& party_of(const SymbolicWorld& world, PartyId party) {
    return world.parties[model::index_of(party)];
}

z3::expr owns(Z3Domain& domain, const SymbolicWorld& world, const z3::expr& epoch, PartyId party) {
    return domain.contains(world.epoch_owner, epoch, party_value(domain, party));
}

z3::expr max_counter(Z3Domain& domain) {
    return domain.literal(model::max_counter);
}

// same_party: two party states are equal field by field (present slots compared in full).
z3::expr same_party(Z3Domain& domain, const SymbolicParty& left, const SymbolicParty& right) {
    std::vector<z3::expr> terms{left.has_session == right.has_session,
                                left.sending_epoch == right.sending_epoch,
                                left.sending_index == right.sending_index,
                                left.previous_counter == right.previous_counter,
                                left.pending_prekey == right.pending_prekey,
                                left.holds_one_time_prekey == right.holds_one_time_prekey};
    for (std::size_t slot = 0; slot < left.chains.size(); ++slot) {
        const auto& a = left.chains[slot];
        const auto& b = right.chains[slot];
        terms.push_back(a.present == b.present);
        terms.push_back(z3::implies(a.present, a.epoch == b.epoch && a.next_index == b.next_index &&
                                                   domain.same(a.skipped, b.skipped) &&
                                                   a.skipped_count == b.skipped_count));
    }
    return all_of(domain, terms);
}

// ---- state formulas ------------------------------------------------------------------------

z3::expr epochs_have_one_owner(Z3Domain& domain, const SymbolicParameters& parameters,
                               const SymbolicWorld& world) {
    const z3::expr e = bound_epoch(domain);
    const z3::expr x = bound_party(domain);
    const z3::expr zero = domain.literal(std::int64_t{0});
    const z3::expr one = domain.literal(std::int64_t{1});
    return world.next_epoch >= parameters.signed_prekey_epoch + one &&
           owns(domain, world, parameters.signed_prekey_epoch, PartyId::bob) &&
           domain.forall(
               {e, x}, {domain.contains(world.epoch_owner, e, x)},
               z3::implies(domain.contains(world.epoch_owner, e, x),
                           zero <= e && e < world.next_epoch && (x == zero || x == one))) &&
           domain.forall(
               {e}, {owns(domain, world, e, PartyId::alice)},
               !(owns(domain, world, e, PartyId::alice) && owns(domain, world, e, PartyId::bob)));
}

z3::expr session_well_formed(Z3Domain& domain, const SymbolicParameters&,
                             const SymbolicWorld& world) {
    const z3::expr zero = domain.literal(std::int64_t{0});
    std::vector<z3::expr> terms;
    for (const PartyId id : both_parties) {
        const SymbolicParty& party = party_of(world, id);
        std::vector<z3::expr> no_session{party.sending_index == zero,
                                         party.previous_counter == zero, !party.pending_prekey};
        for (const auto& chain : party.chains)
            no_session.push_back(!chain.present);
        terms.push_back(z3::implies(!party.has_session, all_of(domain, no_session)));
        terms.push_back(z3::implies(
            party.has_session,
            zero <= party.sending_epoch && party.sending_epoch < world.next_epoch &&
                owns(domain, world, party.sending_epoch, id) && zero <= party.sending_index &&
                party.sending_index <= max_counter(domain) && zero <= party.previous_counter &&
                party.previous_counter <= max_counter(domain)));
        if (id == PartyId::alice)
            terms.push_back(party.has_session);
        else
            terms.push_back(!party.pending_prekey);
        for (std::size_t slot = 0; slot < party.chains.size(); ++slot) {
            const auto& chain = party.chains[slot];
            terms.push_back(z3::implies(chain.present,
                                        zero <= chain.epoch && chain.epoch < world.next_epoch &&
                                            owns(domain, world, chain.epoch, model::peer_of(id)) &&
                                            zero <= chain.next_index &&
                                            chain.next_index <= max_counter(domain)));
        }
    }
    return all_of(domain, terms);
}

z3::expr chains_ordered(Z3Domain& domain, const SymbolicParameters&, const SymbolicWorld& world) {
    std::vector<z3::expr> terms;
    for (const PartyId id : both_parties) {
        const SymbolicParty& party = party_of(world, id);
        for (std::size_t slot = 0; slot + 1 < party.chains.size(); ++slot) {
            const auto& older = party.chains[slot];
            const auto& newer = party.chains[slot + 1];
            terms.push_back(z3::implies(newer.present, older.present && older.epoch < newer.epoch));
        }
    }
    return all_of(domain, terms);
}

z3::expr sent_below_sender_position(Z3Domain& domain, const SymbolicParameters&,
                                    const SymbolicWorld& world) {
    const z3::expr e = bound_epoch(domain);
    const z3::expr n = bound_counter(domain);
    const z3::expr m = bound_other(domain);
    const z3::expr zero = domain.literal(std::int64_t{0});
    std::vector<z3::expr> senders;
    for (const PartyId id : both_parties) {
        const SymbolicParty& party = party_of(world, id);
        senders.push_back(
            owns(domain, world, e, id) && party.has_session &&
            (e < party.sending_epoch || (e == party.sending_epoch && n < party.sending_index)));
    }
    const z3::expr sent = domain.contains(world.sent, e, n);
    std::vector<z3::expr> prefix_sent;
    for (const PartyId id : both_parties) {
        const SymbolicParty& party = party_of(world, id);
        prefix_sent.push_back(
            domain.forall({n}, {domain.contains(world.sent, party.sending_epoch, n)},
                          z3::implies(party.has_session && zero <= n && n < party.sending_index,
                                      domain.contains(world.sent, party.sending_epoch, n))));
    }
    return all_of(domain, prefix_sent) &&
           domain.forall({e, n}, {sent},
                         z3::implies(sent, zero <= n && n < max_counter(domain) &&
                                               any_of(domain, senders))) &&
           domain.forall(
               {e, n, m}, {sent, domain.contains(world.sent, e, m)},
               z3::implies(sent && zero <= m && m <= n, domain.contains(world.sent, e, m)));
}

z3::expr accepted_were_sent(Z3Domain& domain, const SymbolicParameters&,
                            const SymbolicWorld& world) {
    const z3::expr e = bound_epoch(domain);
    const z3::expr n = bound_counter(domain);
    return domain.forall(
        {e, n}, {domain.contains(world.accepted, e, n)},
        z3::implies(domain.contains(world.accepted, e, n), domain.contains(world.sent, e, n)));
}

// For every kept chain of every party, over its counters n.
template <typename Body>
z3::expr for_every_chain(Z3Domain& domain, const SymbolicWorld& world, Body body) {
    std::vector<z3::expr> terms;
    for (const PartyId id : both_parties) {
        const SymbolicParty& party = party_of(world, id);
        for (const auto& chain : party.chains)
            terms.push_back(z3::implies(chain.present, body(id, party, chain)));
    }
    return all_of(domain, terms);
}

z3::expr skipped_sent_not_accepted(Z3Domain& domain, const SymbolicParameters&,
                                   const SymbolicWorld& world) {
    const z3::expr n = bound_counter(domain);
    return for_every_chain(domain, world, [&](PartyId, const SymbolicParty&, const auto& chain) {
        return domain.forall({n}, {domain.contains(chain.skipped, n)},
                             z3::implies(domain.contains(chain.skipped, n),
                                         domain.contains(world.sent, chain.epoch, n) &&
                                             !domain.contains(world.accepted, chain.epoch, n)));
    });
}

z3::expr skipped_below_chain_index(Z3Domain& domain, const SymbolicParameters&,
                                   const SymbolicWorld& world) {
    const z3::expr n = bound_counter(domain);
    const z3::expr zero = domain.literal(std::int64_t{0});
    return for_every_chain(domain, world, [&](PartyId, const SymbolicParty&, const auto& chain) {
        return domain.forall(
                   {n}, {domain.contains(chain.skipped, n)},
                   z3::implies(domain.contains(chain.skipped, n),
                               zero <= n && chain.dropped_below <= n && n < chain.next_index)) &&
               zero <= chain.dropped_below && chain.dropped_below <= chain.next_index;
    });
}

z3::expr forward_secrecy(Z3Domain& domain, const SymbolicParameters&, const SymbolicWorld& world) {
    const z3::expr n = bound_counter(domain);
    return for_every_chain(domain, world, [&](PartyId, const SymbolicParty&, const auto& chain) {
        return domain.forall(
            {n}, {domain.contains(world.accepted, chain.epoch, n)},
            z3::implies(domain.contains(world.accepted, chain.epoch, n),
                        n < chain.next_index && !domain.contains(chain.skipped, n)));
    });
}

z3::expr accepted_chain_position(Z3Domain& domain, const SymbolicParameters&,
                                 const SymbolicWorld& world) {
    // Lemma: a message of a peer epoch the receiver has no chain for was never accepted unless
    // that epoch is older than its oldest kept chain (evicted); an epoch derived against the
    // receiver's current ratchet key is newer than every chain it keeps and has nothing accepted.
    const z3::expr e = bound_epoch(domain);
    const z3::expr n = bound_counter(domain);
    std::vector<z3::expr> terms;
    for (const PartyId id : both_parties) {
        const SymbolicParty& party = party_of(world, id);
        // A party without a session has accepted nothing of its peer's.
        terms.push_back(
            z3::implies(!party.has_session,
                        domain.forall({e, n}, {domain.contains(world.accepted, e, n)},
                                      z3::implies(owns(domain, world, e, model::peer_of(id)),
                                                  !domain.contains(world.accepted, e, n)))));
        std::vector<z3::expr> newer_than_chains;
        for (const auto& chain : party.chains)
            newer_than_chains.push_back(z3::implies(chain.present, chain.epoch < e));
        terms.push_back(domain.forall(
            {e}, {domain.contains(world.epoch_predecessor, e, party.sending_epoch)},
            z3::implies(party.has_session &&
                            domain.contains(world.epoch_predecessor, e, party.sending_epoch) &&
                            owns(domain, world, e, model::peer_of(id)),
                        all_of(domain, newer_than_chains) &&
                            domain.forall({n}, {domain.contains(world.accepted, e, n)},
                                          !domain.contains(world.accepted, e, n)))));
    }
    return all_of(domain, terms);
}

z3::expr derivations_well_formed(Z3Domain& domain, const SymbolicParameters&,
                                 const SymbolicWorld& world) {
    const z3::expr e = bound_epoch(domain);
    const z3::expr m = bound_other(domain);
    const z3::expr zero = domain.literal(std::int64_t{0});
    std::vector<z3::expr> owners;
    owners.reserve(both_parties.size());
    for (const PartyId id : both_parties) {
        owners.push_back(owns(domain, world, e, id) && owns(domain, world, m, model::peer_of(id)));
    }
    return domain.forall(
        {e, m}, {domain.contains(world.epoch_predecessor, e, m)},
        z3::implies(domain.contains(world.epoch_predecessor, e, m),
                    zero <= m && m < e && e < world.next_epoch && any_of(domain, owners)));
}

z3::expr chains_within_sent(Z3Domain& domain, const SymbolicParameters&,
                            const SymbolicWorld& world) {
    const z3::expr zero = domain.literal(std::int64_t{0});
    const z3::expr one = domain.literal(std::int64_t{1});
    return for_every_chain(domain, world, [&](PartyId, const SymbolicParty&, const auto& chain) {
        return z3::implies(chain.next_index > zero,
                           domain.contains(world.sent, chain.epoch, chain.next_index - one));
    });
}

z3::expr immediate_decryption(Z3Domain& domain, const SymbolicParameters&,
                              const SymbolicWorld& world) {
    const z3::expr n = bound_counter(domain);
    return for_every_chain(domain, world, [&](PartyId, const SymbolicParty&, const auto& chain) {
        return domain.forall({n}, {domain.contains(world.sent, chain.epoch, n)},
                             z3::implies(chain.dropped_below <= n && n < chain.next_index &&
                                             domain.contains(world.sent, chain.epoch, n) &&
                                             !domain.contains(world.accepted, chain.epoch, n),
                                         domain.contains(chain.skipped, n)));
    });
}

z3::expr skipped_per_chain_bound(Z3Domain& domain, const SymbolicParameters& parameters,
                                 const SymbolicWorld& world) {
    return for_every_chain(domain, world, [&](PartyId, const SymbolicParty&, const auto& chain) {
        return chain.skipped_count <= parameters.max_skipped_keys_per_chain;
    });
}

z3::expr skipped_total_bound(Z3Domain& domain, const SymbolicParameters& parameters,
                             const SymbolicWorld& world) {
    std::vector<z3::expr> terms;
    for (const PartyId id : both_parties) {
        z3::expr total = domain.literal(std::int64_t{0});
        for (const auto& chain : party_of(world, id).chains)
            total = total +
                    domain.ite(chain.present, chain.skipped_count, domain.literal(std::int64_t{0}));
        terms.push_back(total <= parameters.max_skipped_keys_total);
    }
    return all_of(domain, terms);
}

// ---- step formulas -------------------------------------------------------------------------

z3::expr is_ok(Z3Domain& domain, const Transition& step) {
    return step.verdict ? *step.verdict == model::verdict_value(domain, model::Verdict::ok)
                        : domain.literal(true);
}

bool is_receive(Action action) {
    return action == Action::receive_genuine || action == Action::receive_tampered ||
           action == Action::receive_forgery;
}

z3::expr sender_never_reuses(Z3Domain& domain, const SymbolicParameters&, const Transition& step) {
    if (step.action != Action::send)
        return domain.literal(true);
    return z3::implies(is_ok(domain, step),
                       !domain.contains(step.pre->sent, step.header->epoch, step.header->counter));
}

z3::expr accepted_at_most_once(Z3Domain& domain, const SymbolicParameters&,
                               const Transition& step) {
    if (!is_receive(step.action))
        return domain.literal(true);
    return z3::implies(is_ok(domain, step),
                       !domain.contains(step.pre->accepted, step.view->epoch, step.view->counter));
}

z3::expr rejection_changes_nothing(Z3Domain& domain, const SymbolicParameters&,
                                   const Transition& step) {
    if (!is_receive(step.action) && step.action != Action::send)
        return domain.literal(true);
    return z3::implies(!is_ok(domain, step), same_party(domain, party_of(*step.pre, step.party),
                                                        party_of(*step.post, step.party)));
}

// A party's sending epoch changed in this step.
z3::expr new_sending_epoch(const Transition& step) {
    const SymbolicParty& before = party_of(*step.pre, step.party);
    const SymbolicParty& after = party_of(*step.post, step.party);
    return after.has_session &&
           (!before.has_session || after.sending_epoch != before.sending_epoch);
}

z3::expr new_chain_starts_at_zero(Z3Domain& domain, const SymbolicParameters&,
                                  const Transition& step) {
    if (!is_receive(step.action))
        return domain.literal(true);
    return z3::implies(new_sending_epoch(step), party_of(*step.post, step.party).sending_index ==
                                                    domain.literal(std::int64_t{0}));
}

z3::expr previous_counter_correct(Z3Domain& domain, const SymbolicParameters&,
                                  const Transition& step) {
    if (!is_receive(step.action))
        return domain.literal(true);
    const SymbolicParty& before = party_of(*step.pre, step.party);
    const z3::expr zero = domain.literal(std::int64_t{0});
    const z3::expr length =
        model::domain_max(domain, before.sending_index - domain.literal(std::int64_t{1}), zero);
    return z3::implies(new_sending_epoch(step),
                       party_of(*step.post, step.party).previous_counter == length);
}

z3::expr turn_taking(Z3Domain& domain, const SymbolicParameters&, const Transition& step) {
    if (step.action == Action::initial)
        return domain.literal(true);
    if (!is_receive(step.action))
        return !new_sending_epoch(step) || !party_of(*step.pre, step.party).has_session;
    const SymbolicParty& before = party_of(*step.pre, step.party);
    std::vector<z3::expr> newer;
    for (const auto& chain : before.chains)
        newer.push_back(z3::implies(chain.present, chain.epoch < step.view->epoch));
    return z3::implies(new_sending_epoch(step),
                       step.view->key_known &&
                           owns(domain, *step.pre, step.view->epoch, model::peer_of(step.party)) &&
                           all_of(domain, newer));
}

z3::expr jump_bound(Z3Domain& domain, const SymbolicParameters& parameters,
                    const Transition& step) {
    if (!is_receive(step.action))
        return domain.literal(true);
    const SymbolicParty& before = party_of(*step.pre, step.party);
    const SymbolicParty& after = party_of(*step.post, step.party);
    const z3::expr one = domain.literal(std::int64_t{1});
    std::vector<z3::expr> terms;
    for (const auto& chain : after.chains) {
        z3::expr previous_index = domain.literal(std::int64_t{0});
        for (const auto& old : before.chains) {
            const z3::expr same = before.has_session && old.present && old.epoch == chain.epoch;
            previous_index = domain.ite(same, old.next_index, previous_index);
        }
        terms.push_back(z3::implies(
            chain.present, chain.next_index - previous_index <= parameters.max_forward_jump + one));
    }
    return all_of(domain, terms);
}

z3::expr one_time_prekey_once(Z3Domain& domain, const SymbolicParameters&, const Transition& step) {
    if (!is_receive(step.action) || step.party != PartyId::bob)
        return domain.literal(true);
    const SymbolicParty& before = party_of(*step.pre, step.party);
    const SymbolicParty& after = party_of(*step.post, step.party);
    const z3::expr genuine =
        domain.literal(static_cast<std::int64_t>(model::OneTimePreKeyField::genuine));
    return z3::implies(
        !before.has_session && after.has_session && step.view->one_time_prekey == genuine,
        before.holds_one_time_prekey && !after.holds_one_time_prekey);
}

z3::expr responder_session_authenticated(Z3Domain& domain, const SymbolicParameters&,
                                         const Transition& step) {
    if (!is_receive(step.action) || step.party != PartyId::bob)
        return domain.literal(true);
    const SymbolicParty& before = party_of(*step.pre, step.party);
    const SymbolicParty& after = party_of(*step.post, step.party);
    const SymbolicView& view = *step.view;
    return z3::implies(!before.has_session && after.has_session,
                       view.is_prekey && view.identity_trusted && view.signed_prekey_genuine &&
                           view.base_key_genuine && view.authentic);
}

std::vector<Invariant> build_catalogue() {
    std::vector<Invariant> catalogue;
    const auto state = [&](Invariant invariant, StateFormula formula) {
        invariant.state = std::move(formula);
        catalogue.push_back(std::move(invariant));
    };
    const auto step = [&](Invariant invariant, StepFormula formula) {
        invariant.step = std::move(formula);
        catalogue.push_back(std::move(invariant));
    };
    const std::vector<std::string> structure{"epochs-have-one-owner", "session-well-formed",
                                             "receiving-chains-ordered", "derivations-well-formed"};
    // @evidence check=invariant:epochs-have-one-owner functions=SF.PER_MESSAGE_KEYS
    state({.id = "epochs-have-one-owner",
           .spec_clause = "DR §3.1 GENERATE_DH",
           .statement = "Every ratchet key pair (epoch) below the allocator was generated by "
                        "exactly one party, and the responder owns the signed prekey's epoch.",
           .formula = "∀e,x. owner(e,x) ⇒ 0 ≤ e < next_epoch ∧ x ∈ {alice,bob}; "
                      "¬(owner(e,alice) ∧ owner(e,bob)); owner(spk,bob)",
           .lemmas = {},
           .witness_variant = "repeated-ratchet-keys",
           .is_lemma = true},
          epochs_have_one_owner);
    // @evidence check=invariant:session-well-formed functions=SF.PER_MESSAGE_KEYS
    state({.id = "session-well-formed",
           .spec_clause = "DR §3.2 state variables; SCHEMA.md §6.3 (32-bit counters)",
           .statement = "A party without a session has empty session fields; with one, its "
                        "sending epoch is its own, its receiving chains are its peer's epochs, and "
                        "every counter it holds fits in 32 bits.",
           .formula = "¬has ⇒ Ns = PN = 0 ∧ no chain; has ⇒ owner(DHs, p) ∧ Ns, PN ∈ [0, 2^32−1]; "
                      "present chain ⇒ owner(epoch, peer) ∧ next ∈ [0, 2^32−1]",
           .lemmas = {"epochs-have-one-owner", "sent-below-sender-position"},
           .witness_variant = "no-authentication",
           .is_lemma = true},
          session_well_formed);
    // @evidence check=invariant:receiving-chains-ordered functions=SF.BOUNDED_STORES
    state({.id = "receiving-chains-ordered",
           .spec_clause = "DR §3.5 DHRatchet; libsignal MAX_RECEIVER_CHAINS",
           .statement = "At most max_receiving_chains receiving chains are kept, in a prefix of "
                        "the slots, oldest first with strictly increasing epochs.",
           .formula = "present(i+1) ⇒ present(i) ∧ epoch(i) < epoch(i+1)",
           .lemmas = {"session-well-formed", "ratchet-derivations-fresh"},
           .witness_variant = "chains-overwritten-in-place"},
          chains_ordered);
    // @evidence check=invariant:sent-below-sender-position functions=SF.PER_MESSAGE_KEYS
    state({.id = "sent-below-sender-position",
           .spec_clause = "DR §3.4 RatchetEncrypt",
           .statement = "Every message sent under an epoch lies strictly behind its owner's "
                        "sending position, and the counters sent under an epoch are exactly 0, 1, "
                        "2, ... up to that position, without gaps.",
           .formula = "sent(e,n) ⇒ 0 ≤ n < 2^32−1 ∧ ∃p. owner(e,p) ∧ (e < DHs_p ∨ e = DHs_p ∧ n < "
                      "Ns_p); sent(e,n) ∧ 0 ≤ m ≤ n ⇒ sent(e,m); 0 ≤ n < Ns_p ⇒ sent(DHs_p, n)",
           .lemmas = {"session-well-formed"},
           .witness_variant = "counter-not-advanced"},
          sent_below_sender_position);
    // @evidence check=invariant:sender-never-reuses-counter functions=SF.PER_MESSAGE_KEYS
    step(
        {.id = "sender-never-reuses-counter",
         .spec_clause = "DR §3.4 RatchetEncrypt (Ns += 1); DR §5.2 (each message key is used once)",
         .statement = "A sender never sends two messages under the same (epoch, counter).",
         .formula = "send ok ⇒ (DHs, Ns) ∉ sent",
         .lemmas = {"sent-below-sender-position"},
         .witness_variant = "counter-not-advanced"},
        sender_never_reuses);
    // @evidence check=invariant:accepted-were-sent functions=SF.TRANSACTIONAL_RECEIVE,SF.KEY_AGREEMENT
    state({.id = "accepted-were-sent",
           .spec_clause = "DR §3.5 DECRYPT (authentication); X3DH §3.4",
           .statement = "Every accepted message was sent by the peer (the MAC as an ideal "
                        "functionality).",
           .formula = "accepted(e,n) ⇒ sent(e,n)",
           .lemmas = {},
           .witness_variant = "no-authentication"},
          accepted_were_sent);
    // @evidence check=invariant:accepted-at-most-once functions=SF.REPLAY_REJECTION
    step({.id = "accepted-at-most-once",
          .spec_clause = "DR §3.5 TrySkippedMessageKeys (del MKSKIPPED); DR §5.2 (a key used once)",
          .statement = "No (epoch, counter) is accepted twice: a replay is rejected.",
          .formula = "receive ok ⇒ (e,n) ∉ accepted",
          .lemmas = {"forward-secrecy-of-message-keys", "ratchet-derivations-fresh",
                     "skipped-keys-sent-not-accepted"},
          .witness_variant = "used-skipped-keys-kept"},
         accepted_at_most_once);
    // @evidence check=invariant:skipped-keys-sent-not-accepted functions=SF.REPLAY_REJECTION,SF.OUT_OF_ORDER
    state({.id = "skipped-keys-sent-not-accepted",
           .spec_clause = "DR §3.5 SkipMessageKeys",
           .statement = "Every stored skipped key belongs to a message that was sent and not yet "
                        "accepted.",
           .formula = "n ∈ skipped(chain) ⇒ sent(epoch, n) ∧ ¬accepted(epoch, n)",
           .lemmas = {"sent-below-sender-position", "accepted-were-sent",
                      "forward-secrecy-of-message-keys", "ratchet-derivations-fresh",
                      "skipped-keys-below-chain-index"},
           .witness_variant = "used-skipped-keys-kept",
           .split_obligations = true},
          skipped_sent_not_accepted);
    // @evidence check=invariant:skipped-keys-below-chain-index functions=SF.OUT_OF_ORDER
    state({.id = "skipped-keys-below-chain-index",
           .spec_clause = "DR §3.5 SkipMessageKeys",
           .statement = "A chain stores skipped keys only for counters below its next index and "
                        "at or above its drop floor.",
           .formula = "n ∈ skipped(chain) ⇒ 0 ≤ n ∧ dropped_below ≤ n < next_index; 0 ≤ "
                      "dropped_below ≤ next_index",
           .lemmas = {"session-well-formed"},
           .witness_variant = "old-counters-rewind-chain",
           .is_lemma = true},
          skipped_below_chain_index);
    // @evidence check=invariant:forward-secrecy-of-message-keys functions=SF.PER_MESSAGE_KEYS clauses=DR-6.1
    state({.id = "forward-secrecy-of-message-keys",
           .spec_clause = "DR §3.5, DR §6.1 (secure deletion): message keys deleted after use",
           .statement = "For every accepted message, every kept chain of its epoch is past its "
                        "counter and does not store its key: the key cannot be derived again from "
                        "the state.",
           .formula = "accepted(e,n) ∧ chain.epoch = e ⇒ n < next_index ∧ n ∉ skipped(chain)",
           .lemmas = {"skipped-keys-below-chain-index", "ratchet-derivations-fresh"},
           .witness_variant = "used-skipped-keys-kept",
           .split_obligations = true},
          forward_secrecy);
    // @evidence check=invariant:ratchet-derivations-fresh functions=SF.PER_MESSAGE_KEYS
    state({.id = "ratchet-derivations-fresh",
           .spec_clause = "DR §3.5 DHRatchet",
           .statement = "A peer epoch derived against a party's current ratchet key is newer than "
                        "every chain the party keeps, and nothing of it has been accepted yet; a "
                        "party without a session has accepted nothing.",
           .formula = "pred(e, DHs_p) ∧ owner(e, peer) ⇒ e > every chain epoch of p ∧ ∀n. "
                      "¬accepted(e,n)",
           .lemmas = {"accepted-were-sent", "sent-below-sender-position"},
           .witness_variant = "ratchet-key-reused",
           .is_lemma = true},
          accepted_chain_position);
    // @evidence check=invariant:derivations-well-formed functions=SF.PER_MESSAGE_KEYS
    state({.id = "derivations-well-formed",
           .spec_clause = "DR §3.5 DHRatchet (KDF_RK on DH(DHs, DHr))",
           .statement = "Every root-chain derivation pairs a newer epoch of one party with an "
                        "older epoch of the other.",
           .formula = "pred(e,m) ⇒ 0 ≤ m < e < next_epoch ∧ owners differ",
           .lemmas = {"epochs-have-one-owner"},
           .witness_variant = "ratchet-key-reused",
           .is_lemma = true},
          derivations_well_formed);
    // @evidence check=invariant:receiving-chain-within-sent functions=SF.TRANSACTIONAL_RECEIVE
    state({.id = "receiving-chain-within-sent",
           .spec_clause = "DR §3.5 (a chain advances only on an authenticated message)",
           .statement = "A receiving chain is never ahead of its sender: the message just below "
                        "its next index was sent.",
           .formula = "next_index > 0 ⇒ sent(epoch, next_index − 1)",
           .lemmas = {"sent-below-sender-position"},
           .witness_variant = "commit-before-authentication"},
          chains_within_sent);
    // @evidence check=invariant:immediate-decryption functions=SF.OUT_OF_ORDER
    state({.id = "immediate-decryption",
           .spec_clause = "DR §2.6, §3.5 (out-of-order messages decrypt within the limits)",
           .statement = "On every kept chain, every message sent and not yet accepted between "
                        "the drop floor and the next index has its key stored, so it stays "
                        "deliverable.",
           .formula = "dropped_below ≤ n < next_index ∧ sent(e,n) ∧ ¬accepted(e,n) ⇒ n ∈ skipped",
           .lemmas = {"skipped-keys-below-chain-index", "sent-below-sender-position",
                      "receiving-chain-within-sent", "ratchet-derivations-fresh",
                      "accepted-were-sent", "forward-secrecy-of-message-keys"},
           .witness_variant = "commit-before-authentication",
           .split_obligations = true},
          immediate_decryption);
    // @evidence check=invariant:skipped-keys-per-chain-bound functions=SF.BOUNDED_STORES clauses=DR-6.4
    state({.id = "skipped-keys-per-chain-bound",
           .spec_clause = "DR §3.5 MAX_SKIP; libsignal MAX_MESSAGE_KEYS",
           .statement = "No chain stores more than max_skipped_keys_per_chain skipped keys.",
           .formula = "count(chain) ≤ max_skipped_keys_per_chain",
           .lemmas = {},
           .witness_variant = "unbounded-skipped-keys"},
          skipped_per_chain_bound);
    // @evidence check=invariant:skipped-keys-total-bound functions=SF.BOUNDED_STORES clauses=DR-6.4
    state({.id = "skipped-keys-total-bound",
           .spec_clause = "DR §3.5 MAX_SKIP; Profile max_skipped_keys_total",
           .statement = "No party stores more than max_skipped_keys_total skipped keys over all "
                        "its chains.",
           .formula = "Σ count(chain) ≤ max_skipped_keys_total",
           .lemmas = {},
           .witness_variant = "unbounded-skipped-keys"},
          skipped_total_bound);
    // @evidence check=invariant:forward-jump-bound functions=SF.BOUNDED_STORES
    step({.id = "forward-jump-bound",
          .spec_clause = "DR §3.5 SkipMessageKeys (MAX_SKIP)",
          .statement = "A received message moves a chain at most max_forward_jump + 1 past its "
                       "previous next index (0 for a new chain).",
          .formula = "next′(chain) − next(chain) ≤ max_forward_jump + 1",
          .lemmas = {"session-well-formed"},
          .witness_variant = "no-jump-limit"},
         jump_bound);
    // @evidence check=invariant:rejection-changes-nothing functions=SF.TRANSACTIONAL_RECEIVE
    step({.id = "rejection-changes-nothing",
          .spec_clause = "DR §3.5 (on an exception, discard any changes)",
          .statement = "Every rejected send or receive leaves the party's state unchanged.",
          .formula = "verdict ≠ ok ⇒ party′ = party",
          .lemmas = {},
          .witness_variant = "commit-before-authentication"},
         rejection_changes_nothing);
    // @evidence check=invariant:new-sending-chain-starts-at-zero functions=SF.PER_MESSAGE_KEYS
    step({.id = "new-sending-chain-starts-at-zero",
          .spec_clause = "DR §3.5 DHRatchet (Ns = 0)",
          .statement = "A new sending epoch starts at counter 0.",
          .formula = "DHs′ ≠ DHs ⇒ Ns′ = 0",
          .lemmas = {},
          .witness_variant = "counters-not-reset"},
         new_chain_starts_at_zero);
    // @evidence check=invariant:previous-counter-is-chain-length functions=SF.PER_MESSAGE_KEYS
    step({.id = "previous-counter-is-chain-length",
          .spec_clause = "DR §3.5 DHRatchet, with a deviation: libsignal's PN = max(Ns − 1, 0) "
                         "instead of the clause's PN = Ns; SCHEMA.md §6.3",
          .statement = "A DH step sets PN to the length of the previous sending chain as "
                       "libsignal counts it (max(Ns − 1, 0)), not to Ns as DR §3.5 says: the "
                       "deviation libsignal's rule makes.",
          .formula = "DHs′ ≠ DHs ⇒ PN′ = max(Ns − 1, 0)",
          .lemmas = {"session-well-formed"},
          .witness_variant = "previous-counter-wrong"},
         previous_counter_correct);
    // @evidence check=invariant:ratchet-turn-taking functions=SF.PER_MESSAGE_KEYS
    step({.id = "ratchet-turn-taking",
          .spec_clause = "DR §3.5 DHRatchet; DR §2.3, §6.2 (recovery from compromise)",
          .statement = "A party's new sending epoch is created only on receipt of a peer epoch "
                       "newer than every one it keeps.",
          .formula = "DHs′ ≠ DHs ⇒ receive ∧ owner(view.epoch, peer) ∧ view.epoch > every kept "
                     "chain epoch",
          .lemmas = {"ratchet-derivations-fresh", "receiving-chains-ordered"},
          .witness_variant = "no-authentication"},
         turn_taking);
    // @evidence check=invariant:one-time-prekey-used-once functions=SF.KEY_AGREEMENT
    step({.id = "one-time-prekey-used-once",
          .spec_clause = "X3DH §3.4 (delete the one-time prekey)",
          .statement = "A session started with the one-time prekey consumes it: it was held "
                       "before and is gone after, so it serves at most one session.",
          .formula = "¬has_bob ∧ has′_bob ∧ view.one_time = genuine ⇒ holds ∧ ¬holds′",
          .lemmas = {"session-well-formed"},
          .witness_variant = "one-time-prekey-kept"},
         one_time_prekey_once);
    // @evidence check=invariant:responder-session-authenticated functions=SF.KEY_AGREEMENT
    step({.id = "responder-session-authenticated",
          .spec_clause = "X3DH §3.4 (identity, signed prekey, initial message authenticated)",
          .statement = "The responder has a session only after a PreKeySignalMessage with the "
                       "trusted identity, the genuine signed prekey and base key, which "
                       "authenticated.",
          .formula = "¬has_bob ∧ has′_bob ⇒ prekey ∧ trusted ∧ spk genuine ∧ base genuine ∧ "
                     "authentic",
          .lemmas = {},
          .witness_variant = "no-authentication"},
         responder_session_authenticated);
    // Every proof also assumes the structural lemmas (the shape of the state: who owns which
    // epoch, which fields a session has, chains oldest first, how epochs were derived); they are
    // listed on every entry so that docs/invariants.md shows what each proof rests on.
    for (Invariant& invariant : catalogue) {
        for (const std::string& lemma : structure) {
            if (lemma != invariant.id && std::find(invariant.lemmas.begin(), invariant.lemmas.end(),
                                                   lemma) == invariant.lemmas.end()) {
                invariant.lemmas.push_back(lemma);
            }
        }
    }
    return catalogue;
}

std::vector<NamedVariant> build_variants() {
    const auto with = [](auto change) {
        model::Variant variant;
        change(variant);
        return variant;
    };
    return {
        {"specified", "the protocol as specified (every switch at its default)", {}},
        {"used-skipped-keys-kept", "a used skipped key is not deleted (DR §3.5 without del)",
         with([](model::Variant& v) { v.delete_used_skipped_keys = false; })},
        {"no-jump-limit", "no MAX_SKIP: any forward jump is taken",
         with([](model::Variant& v) { v.enforce_forward_jump = false; })},
        {"unbounded-skipped-keys", "stored skipped keys are never dropped",
         with([](model::Variant& v) { v.enforce_skipped_key_bounds = false; })},
        {"counters-not-reset", "a DH step keeps Ns instead of resetting it to 0",
         with([](model::Variant& v) { v.reset_counters_on_ratchet = false; })},
        {"previous-counter-wrong", "a DH step sets PN one too high",
         with([](model::Variant& v) { v.correct_previous_counter = false; })},
        {"ratchet-key-reused", "a DH step keeps the old sending ratchet key",
         with([](model::Variant& v) { v.fresh_ratchet_key = false; })},
        {"commit-before-authentication",
         "a message that fails authentication still moves the receiving chain",
         with([](model::Variant& v) { v.authenticate_before_commit = false; })},
        {"one-time-prekey-kept", "the one-time prekey is not deleted when a session starts",
         with([](model::Variant& v) { v.consume_one_time_prekey = false; })},
        {"counter-not-advanced", "RatchetEncrypt does not increment Ns",
         with([](model::Variant& v) { v.advance_sending_counter = false; })},
        {"no-authentication", "every message authenticates (no MAC check)",
         with([](model::Variant& v) { v.check_authentication = false; })},
        {"chains-overwritten-in-place",
         "a new receiving chain overwrites the oldest slot instead of shifting the others",
         with([](model::Variant& v) { v.shift_chains_on_eviction = false; })},
        {"eager-ratchet-keys", "the DH step's key pair is generated before authentication",
         with([](model::Variant& v) { v.defer_ratchet_key_generation = false; })},
        {"repeated-ratchet-keys",
         "the DH step's key generator repeats itself: the next DH step, of either party, gets "
         "the same ratchet key pair",
         with([](model::Variant& v) { v.distinct_ratchet_keys = false; })},
        {"old-counters-rewind-chain",
         "a message below its chain without a stored key rewinds the chain instead of being "
         "rejected as a duplicate",
         with([](model::Variant& v) { v.reject_old_counters = false; })},
        {"initiator-skips-ratchet-key",
         "RatchetInitAlice sends on the signed prekey's epoch instead of generating a ratchet key "
         "pair of her own (DR §3.3 without GENERATE_DH)",
         with([](model::Variant& v) { v.initiator_generates_ratchet_key = false; })},
        {"restore-resets-sending-counter",
         "a saved and restored session starts its sending chain again at Ns = 0",
         with([](model::Variant& v) { v.restore_keeps_sending_index = false; })},
        {"copies-logged-as-sends",
         "a model mistake, not a protocol variant: the ghost ledger logs an adversary's copy of "
         "a message as a further message of its sender (the network obligations fail)",
         with([](model::Variant& v) { v.ledger_ignores_copies = false; })},
    };
}

}  // namespace

const char* action_name(Action action) {
    switch (action) {
        case Action::initial:
            return "init";
        case Action::send:
            return "send";
        case Action::receive_genuine:
            return "receive-genuine";
        case Action::receive_tampered:
            return "receive-tampered";
        case Action::receive_forgery:
            return "receive-forgery";
        case Action::network:
            return "network";
        case Action::save_restore:
            return "save-restore";
    }
    return "unknown";
}

const std::vector<Invariant>& invariant_catalogue() {
    static const std::vector<Invariant> catalogue = build_catalogue();
    return catalogue;
}

const Invariant* find_invariant(const std::string& id) {
    for (const Invariant& invariant : invariant_catalogue()) {
        if (invariant.id == id)
            return &invariant;
    }
    return nullptr;
}

const std::vector<NamedVariant>& variant_catalogue() {
    static const std::vector<NamedVariant> variants = build_variants();
    return variants;
}

const NamedVariant* find_variant(const std::string& name) {
    for (const NamedVariant& variant : variant_catalogue()) {
        if (variant.name == name)
            return &variant;
    }
    return nullptr;
}

}  // namespace ratchetcheck::proofs
