// The model's parameters. They mirror the implementation's Profile (which the model does not
// include: the harness converts one into the other) plus the switches that turn the model into
// a protocol variant. A researcher's variant is a new value here, or a changed transition, never
// a fork of the model.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ratchetcheck/model/domain.hpp"

namespace ratchetcheck::model {

// Limits are the numeric bounds of DR §3.5 and of libsignal's session record, as plain values.
struct Limits {
    // max_forward_jump: a message whose counter exceeds its chain's next index by more than this
    // is rejected as too_far_ahead (DR §3.5 MAX_SKIP).
    std::int64_t max_forward_jump = 2000;
    // max_skipped_keys_per_chain: stored skipped keys per receiving chain, oldest dropped first.
    std::int64_t max_skipped_keys_per_chain = 2000;
    // max_skipped_keys_total: stored skipped keys over all chains, oldest chain first.
    std::int64_t max_skipped_keys_total = 10000;
    // max_receiving_chains: receiving chains kept, current included; the oldest is dropped.
    // Structural: it fixes the number of chain slots of the state, so it stays a machine value
    // even in a symbolic domain.
    std::size_t max_receiving_chains = 5;

    bool operator==(const Limits&) const = default;
};

// Variant collects the behavioural switches that distinguish protocol variants. Every switch
// defaults to the specified behaviour; the others are the deliberately broken variants under which
// the invariants of proofs/ must fail (their witnesses, docs/invariants.md), and the researcher's
// "what breaks if I change this?".
struct Variant {
    // defer_ratchet_key_generation: the new sending ratchet key of a DH step is generated only
    // after the message has authenticated (libsignal; DR §3.5 allows it because a failed
    // decryption must leave the state unchanged). When false, the key is generated as soon as an
    // unknown ratchet key passes key agreement, so a rejected message still uses up an epoch.
    bool defer_ratchet_key_generation = true;
    // delete_used_skipped_keys: a stored skipped message key is deleted when it decrypts a
    // message (DR §3.5 TrySkippedMessageKeys: "del state.MKSKIPPED[...]"). When false the key is
    // kept, so a replay of a late message is accepted again.
    bool delete_used_skipped_keys = true;
    // enforce_forward_jump: a message more than max_forward_jump ahead of its chain is rejected
    // (DR §3.5 SkipMessageKeys, MAX_SKIP). When false any jump is taken.
    bool enforce_forward_jump = true;
    // enforce_skipped_key_bounds: stored skipped keys are kept within the per-chain and total
    // bounds, oldest dropped first. When false the store grows without bound.
    bool enforce_skipped_key_bounds = true;
    // reset_counters_on_ratchet: a DH step starts the new sending chain at Ns = 0 (DR §3.5
    // DHRatchet). When false Ns carries on from the old chain.
    bool reset_counters_on_ratchet = true;
    // correct_previous_counter: a DH step sets PN to the previous sending chain's length as
    // libsignal sends it (max(Ns - 1, 0), SCHEMA.md §6.3). When false PN is one more.
    bool correct_previous_counter = true;
    // fresh_ratchet_key: a DH step generates a new ratchet key pair (DR §3.5 DHRatchet calls
    // GENERATE_DH, DR §3.1). When false the old sending key is reused, so the new sending chain
    // repeats (epoch, counter)s.
    bool fresh_ratchet_key = true;
    // authenticate_before_commit: a received message changes the session only once it has
    // authenticated (DR §3.5: "if an exception is raised ... discard any changes"). When false a
    // message that fails authentication still moves the receiving chain as if it had passed.
    bool authenticate_before_commit = true;
    // consume_one_time_prekey: a PreKeySignalMessage that starts a session deletes the one-time
    // prekey it used (X3DH §3.4). When false the one-time prekey is kept.
    bool consume_one_time_prekey = true;
    // advance_sending_counter: RatchetEncrypt increments Ns (DR §3.4). When false the sender
    // encrypts the next message under the same (ratchet key, counter): a nonce-reuse bug.
    bool advance_sending_counter = true;
    // check_authentication: a message is accepted only if its MAC verifies (DR §3.5 DECRYPT,
    // X3DH §3.4). When false every message authenticates, forgeries included, and so does one
    // decrypted on the wrong root chain (its keys are garbage, but nothing checks them).
    bool check_authentication = true;
    // shift_chains_on_eviction: when every receiving-chain slot is in use, the oldest chain is
    // dropped and the others move down, so the chains stay oldest first. When false the new chain
    // overwrites the oldest slot in place, out of order.
    bool shift_chains_on_eviction = true;
    // distinct_ratchet_keys: every ratchet key pair a DH step generates is new (DR §3.5
    // GENERATE_DH with a working random generator). When false the generator repeats itself: the
    // next DH step, of either party, gets the same key pair again, so two parties can own the
    // same ratchet key.
    bool distinct_ratchet_keys = true;
    // reject_old_counters: a message below its chain's next index is accepted only through a
    // stored skipped key; without one it is a duplicate (DR §3.5: the chain only moves forward).
    // When false such a message rewinds the chain to just past it, leaving stored keys ahead of
    // the chain.
    bool reject_old_counters = true;
    // initiator_generates_ratchet_key: RatchetInitAlice generates a ratchet key pair of its own
    // for the first sending chain (DR §3.3: DHs = GENERATE_DH()). When false Alice sends on the
    // signed prekey's epoch, Bob's key, as if it were hers.
    bool initiator_generates_ratchet_key = true;
    // restore_keeps_sending_index: a saved and restored session sends on from its Ns (the state
    // format keeps it, docs/state-format.md). When false the restored sending chain starts again
    // at Ns = 0, so the next message repeats an (epoch, counter) already sent.
    bool restore_keeps_sending_index = true;
    // ledger_ignores_copies: the adversary's duplicate changes the network only. When false the
    // model's ghost ledger logs the copy as a further message of its sender, one counter on: a
    // mistake in the model (not a protocol variant) under which the network obligations fail.
    bool ledger_ignores_copies = true;

