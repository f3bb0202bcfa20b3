// The transitions of the model, written once over a Domain (see domain.hpp): no `if` on state,
// every choice a domain ite, every set operation a domain call (the one exception, decided_true,
// skips work on the concrete domain only and never changes a value). Loops run over the structural
// chain slots only. The order of the checks is the order in which the reference implementation
// makes them (Party::decrypt, stage_decrypt, commit_decrypt), because the model predicts the error
// where it can name it (duplicate, too_far_ahead, no_session).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "ratchetcheck/model/domain.hpp"
#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/model/state.hpp"

namespace ratchetcheck::model {

// max_counter is the largest counter a message can carry: N and PN are 32-bit fields on the wire
// (SCHEMA.md §6.3), and the implementation refuses to send when Ns has reached it rather than wrap
// (double_ratchet.cpp, encrypt_with_session). So every counter the model computes stays in
// [0, 2^32 - 1] and its integers never need to wrap (docs/proofs.md, "Counters").
inline constexpr std::int64_t max_counter = 4294967295;

// ---- small helpers over the domain --------------------------------------------------------------

// decided_true: `condition` is a machine bool (the concrete domain) that holds. A transition uses
// it only to skip computing a value that every later use masks out, i.e. that an ite on this very
// condition would discard. A symbolic domain's condition is never decided, so the formulas handed
// to Z3 are those of the code as written; the concrete run, which the property tests and the fuzz
// targets compare with the implementation, computes the same values with less work
// (docs/decisions.md E38).
template <Domain D>
constexpr bool decided_true(const typename D::Bool& condition) {
    if constexpr (std::is_same_v<typename D::Bool, bool>) {
        return condition;
    } else {
        return false;
    }
}

template <Domain D>
typename D::Int domain_min(D& domain, typename D::Int left, typename D::Int right) {
    return domain.ite(left < right, left, right);
}

template <Domain D>
typename D::Int domain_max(D& domain, typename D::Int left, typename D::Int right) {
    return domain.ite(left < right, right, left);
}

template <Domain D>
ChainSlot<D> select_slot(D& domain, typename D::Bool condition, const ChainSlot<D>& then_slot,
                         const ChainSlot<D>& else_slot) {
    return ChainSlot<D>{
        .present = domain.ite(condition, then_slot.present, else_slot.present),
        .epoch = domain.ite(condition, then_slot.epoch, else_slot.epoch),
        .next_index = domain.ite(condition, then_slot.next_index, else_slot.next_index),
        .skipped = domain.ite(condition, then_slot.skipped, else_slot.skipped),
        .skipped_count = domain.ite(condition, then_slot.skipped_count, else_slot.skipped_count),
        .dropped_below = domain.ite(condition, then_slot.dropped_below, else_slot.dropped_below)};
}

template <Domain D>
AbstractParty<D> select_party(D& domain, typename D::Bool condition,
                              const AbstractParty<D>& then_state,
                              const AbstractParty<D>& else_state) {
    AbstractParty<D> result{
        .has_session = domain.ite(condition, then_state.has_session, else_state.has_session),
        .sending_epoch = domain.ite(condition, then_state.sending_epoch, else_state.sending_epoch),
        .sending_index = domain.ite(condition, then_state.sending_index, else_state.sending_index),
        .previous_counter =
            domain.ite(condition, then_state.previous_counter, else_state.previous_counter),
        .pending_prekey =
            domain.ite(condition, then_state.pending_prekey, else_state.pending_prekey),
        .chains = {},  // filled slot by slot below
        .holds_one_time_prekey = domain.ite(condition, then_state.holds_one_time_prekey,
                                            else_state.holds_one_time_prekey)};
    result.chains.reserve(then_state.chains.size());
    for (std::size_t slot = 0; slot < then_state.chains.size(); ++slot) {
        result.chains.push_back(
            select_slot<D>(domain, condition, then_state.chains[slot], else_state.chains[slot]));
    }
    return result;
}

// empty_slot is an unused chain slot: not present, every field zero, no skipped keys.
template <Domain D>
ChainSlot<D> empty_slot(D& domain) {
    const typename D::Int zero = domain.literal(std::int64_t{0});
    return ChainSlot<D>{.present = domain.literal(false),
                        .epoch = zero,
                        .next_index = zero,
                        .skipped = domain.empty_counters(),
                        .skipped_count = zero,
                        .dropped_below = zero};
}

// new_chain is a receiving chain of `epoch` that has just yielded the key of message `counter`:
// the keys below it are stored as skipped (DR §3.5 SkipMessageKeys from 0).
template <Domain D>
ChainSlot<D> new_chain(D& domain, typename D::Int epoch, typename D::Int counter) {
    const typename D::Int zero = domain.literal(std::int64_t{0});
    return ChainSlot<D>{.present = domain.literal(true),
                        .epoch = epoch,
                        .next_index = counter + domain.literal(std::int64_t{1}),
                        .skipped = domain.insert_range(domain.empty_counters(), zero, counter),
                        .skipped_count = counter,
                        .dropped_below = zero};
}

// empty_party is a participant with no session.
template <Domain D>
AbstractParty<D> empty_party(D& domain, const Parameters<D>& parameters,
                             typename D::Bool holds_one_time_prekey) {
    const typename D::Int zero = domain.literal(std::int64_t{0});
    return AbstractParty<D>{
        .has_session = domain.literal(false),
        .sending_epoch = zero,
        .sending_index = zero,
        .previous_counter = zero,
        .pending_prekey = domain.literal(false),
        .chains = std::vector<ChainSlot<D>>(parameters.max_receiving_chains, empty_slot(domain)),
        .holds_one_time_prekey = holds_one_time_prekey};
}

// ---- session start (X3DH §3.3, DR §3.3) ---------------------------------------------------------

// initial_world: Bob has published a signed prekey (epoch `signed_prekey_epoch`, his first
// ratchet key) and, if `one_time_prekey_published`, one one-time prekey; nobody has a session.
template <Domain D>
World<D> initial_world(D& domain, const Parameters<D>& parameters,
                       typename D::Bool one_time_prekey_published) {
    const typename D::Int bob = domain.literal(static_cast<std::int64_t>(PartyId::bob));
    return World<D>{
        .parties = {empty_party<D>(domain, parameters, domain.literal(false)),
                    empty_party<D>(domain, parameters, one_time_prekey_published)},
        .next_epoch = parameters.signed_prekey_epoch + domain.literal(std::int64_t{1}),
        .epoch_owner = domain.insert(domain.empty_pairs(), parameters.signed_prekey_epoch, bob),
        .epoch_predecessor = domain.empty_pairs(),
        .sent = domain.empty_pairs(),
        .accepted = domain.empty_pairs(),
        .initiator_used_one_time_prekey = domain.literal(false)};
}

// x3dh_initiate is Alice's initiate_session on Bob's bundle (X3DH §3.3) followed by
// RatchetInitAlice in libsignal's form (DR §3.3): the X3DH chain becomes a receiving chain of the
// signed prekey's epoch (never used by a genuine message), and a first DH step with a fresh
// ratchet key (a new epoch, derived against the signed prekey) gives the sending chain.
template <Domain D>
World<D> x3dh_initiate(D& domain, const Parameters<D>& parameters, const World<D>& world) {
    World<D> next = world;
    AbstractParty<D>& alice = next.parties[index_of(PartyId::alice)];
    const typename D::Int zero = domain.literal(std::int64_t{0});
    // Variant initiator_generates_ratchet_key false: no key pair of her own, Bob's signed
    // prekey's epoch instead (and the allocator does not move).
    const typename D::Bool generates = parameters.initiator_generates_ratchet_key;
    const typename D::Int new_epoch =
        domain.ite(generates, world.next_epoch, parameters.signed_prekey_epoch);
    alice.has_session = domain.literal(true);
    alice.sending_epoch = new_epoch;
    alice.sending_index = zero;
    alice.previous_counter = zero;
    alice.pending_prekey = domain.literal(true);
    alice.chains.assign(parameters.max_receiving_chains, empty_slot(domain));
    alice.chains[0].present = domain.literal(true);
    alice.chains[0].epoch = parameters.signed_prekey_epoch;
    next.next_epoch =
        domain.ite(generates, new_epoch + domain.literal(std::int64_t{1}), world.next_epoch);
    next.epoch_owner = domain.insert(world.epoch_owner, new_epoch,
                                     domain.literal(static_cast<std::int64_t>(PartyId::alice)));
    next.epoch_predecessor =
        domain.insert(world.epoch_predecessor, new_epoch, parameters.signed_prekey_epoch);
    // The bundle carries the one-time prekey exactly when Bob published one.
    next.initiator_used_one_time_prekey =
        world.parties[index_of(PartyId::bob)].holds_one_time_prekey;
    return next;
}

// ---- sending (DR §3.4 RatchetEncrypt) -----------------------------------------------------------

template <Domain D>
struct SendStep {
    World<D> world;
    typename D::Int verdict;  // ok, no_session, or too_far_ahead when Ns has reached max_counter
    MessageHeader<D> header;  // meaningful when verdict is ok
};

// send: the sender's header is (DHs, PN, Ns), then Ns += 1. No session: no_session; Ns at
// max_counter: too_far_ahead (the implementation refuses to wrap the 32-bit counter). A refused
// send changes nothing.
template <Domain D>
SendStep<D> send(D& domain, const Parameters<D>& parameters, const World<D>& world,
                 PartyId sender) {
    const AbstractParty<D>& party = world.parties[index_of(sender)];
    const typename D::Bool room = party.sending_index < domain.literal(max_counter);
    const typename D::Bool ok = party.has_session && room;
    SendStep<D> step{
        .world = world,
        .verdict = domain.ite(!party.has_session, verdict_value<D>(domain, Verdict::no_session),
                              domain.ite(room, verdict_value<D>(domain, Verdict::ok),
                                         verdict_value<D>(domain, Verdict::too_far_ahead))),
        .header = MessageHeader<D>{.is_prekey = party.pending_prekey,
                                   .epoch = party.sending_epoch,
                                   .counter = party.sending_index,
                                   .previous_counter = party.previous_counter}};
    AbstractParty<D>& updated = step.world.parties[index_of(sender)];
    updated.sending_index =
        domain.ite(ok && parameters.advance_sending_counter,
                   party.sending_index + domain.literal(std::int64_t{1}), party.sending_index);
    step.world.sent = domain.ite(
        ok, domain.insert(world.sent, party.sending_epoch, party.sending_index), world.sent);
    return step;
}

// ---- receiving (DR §3.5 RatchetDecrypt, X3DH §3.4) ----------------------------------------------

template <Domain D>
struct ReceiveStep {
    World<D> world;
    typename D::Int verdict;  // ok: the message (view.epoch, view.counter) was accepted
};

// drop_oldest_keys drops the `how_many` oldest skipped keys of `chain` when `condition` holds,
// keeping the ghost count and the drop floor (how_many must not exceed the count).
template <Domain D>
void drop_oldest_keys(D& domain, ChainSlot<D>& chain, typename D::Bool condition,
                      typename D::Int how_many) {
    const typename D::Int threshold = domain.drop_threshold(chain.skipped, how_many);
    chain.skipped =
        domain.ite(condition, domain.keep_from(chain.skipped, threshold), chain.skipped);
    chain.skipped_count =
        domain.ite(condition, chain.skipped_count - how_many, chain.skipped_count);
    // The floor never passes the chain's next index: every key below the threshold was dropped,
    // and there are none at or above the next index (a symbolic threshold is unconstrained, so
    // the model clamps it rather than assume it).
    chain.dropped_below = domain.ite(
        condition,
        domain_max(domain, chain.dropped_below, domain_min(domain, threshold, chain.next_index)),
        chain.dropped_below);
}

// enforce_skipped_bounds keeps MKSKIPPED within its bounds, dropping the oldest keys first:
// per chain, then over the session, oldest chain first (libsignal MAX_MESSAGE_KEYS).
template <Domain D>
void enforce_skipped_bounds(D& domain, const Parameters<D>& parameters,
                            std::vector<ChainSlot<D>>& chains) {
    using Int = typename D::Int;
    const Int zero = domain.literal(std::int64_t{0});
    const typename D::Bool active = parameters.enforce_skipped_key_bounds;
    for (ChainSlot<D>& chain : chains) {
        const Int excess = chain.skipped_count - parameters.max_skipped_keys_per_chain;
        drop_oldest_keys(domain, chain, active && chain.present && excess > zero, excess);
    }
    Int total = zero;
    for (const ChainSlot<D>& chain : chains)
        total = total + domain.ite(chain.present, chain.skipped_count, zero);
    for (ChainSlot<D>& chain : chains) {
        const Int over = total - parameters.max_skipped_keys_total;
        const Int drop = domain.ite(active && chain.present && over > zero,
                                    domain_min(domain, chain.skipped_count, over), zero);
        drop_oldest_keys(domain, chain, drop > zero, drop);
        total = total - drop;
    }
}

// push_chain appends a receiving chain, dropping the oldest chain (and its skipped keys) when all
// slots are in use.
template <Domain D>
void push_chain(D& domain, const Parameters<D>& parameters, AbstractParty<D>& party,
                const ChainSlot<D>& chain) {
    using Int = typename D::Int;
    const std::size_t slots = party.chains.size();
    Int used = domain.literal(std::int64_t{0});
    for (const ChainSlot<D>& slot : party.chains) {
        used = used + domain.ite(slot.present, domain.literal(std::int64_t{1}),
                                 domain.literal(std::int64_t{0}));
    }
    const typename D::Bool full = used == domain.literal(static_cast<std::int64_t>(slots));
    std::vector<ChainSlot<D>> next;
    next.reserve(slots);
    for (std::size_t slot = 0; slot < slots; ++slot) {
        const ChainSlot<D>& moved_down = slot + 1 < slots ? party.chains[slot + 1] : chain;
        // The variant that does not shift overwrites the oldest slot in place.
        const ChainSlot<D> shifted =
            select_slot<D>(domain, parameters.shift_chains_on_eviction, moved_down,
                           slot == 0 ? chain : party.chains[slot]);
        const ChainSlot<D> placed =
            select_slot<D>(domain, used == domain.literal(static_cast<std::int64_t>(slot)), chain,
                           party.chains[slot]);
        next.push_back(select_slot<D>(domain, full, shifted, placed));
    }
    party.chains = std::move(next);
}

// genuine_view is how the receiver sees an unaltered copy of the message with `header`.
template <Domain D>
MessageView<D> genuine_view(D& domain, const World<D>& world, const MessageHeader<D>& header) {
    const typename D::Bool yes = domain.literal(true);
    return MessageView<D>{
        .parsed = yes,
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
        .one_time_prekey =
            domain.ite(world.initiator_used_one_time_prekey,
                       domain.literal(static_cast<std::int64_t>(OneTimePreKeyField::genuine)),
                       domain.literal(static_cast<std::int64_t>(OneTimePreKeyField::absent))),
        .authentic = yes};
}

// well_formed_view is the adversary's rule: the views the abstraction function can produce for a
// message handed to `receiver` in `world`, whatever its bytes. The adversary chooses every field
// freely except that (a) only a message sent by the receiver's peer authenticates, and it carries
// that message's epoch and counter; (b) a ratchet key names an existing epoch or none (epoch -1);
// a named key is a real public key, so it parses and agrees; (c) counters are 32-bit; (d) the
// one-time prekey field is one of its three values and a genuine base key agrees. The harness
// asserts it of the view of every message of every property run (side_by_side.cpp), and the
// proofs assume it of the adversary's messages.
template <Domain D>
typename D::Bool well_formed_view(D& domain, const World<D>& world, PartyId receiver,
                                  const MessageView<D>& view) {
    using Int = typename D::Int;
    const Int zero = domain.literal(std::int64_t{0});
    const Int peer = domain.literal(static_cast<std::int64_t>(peer_of(receiver)));
    const Int largest = domain.literal(max_counter);
    const Int field = view.one_time_prekey;
    const typename D::Bool authentic_is_sent =
        !view.authentic ||
        (view.parsed && view.key_known && domain.contains(world.sent, view.epoch, view.counter) &&
         domain.contains(world.epoch_owner, view.epoch, peer));
    const typename D::Bool key_is_epoch = domain.ite(
        view.key_known,
        view.parsed && view.key_agreement_ok && zero <= view.epoch && view.epoch < world.next_epoch,
        view.epoch == domain.literal(std::int64_t{-1}));
    const typename D::Bool counters_fit = zero <= view.counter && view.counter <= largest &&
                                          zero <= view.previous_counter &&
                                          view.previous_counter <= largest;
    const typename D::Bool prekey_fields =
        zero <= field &&
        field <= domain.literal(static_cast<std::int64_t>(OneTimePreKeyField::other)) &&
        (!view.base_key_genuine || view.base_key_agreement_ok);
    return authentic_is_sent && key_is_epoch && counters_fit && prekey_fields;
}

// SessionStep is RatchetDecrypt on one session (stage_decrypt then commit_decrypt): the verdict,
// the session after an accepted message, and how the DH ratchet was involved.
template <Domain D>
struct SessionStep {
    typename D::Int verdict;
    // commits: the session changes to `updated`. Exactly when the verdict is ok, unless the
    // variant commits before authentication.
    typename D::Bool commits;
    AbstractParty<D> updated;  // meaningful when commits
    // ratchet_step_taken: the session committed through a DH ratchet step, so it moved to a new
    // sending epoch.
    typename D::Bool ratchet_step_taken;
    // attempted_ratchet_step: the message's ratchet key is unknown and passed key agreement, so
    // the DH step began whatever the verdict (a variant that generates the new ratchet key pair
    // before authentication uses up an epoch here).
    typename D::Bool attempted_ratchet_step;
};

// step_session runs DR §3.5 RatchetDecrypt on `session` for `message`, whose MAC verifies under
// this session exactly when `authentic`. The order of the checks is stage_decrypt's.
template <Domain D>
SessionStep<D> step_session(D& domain, const Parameters<D>& parameters, const World<D>& world,
                            const AbstractParty<D>& session, const MessageView<D>& message,
                            typename D::Bool authentic) {
    using Bool = typename D::Bool;
    using Int = typename D::Int;
    const Int zero = domain.literal(std::int64_t{0});
    const Int one = domain.literal(std::int64_t{1});

    // The receiving chain of the message's ratchet key, if any, and its stored key for the
    // message's counter.
    Bool found = domain.literal(false);
    Bool stored = domain.literal(false);
    Int chain_index = zero;
    for (const ChainSlot<D>& chain : session.chains) {
        const Bool hit = chain.present && message.key_known && chain.epoch == message.epoch;
        found = found || hit;
        stored = stored || (hit && domain.contains(chain.skipped, message.counter));
        chain_index = domain.ite(hit, chain.next_index, chain_index);
    }
    // TrySkippedMessageKeys / SkipMessageKeys on an existing chain. A message below the chain
    // without a stored key is a duplicate, unless the variant rewinds the chain to it.
    const Bool below = message.counter < chain_index;
    const Bool rewinds = found && below && !stored && !parameters.reject_old_counters;
    const Bool too_far_on_chain = parameters.enforce_forward_jump && !below &&
                                  message.counter - chain_index > parameters.max_forward_jump;
    // DHRatchet on an unknown key: the new chain starts at 0; only a message whose epoch was
    // derived against the receiver's current sending epoch authenticates.
    const Bool too_far_on_new_chain =
        parameters.enforce_forward_jump && message.counter > parameters.max_forward_jump;
    const Bool root_chain_matches =
        message.key_known &&
        domain.contains(world.epoch_predecessor, message.epoch, session.sending_epoch);

    const Int rejected = verdict_value<D>(domain, Verdict::rejected);
    const Int ok = verdict_value<D>(domain, Verdict::ok);
    const auto verdict_if = [&](Bool authenticates) {
        const Int on_chain = domain.ite(
            below && !rewinds,
            domain.ite(stored, domain.ite(authenticates, ok, rejected),
                       verdict_value<D>(domain, Verdict::duplicate)),
            domain.ite(too_far_on_chain, verdict_value<D>(domain, Verdict::too_far_ahead),
                       domain.ite(authenticates, ok, rejected)));
        const Int on_new_chain = domain.ite(
            !message.key_agreement_ok, rejected,
            domain.ite(too_far_on_new_chain, verdict_value<D>(domain, Verdict::too_far_ahead),
                       domain.ite(authenticates &&
                                      (root_chain_matches || !parameters.check_authentication),
                                  ok, rejected)));
        return domain.ite(found, on_chain, on_new_chain);
    };
    const Int verdict = verdict_if(authentic || !parameters.check_authentication);
    // The variant that commits before authentication changes the session as if the MAC had
    // verified; the specified one only on an ok verdict.
    const Bool commits = verdict_if(authentic || !parameters.check_authentication ||
                                    !parameters.authenticate_before_commit) == ok;

    // The three ways to accept, and their effects. Every effect is computed from values that are
    // clamped when it does not apply, so no branch derives more than the limits allow.
    const Bool via_stored_key = commits && found && below;
    const Bool via_chain_step = commits && found && (!below || rewinds);
    const Bool via_ratchet_step = commits && !found;
    AbstractParty<D> updated = session;
    for (ChainSlot<D>& chain : updated.chains) {
        const Bool hit = chain.present && message.key_known && chain.epoch == message.epoch;
        // A stored key is deleted once used (deletion policy permitting).
        const Bool delete_key = via_stored_key && hit && parameters.delete_used_skipped_keys;
        chain.skipped =
            domain.ite(delete_key, domain.erase(chain.skipped, message.counter), chain.skipped);
        chain.skipped_count =
            domain.ite(delete_key, chain.skipped_count - one, chain.skipped_count);
        // The chain moves past the message, storing the keys it skipped.
        const Bool steps = via_chain_step && hit;
        chain.skipped = domain.insert_range(chain.skipped, chain.next_index,
                                            domain.ite(steps, message.counter, chain.next_index));
        // (A rewind stores nothing: the range is empty and the count does not go down.)
        chain.skipped_count = chain.skipped_count +
                              domain.ite(steps && !below, message.counter - chain.next_index, zero);
        chain.next_index = domain.ite(steps, message.counter + one, chain.next_index);
    }
    // DHRatchet: PN = max(Ns - 1, 0) as libsignal sends it (SCHEMA.md §6.3), Ns = 0, a new
    // sending epoch, and a new receiving chain holding the keys below the message's counter.
    // (Only the selection below uses the ratcheted party: skipped when decided against.)
    if (!decided_true<D>(!via_ratchet_step)) {
        AbstractParty<D> ratcheted = updated;
        ratcheted.previous_counter = domain.ite(
            parameters.correct_previous_counter,
            domain_max(domain, updated.sending_index - one, zero), updated.sending_index);
        ratcheted.sending_index =
            domain.ite(parameters.reset_counters_on_ratchet, zero, updated.sending_index);
        ratcheted.sending_epoch =
            domain.ite(parameters.fresh_ratchet_key, world.next_epoch, updated.sending_epoch);
        push_chain<D>(
            domain, parameters, ratcheted,
            new_chain(domain, message.epoch, domain.ite(via_ratchet_step, message.counter, zero)));
        updated = select_party<D>(domain, via_ratchet_step, ratcheted, updated);
    }

    // commit_decrypt: bounds, and the peer has answered so PreKeySignalMessages stop.
    enforce_skipped_bounds<D>(domain, parameters, updated.chains);
    updated.pending_prekey = domain.literal(false);
    return SessionStep<D>{.verdict = verdict,
                          .commits = commits,
                          .updated = updated,
                          .ratchet_step_taken = via_ratchet_step,
                          .attempted_ratchet_step = !found && message.key_agreement_ok};
}

// receive: `receiver` is handed `message` (Party::decrypt). Every rejection leaves the world
// unchanged (DR §3.5: a failed decryption discards its state changes), except that a variant
// generating ratchet keys early uses up epochs.
template <Domain D>
ReceiveStep<D> receive(D& domain, const Parameters<D>& parameters, const World<D>& world,
                       PartyId receiver, const MessageView<D>& message) {
    using Bool = typename D::Bool;
    using Int = typename D::Int;
    const Int zero = domain.literal(std::int64_t{0});
    const Int one = domain.literal(std::int64_t{1});
    const Int absent_field = domain.literal(static_cast<std::int64_t>(OneTimePreKeyField::absent));
    const Int genuine_field =
        domain.literal(static_cast<std::int64_t>(OneTimePreKeyField::genuine));
    const Int ok = verdict_value<D>(domain, Verdict::ok);
    const Int rejected = verdict_value<D>(domain, Verdict::rejected);
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
        domain.literal(receiver == PartyId::bob) && message.signed_prekey_genuine &&
        (message.one_time_prekey == absent_field ||
         (message.one_time_prekey == genuine_field && current.holds_one_time_prekey));
    const Bool x3dh_fails = new_session && (!prekeys_held || !message.base_key_agreement_ok);
    // The X3DH secret matches the initiator's only for her base key and her choice of DH4.
    const Bool x3dh_matches =
        message.base_key_genuine &&
        (message.one_time_prekey ==
         domain.ite(world.initiator_used_one_time_prekey, genuine_field, absent_field));

    // The existing session's RatchetDecrypt, and a new session's (DR §3.3 RatchetInitBob: its
    // DHs is the signed prekey and it has no receiving chain).
    const SessionStep<D> existing =
        step_session<D>(domain, parameters, world, current, message, message.authentic);
    const auto start_session = [&] {
        AbstractParty<D> fresh = empty_party<D>(domain, parameters, current.holds_one_time_prekey);
        fresh.has_session = domain.literal(true);
        fresh.sending_epoch = parameters.signed_prekey_epoch;
        return step_session<D>(domain, parameters, world, fresh, message,
                               message.authentic && x3dh_matches);
    };
    // Every use of `started` below is masked by new_session (through on_existing and
    // tried_started): when no new session can start, any value will do.
    const SessionStep<D> started = decided_true<D>(!new_session) ? existing : start_session();
    // A new session's message that fails authentication (or is too far ahead) is tried on the
    // existing session, as libsignal tries its sessions in turn: the outer fields are not
    // authenticated, so an altered base key must not lose a valid message. Its error is then
    // the existing session's. Under libsignal 0.75+'s rule no other session is tried (E79).
    const Bool falls_back = parameters.prekey_message_tries_every_session && current.has_session &&
                            started.verdict != ok && message.key_agreement_ok;
    const Bool on_existing = !new_session || falls_back;

    const Int verdict = domain.ite(
        !message.parsed, rejected,
        domain.ite(
            untrusted, rejected,
            domain.ite(no_session, verdict_value<D>(domain, Verdict::no_session),
                       domain.ite(x3dh_fails, rejected,
                                  domain.ite(on_existing, existing.verdict, started.verdict)))));
    const Bool accepted = verdict == ok;
    const Bool past_x3dh = message.parsed && !untrusted && !no_session && !x3dh_fails;
    const Bool commits = past_x3dh && domain.ite(on_existing, existing.commits, started.commits);

    AbstractParty<D> updated =
        select_party<D>(domain, on_existing, existing.updated, started.updated);
    updated.has_session = domain.literal(true);
    // A decrypted PreKeySignalMessage consumes the one-time prekey it names (X3DH §3.4), whichever
    // session decrypted it.
    updated.holds_one_time_prekey =
        domain.ite(parameters.consume_one_time_prekey && new_session &&
                       message.one_time_prekey == genuine_field,
                   domain.literal(false), updated.holds_one_time_prekey);

    ReceiveStep<D> step{.world = world, .verdict = verdict};
    step.world.parties[index_of(receiver)] = select_party<D>(domain, commits, updated, current);
    // A ratchet key pair is generated by a committed DH step, or, when generation is not
    // deferred, by every attempt on which an unknown key passed key agreement.
    const Bool ratchet_step_taken =
        commits && domain.ite(on_existing, existing.ratchet_step_taken, started.ratchet_step_taken);
    const Bool new_key = ratchet_step_taken && parameters.fresh_ratchet_key;
    const Bool tried_existing = past_x3dh && on_existing && existing.attempted_ratchet_step;
    const Bool tried_started = past_x3dh && new_session && started.attempted_ratchet_step;
    const Bool wasted_existing =
        !parameters.defer_ratchet_key_generation && tried_existing && !(commits && on_existing);
    const Bool wasted_started =
        !parameters.defer_ratchet_key_generation && tried_started && !(commits && !on_existing);
    const Int receiver_id = domain.literal(static_cast<std::int64_t>(receiver));
    // Epochs are numbered in generation order: the DH step's key first, then wasted keys. A
    // repeating generator (variant) gives the next DH step the same key pair again.
    Int next_epoch = world.next_epoch;
    typename D::KeySet owners = world.epoch_owner;
    for (const Bool& generated : {new_key, wasted_existing, wasted_started}) {
        owners = domain.ite(generated, domain.insert(owners, next_epoch, receiver_id), owners);
        next_epoch =
            next_epoch + domain.ite(generated && parameters.distinct_ratchet_keys, one, zero);
    }
    step.world.next_epoch = next_epoch;
    step.world.epoch_owner = owners;
    step.world.epoch_predecessor =
        domain.ite(ratchet_step_taken,
                   domain.insert(world.epoch_predecessor, updated.sending_epoch, message.epoch),
                   world.epoch_predecessor);
    step.world.accepted = domain.ite(
        accepted, domain.insert(world.accepted, message.epoch, message.counter), world.accepted);
    return step;
}

// deliverable: the genuine message `header` would be accepted by `receiver` now — the spec's
// "delivered within the limits": its chain is kept (or it is the next epoch), its counter is
// within max_forward_jump of the chain, and a late message's skipped key is still stored.
template <Domain D>
typename D::Bool deliverable(D& domain, const Parameters<D>& parameters, const World<D>& world,
                             PartyId receiver, const MessageHeader<D>& header) {
    return receive<D>(domain, parameters, world, receiver, genuine_view<D>(domain, world, header))
               .verdict == verdict_value<D>(domain, Verdict::ok);
}

// save_restore serializes a party's state and loads it back: nothing observable changes.
// Variant restore_keeps_sending_index false: a restored session's sending chain starts again at
// Ns = 0 (a state codec that drops Ns).
template <Domain D>
World<D> save_restore(D& domain, const Parameters<D>& parameters, const World<D>& world,
                      PartyId party) {
    World<D> result = world;
    AbstractParty<D>& restored = result.parties[index_of(party)];
    restored.sending_index = domain.ite(parameters.restore_keeps_sending_index,
                                        restored.sending_index, domain.literal(std::int64_t{0}));
    return result;
}

// network_duplicate is the adversary's copy of the sent message (epoch, counter): it changes
// the network only, no party's state and not the ghost ledger of what was sent. Variant
// ledger_ignores_copies false: the ledger logs the copy as a further message of its sender, one
// counter on -- a mistake in the model's network semantics rather than a protocol variant, there
// so that the prover's network obligations can be seen to fail (docs/proofs.md).
template <Domain D>
World<D> network_duplicate(D& domain, const Parameters<D>& parameters, const World<D>& world,
                           typename D::Int epoch, typename D::Int counter) {
    World<D> result = world;
    result.sent =
        domain.ite(parameters.ledger_ignores_copies, world.sent,
                   domain.insert(world.sent, epoch, counter + domain.literal(std::int64_t{1})));
    return result;
}

}  // namespace ratchetcheck::model
