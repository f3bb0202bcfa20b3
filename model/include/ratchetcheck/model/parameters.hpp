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

// Variant collects the behavioural switches that distinguish protocol variants.
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

    bool operator==(const Variant&) const = default;
};

// Parameters<D> is what the transitions read. The numeric limits are domain integers so that a
// symbolic domain can leave them unconstrained (proofs unbounded in MAX_SKIP); the chain-slot
// count is structural.
template <Domain D>
struct Parameters {
    typename D::Int max_forward_jump;
    typename D::Int max_skipped_keys_per_chain;
    typename D::Int max_skipped_keys_total;
    std::size_t max_receiving_chains;
    typename D::Bool defer_ratchet_key_generation;
    typename D::Bool delete_used_skipped_keys;
    // The epoch of the responder's signed prekey, which is the responder's first ratchet key
    // (DR §3.3 RatchetInitBob: DHs = the signed prekey pair).
    typename D::Int signed_prekey_epoch;
};

// concrete_parameters builds the parameters of the concrete domain.
inline Parameters<ConcreteDomain> concrete_parameters(const Limits& limits,
                                                      const Variant& variant = {}) {
    return Parameters<ConcreteDomain>{
        .max_forward_jump = limits.max_forward_jump,
        .max_skipped_keys_per_chain = limits.max_skipped_keys_per_chain,
        .max_skipped_keys_total = limits.max_skipped_keys_total,
        .max_receiving_chains = limits.max_receiving_chains,
        .defer_ratchet_key_generation = variant.defer_ratchet_key_generation,
        .delete_used_skipped_keys = variant.delete_used_skipped_keys,
        .signed_prekey_epoch = 0};
}

}  // namespace ratchetcheck::model