    bool operator==(const Variant&) const = default;
};

// ProfileRules are the behavioural rules in which the protocol profiles differ (the harness
// converts the implementation's Profile into them, as it does the limits). Unlike Variant's
// switches, every value is a deployed implementation's behaviour, not a deliberately broken one.
// The proofs of proofs/ run with the defaults, signal-v3's rules.
struct ProfileRules {
    // prekey_message_tries_every_session: a PreKeySignalMessage whose new session cannot decrypt
    // it is tried on the session the receiver already has, so an altered base key does not lose
    // a valid message (libsignal-protocol-c, signal-v3). When false (libsignal 0.75+,
    // signal-v4-pqxdh) it is decrypted under the session it starts or names only, and otherwise
    // refused (docs/decisions.md E79).
    bool prekey_message_tries_every_session = true;

    bool operator==(const ProfileRules&) const = default;
};

// Parameters<D> is what the transitions read. The numeric limits are domain integers so that a
// symbolic domain can leave them unconstrained (proofs unbounded in MAX_SKIP); the chain-slot
// count is structural. The variant switches are domain booleans so that one symbolic transition
// relation covers a variant by fixing them.
template <Domain D>
struct Parameters {
    typename D::Int max_forward_jump;
    typename D::Int max_skipped_keys_per_chain;
    typename D::Int max_skipped_keys_total;
    std::size_t max_receiving_chains;
    typename D::Bool defer_ratchet_key_generation;
    typename D::Bool delete_used_skipped_keys;
    typename D::Bool enforce_forward_jump;
    typename D::Bool enforce_skipped_key_bounds;
    typename D::Bool reset_counters_on_ratchet;
    typename D::Bool correct_previous_counter;
    typename D::Bool fresh_ratchet_key;
    typename D::Bool authenticate_before_commit;
    typename D::Bool consume_one_time_prekey;
    typename D::Bool advance_sending_counter;
    typename D::Bool check_authentication;
    typename D::Bool shift_chains_on_eviction;
    typename D::Bool distinct_ratchet_keys;
    typename D::Bool reject_old_counters;
    typename D::Bool initiator_generates_ratchet_key;
    typename D::Bool restore_keeps_sending_index;
    typename D::Bool ledger_ignores_copies;
    typename D::Bool prekey_message_tries_every_session;  // ProfileRules
    // The epoch of the responder's signed prekey, which is the responder's first ratchet key
    // (DR §3.3 RatchetInitBob: DHs = the signed prekey pair).
    typename D::Int signed_prekey_epoch;
};

// variant_parameters builds parameters whose variant switches are the domain's literals for
// `variant` and `rules`; the limits are given as domain integers (literals, or a symbolic domain's
// constants).
template <Domain D>
Parameters<D> variant_parameters(D& domain, typename D::Int max_forward_jump,
                                 typename D::Int max_skipped_keys_per_chain,
                                 typename D::Int max_skipped_keys_total,
                                 std::size_t max_receiving_chains, const Variant& variant,
                                 const ProfileRules& rules = {}) {
    return Parameters<D>{
        .max_forward_jump = max_forward_jump,
        .max_skipped_keys_per_chain = max_skipped_keys_per_chain,
        .max_skipped_keys_total = max_skipped_keys_total,
        .max_receiving_chains = max_receiving_chains,
        .defer_ratchet_key_generation = domain.literal(variant.defer_ratchet_key_generation),
        .delete_used_skipped_keys = domain.literal(variant.delete_used_skipped_keys),
        .enforce_forward_jump = domain.literal(variant.enforce_forward_jump),
        .enforce_skipped_key_bounds = domain.literal(variant.enforce_skipped_key_bounds),
        .reset_counters_on_ratchet = domain.literal(variant.reset_counters_on_ratchet),
        .correct_previous_counter = domain.literal(variant.correct_previous_counter),
        .fresh_ratchet_key = domain.literal(variant.fresh_ratchet_key),
        .authenticate_before_commit = domain.literal(variant.authenticate_before_commit),
        .consume_one_time_prekey = domain.literal(variant.consume_one_time_prekey),
        .advance_sending_counter = domain.literal(variant.advance_sending_counter),
        .check_authentication = domain.literal(variant.check_authentication),
        .shift_chains_on_eviction = domain.literal(variant.shift_chains_on_eviction),
        .distinct_ratchet_keys = domain.literal(variant.distinct_ratchet_keys),
        .reject_old_counters = domain.literal(variant.reject_old_counters),
        .initiator_generates_ratchet_key = domain.literal(variant.initiator_generates_ratchet_key),
        .restore_keeps_sending_index = domain.literal(variant.restore_keeps_sending_index),
        .ledger_ignores_copies = domain.literal(variant.ledger_ignores_copies),
        .prekey_message_tries_every_session =
            domain.literal(rules.prekey_message_tries_every_session),
        .signed_prekey_epoch = domain.literal(std::int64_t{0})};
}

// concrete_parameters builds the parameters of the concrete domain.
inline Parameters<ConcreteDomain> concrete_parameters(const Limits& limits,
                                                      const Variant& variant = {},
                                                      const ProfileRules& rules = {}) {
    ConcreteDomain domain;
    return variant_parameters<ConcreteDomain>(
        domain, limits.max_forward_jump, limits.max_skipped_keys_per_chain,
        limits.max_skipped_keys_total, limits.max_receiving_chains, variant, rules);
}

}  // namespace ratchetcheck::model
