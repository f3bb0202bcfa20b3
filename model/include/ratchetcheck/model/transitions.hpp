// The transitions of the model, written once over a Domain (see domain.hpp): no `if` on state,
// every choice a D::ite, every set operation a domain call. Loops run over the structural chain
// slots only. The order of the checks is the order in which the reference implementation makes
// them (PartyId::decrypt, stage_decrypt, commit_decrypt), because the model predicts the error
// where it can name it (duplicate, too_far_ahead, no_session).
#pragma once

#include <cstddef>

#include "ratchetcheck/model/domain.hpp"
#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/model/state.hpp"

namespace ratchetcheck::model {

// ---- small helpers over the domain --------------------------------------------------------------

template <Domain D>
typename D::Int domain_min(typename D::Int left, typename D::Int right) {
    return D::ite(left < right, left, right);
}

template <Domain D>
typename D::Int domain_max(typename D::Int left, typename D::Int right) {
    return D::ite(left < right, right, left);
}

template <Domain D>
ChainSlot<D> select_slot(typename D::Bool condition, const ChainSlot<D>& then_slot,
                         const ChainSlot<D>& else_slot) {
    return {.present = D::ite(condition, then_slot.present, else_slot.present),
            .epoch = D::ite(condition, then_slot.epoch, else_slot.epoch),
            .next_index = D::ite(condition, then_slot.next_index, else_slot.next_index)};
}

template <Domain D>
AbstractParty<D> select_party(typename D::Bool condition, const AbstractParty<D>& then_state,
                              const AbstractParty<D>& else_state) {
    AbstractParty<D> result{
        .has_session = D::ite(condition, then_state.has_session, else_state.has_session),
        .sending_epoch = D::ite(condition, then_state.sending_epoch, else_state.sending_epoch),
        .sending_index = D::ite(condition, then_state.sending_index, else_state.sending_index),
        .previous_counter =
            D::ite(condition, then_state.previous_counter, else_state.previous_counter),
        .pending_prekey = D::ite(condition, then_state.pending_prekey, else_state.pending_prekey),
        .chains = {},  // filled slot by slot below
        .skipped = D::ite(condition, then_state.skipped, else_state.skipped),
        .holds_one_time_prekey =
            D::ite(condition, then_state.holds_one_time_prekey, else_state.holds_one_time_prekey)};
    result.chains.reserve(then_state.chains.size());
    for (std::size_t slot = 0; slot < then_state.chains.size(); ++slot) {
        result.chains.push_back(
            select_slot<D>(condition, then_state.chains[slot], else_state.chains[slot]));
    }
    return result;
}

template <Domain D>
ChainSlot<D> empty_slot() {
    return {.present = D::literal(false),
            .epoch = D::literal(std::int64_t{0}),
            .next_index = D::literal(std::int64_t{0})};
}

// empty_party is a participant with no session.
template <Domain D>
AbstractParty<D> empty_party(const Parameters<D>& parameters,
                             typename D::Bool holds_one_time_prekey) {
    const typename D::Int zero = D::literal(std::int64_t{0});
    return AbstractParty<D>{
        .has_session = D::literal(false),
        .sending_epoch = zero,
        .sending_index = zero,
        .previous_counter = zero,
        .pending_prekey = D::literal(false),
        .chains = std::vector<ChainSlot<D>>(parameters.max_receiving_chains, empty_slot<D>()),
        .skipped = D::empty_set(),
        .holds_one_time_prekey = holds_one_time_prekey};
}

// ---- session start (X3DH §3.3, DR §3.3) ---------------------------------------------------------

// initial_world: Bob has published a signed prekey (epoch `signed_prekey_epoch`, his first
// ratchet key) and, if `one_time_prekey_published`, one one-time prekey; nobody has a session.
template <Domain D>
World<D> initial_world(const Parameters<D>& parameters,
                       typename D::Bool one_time_prekey_published) {
    return World<D>{.parties = {empty_party<D>(parameters, D::literal(false)),
                                empty_party<D>(parameters, one_time_prekey_published)},
                    .next_epoch = parameters.signed_prekey_epoch + D::literal(std::int64_t{1}),
                    .epoch_predecessor = D::empty_set(),
                    .sent = D::empty_set(),
                    .accepted = D::empty_set(),
                    .initiator_used_one_time_prekey = D::literal(false)};
}

// x3dh_initiate is Alice's initiate_session on Bob's bundle (X3DH §3.3) followed by
// RatchetInitAlice in libsignal's form (DR §3.3): the X3DH chain becomes a receiving chain of the
// signed prekey's epoch (never used by a genuine message), and a first DH step with a fresh
// ratchet key (a new epoch, derived against the signed prekey) gives the sending chain.
template <Domain D>
World<D> x3dh_initiate(const Parameters<D>& parameters, const World<D>& world) {
    World<D> next = world;
    AbstractParty<D>& alice = next.parties[index_of(PartyId::alice)];
    const typename D::Int zero = D::literal(std::int64_t{0});
    const typename D::Int new_epoch = world.next_epoch;
    alice.has_session = D::literal(true);
    alice.sending_epoch = new_epoch;
    alice.sending_index = zero;
    alice.previous_counter = zero;
    alice.pending_prekey = D::literal(true);
    alice.chains.assign(parameters.max_receiving_chains, empty_slot<D>());
    alice.chains[0] = ChainSlot<D>{
        .present = D::literal(true), .epoch = parameters.signed_prekey_epoch, .next_index = zero};
    alice.skipped = D::empty_set();
    next.next_epoch = new_epoch + D::literal(std::int64_t{1});
    next.epoch_predecessor =
        D::insert(world.epoch_predecessor, new_epoch, parameters.signed_prekey_epoch);
    // The bundle carries the one-time prekey exactly when Bob published one.
    next.initiator_used_one_time_prekey =
        world.parties[index_of(PartyId::bob)].holds_one_time_prekey;
    return next;
}

// ---- sending (DR §3.4 RatchetEncrypt) -----------------------------------------------------------

template <Domain D>
struct SendStep {
    World<D> world;
    typename D::Int verdict;  // ok, or no_session
    MessageHeader<D> header;  // meaningful when verdict is ok
};

// send: the sender's header is (DHs, PN, Ns), then Ns += 1. No session: no_session, no change.
template <Domain D>
SendStep<D> send(const Parameters<D>&, const World<D>& world, PartyId sender) {
    const AbstractParty<D>& party = world.parties[index_of(sender)];
    const typename D::Bool ok = party.has_session;
    SendStep<D> step{
        .world = world,
        .verdict = D::ite(ok, verdict_value<D>(Verdict::ok), verdict_value<D>(Verdict::no_session)),
        .header = MessageHeader<D>{.is_prekey = party.pending_prekey,
                                   .epoch = party.sending_epoch,
                                   .counter = party.sending_index,
                                   .previous_counter = party.previous_counter}};
    AbstractParty<D>& updated = step.world.parties[index_of(sender)];
    updated.sending_index =
        D::ite(ok, party.sending_index + D::literal(std::int64_t{1}), party.sending_index);
    step.world.sent =
        D::ite(ok, D::insert(world.sent, party.sending_epoch, party.sending_index), world.sent);
    return step;
}

// ---- receiving (DR §3.5 RatchetDecrypt, X3DH §3.4) ----------------------------------------------

template <Domain D>
struct ReceiveStep {
    World<D> world;
    typename D::Int verdict;  // ok: the message (view.epoch, view.counter) was accepted
};

// enforce_skipped_bounds keeps MKSKIPPED within its bounds, dropping the oldest keys first:
// per chain, then over the session, oldest chain first (libsignal MAX_MESSAGE_KEYS).
template <Domain D>
typename D::KeySet enforce_skipped_bounds(const Parameters<D>& parameters,
                                          const std::vector<ChainSlot<D>>& chains,
                                          typename D::KeySet skipped) {
    using Int = typename D::Int;
    const Int zero = D::literal(std::int64_t{0});
    for (const ChainSlot<D>& chain : chains) {
        const Int excess =
            D::count_epoch(skipped, chain.epoch) - parameters.max_skipped_keys_per_chain;
        skipped = D::ite(chain.present && excess > zero,
                         D::drop_oldest(skipped, chain.epoch, excess), skipped);
    }
    Int total = zero;
    for (const ChainSlot<D>& chain : chains) {
        total = total + D::ite(chain.present, D::count_epoch(skipped, chain.epoch), zero);
    }
    for (const ChainSlot<D>& chain : chains) {
        const Int over = total - parameters.max_skipped_keys_total;
        const Int drop = D::ite(chain.present && over > zero,
                                domain_min<D>(D::count_epoch(skipped, chain.epoch), over), zero);
        skipped = D::ite(drop > zero, D::drop_oldest(skipped, chain.epoch, drop), skipped);
        total = total - drop;
    }
    return skipped;
}

// push_chain appends a receiving chain, dropping the oldest chain (and its skipped keys) when all
// slots are in use.
template <Domain D>
void push_chain(AbstractParty<D>& party, const ChainSlot<D>& chain) {
    using Int = typename D::Int;
    const std::size_t slots = party.chains.size();
    Int used = D::literal(std::int64_t{0});
    for (const ChainSlot<D>& slot : party.chains) {
        used =
            used + D::ite(slot.present, D::literal(std::int64_t{1}), D::literal(std::int64_t{0}));
    }
    const typename D::Bool full = used == D::literal(static_cast<std::int64_t>(slots));
    party.skipped =
        D::ite(full, D::erase_epoch(party.skipped, party.chains[0].epoch), party.skipped);
    std::vector<ChainSlot<D>> next;
    next.reserve(slots);
    for (std::size_t slot = 0; slot < slots; ++slot) {
        const ChainSlot<D>& shifted = slot + 1 < slots ? party.chains[slot + 1] : chain;
        const ChainSlot<D> placed = select_slot<D>(
            used == D::literal(static_cast<std::int64_t>(slot)), chain, party.chains[slot]);
        next.push_back(select_slot<D>(full, shifted, placed));
    }
    party.chains = std::move(next);
}

// genuine_view is how `receiver` sees an unaltered copy of the message with `header`.
template <Domain D>
MessageView<D> genuine_view(const World<D>& world, const MessageHeader<D>& header) {
    const typename D::Bool yes = D::literal(true);
    return MessageView<D>{.parsed = yes,
                          .is_prekey = header.is_prekey,
                          .key_known = yes,
                          .epoch = header.epoch,
                          .key_agreement_ok = yes,
                          .counter = header.counter,
                          .previous_counter = header.previous_counter,
                          .identity_trusted = yes,
                          .base_key_genuine = yes,
                          .base_key_agreement_ok = yes,
                          .signed_prekey_genuine = yes,
                          .one_time_prekey = D::ite(
                              world.initiator_used_one_time_prekey,
                              D::literal(static_cast<std::int64_t>(OneTimePreKeyField::genuine)),
                              D::literal(static_cast<std::int64_t>(OneTimePreKeyField::absent))),
                          .authentic = yes};
}

// SessionStep is RatchetDecrypt on one session (stage_decrypt then commit_decrypt): the verdict,
// the session after an accepted message, and how the DH ratchet was involved.
template <Domain D>
struct SessionStep {
    typename D::Int verdict;
    AbstractParty<D> updated;  // meaningful when the verdict is ok
    // accepted_via_ratchet_step: the message was accepted through a DH ratchet step, so the
    // session moved to a new sending epoch.
    typename D::Bool accepted_via_ratchet_step;
    // attempted_ratchet_step: the message's ratchet key is unknown and passed key agreement, so
    // the DH step began whatever the verdict (a variant that generates the new ratchet key pair
    // before authentication uses up an epoch here).
    typename D::Bool attempted_ratchet_step;
};

// step_session runs DR §3.5 RatchetDecrypt on `session` for `message`, whose MAC verifies under
// this session exactly when `authentic`. The order of the checks is stage_decrypt's.
template <Domain D>
SessionStep<D> step_session(const Parameters<D>& parameters, const World<D>& world,
                            const AbstractParty<D>& session, const MessageView<D>& message,
                            typename D::Bool authentic) {
    using Bool = typename D::Bool;
    using Int = typename D::Int;
    const Int zero = D::literal(std::int64_t{0});
    const Int one = D::literal(std::int64_t{1});

    // The receiving chain of the message's ratchet key, if any.
    Bool found = D::literal(false);
    Int chain_index = zero;
    for (const ChainSlot<D>& chain : session.chains) {
        const Bool hit = chain.present && message.key_known && chain.epoch == message.epoch;
        found = found || hit;
        chain_index = D::ite(hit, chain.next_index, chain_index);
    }
    // TrySkippedMessageKeys / SkipMessageKeys on an existing chain.
    const Bool below = message.counter < chain_index;
    const Bool stored = D::contains(session.skipped, message.epoch, message.counter);
    const Bool too_far_on_chain =
        !below && message.counter - chain_index > parameters.max_forward_jump;
    // DHRatchet on an unknown key: the new chain starts at 0; only a message whose epoch was
    // derived against the receiver's current sending epoch authenticates.
    const Bool too_far_on_new_chain = message.counter > parameters.max_forward_jump;
    const Bool root_chain_matches =
        message.key_known &&
        D::contains(world.epoch_predecessor, message.epoch, session.sending_epoch);

    const Int rejected = verdict_value<D>(Verdict::rejected);
    const Int ok = verdict_value<D>(Verdict::ok);
    const Int on_chain = D::ite(
        below,
        D::ite(stored, D::ite(authentic, ok, rejected), verdict_value<D>(Verdict::duplicate)),
        D::ite(too_far_on_chain, verdict_value<D>(Verdict::too_far_ahead),
               D::ite(authentic, ok, rejected)));
    const Int on_new_chain =
        D::ite(!message.key_agreement_ok, rejected,
               D::ite(too_far_on_new_chain, verdict_value<D>(Verdict::too_far_ahead),
                      D::ite(authentic && root_chain_matches, ok, rejected)));
    const Int verdict = D::ite(found, on_chain, on_new_chain);
    const Bool accepted = verdict == ok;

    // The three ways to accept, and their effects. Every effect is computed from values that are
    // clamped when it does not apply, so no branch derives more than the limits allow.
    const Bool via_stored_key = accepted && found && below;
    const Bool via_chain_step = accepted && found && !below;
    const Bool via_ratchet_step = accepted && !found;
    AbstractParty<D> updated = session;

    // A stored key is deleted once used (deletion policy permitting).
    updated.skipped =
        D::ite(via_stored_key && parameters.delete_used_skipped_keys,
               D::erase(updated.skipped, message.epoch, message.counter), updated.skipped);
    // The chain moves past the message, storing the keys it skipped.
    updated.skipped = D::insert_range(updated.skipped, message.epoch, chain_index,
                                      D::ite(via_chain_step, message.counter, chain_index));
    for (ChainSlot<D>& chain : updated.chains) {
        const Bool hit = chain.present && message.key_known && chain.epoch == message.epoch;
        chain.next_index = D::ite(via_chain_step && hit, message.counter + one, chain.next_index);
    }
    // DHRatchet: PN = max(Ns - 1, 0) as libsignal sends it (SCHEMA.md §6.3), Ns = 0, a new
    // sending epoch, and a new receiving chain holding the keys below the message's counter.
    const AbstractParty<D> before_ratchet = updated;
    AbstractParty<D> ratcheted = updated;
    ratcheted.previous_counter = domain_max<D>(updated.sending_index - one, zero);
    ratcheted.sending_index = zero;
    ratcheted.sending_epoch = world.next_epoch;
    ratcheted.skipped = D::insert_range(updated.skipped, message.epoch, zero,
                                        D::ite(via_ratchet_step, message.counter, zero));
    push_chain<D>(ratcheted, ChainSlot<D>{.present = D::literal(true),
                                          .epoch = message.epoch,
                                          .next_index = message.counter + one});
    updated = select_party<D>(via_ratchet_step, ratcheted, before_ratchet);

    // commit_decrypt: bounds, and the peer has answered so PreKeySignalMessages stop.
    updated.skipped = enforce_skipped_bounds<D>(parameters, updated.chains, updated.skipped);
    updated.pending_prekey = D::literal(false);
    return SessionStep<D>{.verdict = verdict,
                          .updated = updated,
                          .accepted_via_ratchet_step = via_ratchet_step,
                          .attempted_ratchet_step = !found && message.key_agreement_ok};
}

// receive: `receiver` is handed `message` (PartyId::decrypt). Every rejection leaves the world
// unchanged (DR §3.5: a failed decryption discards its state changes), except that a variant
// generating ratchet keys early uses up epochs.
template <Domain D>
ReceiveStep<D> receive(const Parameters<D>& parameters, const World<D>& world, PartyId receiver,
                       const MessageView<D>& message) {
    using Bool = typename D::Bool;
    using Int = typename D::Int;
    const Int zero = D::literal(std::int64_t{0});
    const Int one = D::literal(std::int64_t{1});
    const Int absent_field = D::literal(static_cast<std::int64_t>(OneTimePreKeyField::absent));
    const Int genuine_field = D::literal(static_cast<std::int64_t>(OneTimePreKeyField::genuine));
    const Int ok = verdict_value<D>(Verdict::ok);
    const Int rejected = verdict_value<D>(Verdict::rejected);
    const AbstractParty<D>& current = world.parties[index_of(receiver)];

    // A PreKeySignalMessage whose base key names an existing session is a message of that
    // session (SCHEMA.md §6.5); otherwise it starts a new session (X3DH §3.4).
    const Bool untrusted = message.is_prekey && !message.identity_trusted;
    const Bool for_existing_session =
        message.is_prekey && message.base_key_genuine && current.has_session;
    const Bool new_session = message.is_prekey && !for_existing_session;
    const Bool no_session = !message.is_prekey && !current.has_session;
    // x3dh_respond: the signed prekey, then the one-time prekey, must be held (only Bob holds
    // prekeys), then every DH term must agree.
    const Bool prekeys_held =
        D::literal(receiver == PartyId::bob) && message.signed_prekey_genuine &&
        (message.one_time_prekey == absent_field ||
         (message.one_time_prekey == genuine_field && current.holds_one_time_prekey));
    const Bool x3dh_fails = new_session && (!prekeys_held || !message.base_key_agreement_ok);
    // The X3DH secret matches the initiator's only for her base key and her choice of DH4.
    const Bool x3dh_matches =
        message.base_key_genuine &&
        (message.one_time_prekey ==
         D::ite(world.initiator_used_one_time_prekey, genuine_field, absent_field));

    // The existing session's RatchetDecrypt, and a new session's (DR §3.3 RatchetInitBob: its
    // DHs is the signed prekey and it has no receiving chain).
    const SessionStep<D> existing =
        step_session<D>(parameters, world, current, message, message.authentic);
    AbstractParty<D> fresh = empty_party<D>(parameters, current.holds_one_time_prekey);
    fresh.has_session = D::literal(true);
    fresh.sending_epoch = parameters.signed_prekey_epoch;
    const SessionStep<D> started =
        step_session<D>(parameters, world, fresh, message, message.authentic && x3dh_matches);
    // A new session's message that fails authentication (or is too far ahead) is tried on the
    // existing session, as libsignal tries its sessions in turn: the outer fields are not
    // authenticated, so an altered base key must not lose a valid message. Its error is then
    // the existing session's.
    const Bool falls_back =
        current.has_session && started.verdict != ok && message.key_agreement_ok;
    const Bool on_existing = !new_session || falls_back;

    const Int verdict =
        D::ite(!message.parsed, rejected,
               D::ite(untrusted, rejected,
                      D::ite(no_session, verdict_value<D>(Verdict::no_session),
                             D::ite(x3dh_fails, rejected,
                                    D::ite(on_existing, existing.verdict, started.verdict)))));
    const Bool accepted = verdict == ok;

    AbstractParty<D> updated = select_party<D>(on_existing, existing.updated, started.updated);
    updated.has_session = D::literal(true);
    // A decrypted PreKeySignalMessage consumes the one-time prekey it names (X3DH §3.4), whichever
    // session decrypted it.
    updated.holds_one_time_prekey = D::ite(new_session && message.one_time_prekey == genuine_field,
                                           D::literal(false), updated.holds_one_time_prekey);

    ReceiveStep<D> step{.world = world, .verdict = verdict};
    step.world.parties[index_of(receiver)] = select_party<D>(accepted, updated, current);
    // A ratchet key pair is generated by an accepted DH step, or, when generation is not
    // deferred, by every attempt on which an unknown key passed key agreement.
    const Bool accepted_via_ratchet_step =
        accepted &&
        D::ite(on_existing, existing.accepted_via_ratchet_step, started.accepted_via_ratchet_step);
    const Bool past_x3dh = message.parsed && !untrusted && !no_session && !x3dh_fails;
    const Bool tried_existing = past_x3dh && on_existing && existing.attempted_ratchet_step;
    const Bool tried_started = past_x3dh && new_session && started.attempted_ratchet_step;
    const Int wasted_keys =
        D::ite(parameters.defer_ratchet_key_generation, zero,
               D::ite(tried_existing && !(accepted && on_existing), one, zero) +
                   D::ite(tried_started && !(accepted && !on_existing), one, zero));
    step.world.next_epoch =
        world.next_epoch + D::ite(accepted_via_ratchet_step, one, zero) + wasted_keys;
    step.world.epoch_predecessor =
        D::ite(accepted_via_ratchet_step,
               D::insert(world.epoch_predecessor, world.next_epoch, message.epoch),
               world.epoch_predecessor);
    step.world.accepted =
        D::ite(accepted, D::insert(world.accepted, message.epoch, message.counter), world.accepted);
    return step;
}

// deliverable: the genuine message `header` would be accepted by `receiver` now — the spec's
// "delivered within the limits": its chain is kept (or it is the next epoch), its counter is
// within max_forward_jump of the chain, and a late message's skipped key is still stored.
template <Domain D>
typename D::Bool deliverable(const Parameters<D>& parameters, const World<D>& world,
                             PartyId receiver, const MessageHeader<D>& header) {
    return receive<D>(parameters, world, receiver, genuine_view<D>(world, header)).verdict ==
           verdict_value<D>(Verdict::ok);
}

// save_restore serializes a party's state and loads it back: nothing observable changes.
template <Domain D>
World<D> save_restore(const World<D>& world, PartyId) {
    return world;
}

}  // namespace ratchetcheck::model
