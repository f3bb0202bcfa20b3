// The abstract state of the two-party Double Ratchet with X3DH session start (DR §3.2 state
// variables, X3DH §3): keys are replaced by identities. A ratchet key pair is an epoch number
// (every new ratchet key pair is a new epoch, numbered in generation order over both parties);
// a chain key is (epoch, index); MKSKIPPED is a set of (epoch, counter). Ghost state records
// what no implementation stores: which messages were sent and which were accepted, and the
// root-chain position of every epoch.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ratchetcheck/model/domain.hpp"
#include "ratchetcheck/model/parameters.hpp"

namespace ratchetcheck::model {

// PartyId names the two participants (the implementation's participant object is
// ratchetcheck::Party); Alice initiates (X3DH §3.3), Bob responds (§3.4).
enum class PartyId : std::size_t { alice = 0, bob = 1 };

constexpr std::size_t index_of(PartyId party) {
    return static_cast<std::size_t>(party);
}
constexpr PartyId peer_of(PartyId party) {
    return party == PartyId::alice ? PartyId::bob : PartyId::alice;
}
constexpr const char* party_name(PartyId party) {
    return party == PartyId::alice ? "alice" : "bob";
}

// ChainSlot is one receiving chain (DR §3.2 CKr with DHr): the peer epoch it belongs to and the
// index of the next message key it yields. `present` is false for an unused slot.
template <Domain D>
struct ChainSlot {
    typename D::Bool present;
    typename D::Int epoch;
    typename D::Int next_index;
};

// AbstractParty is the abstract state of one party, mapped by α (harness/src/abstraction.cpp)
// from the implementation's PartyState (protocol/src/session_state.hpp): its single session (the
// op alphabet never starts a second one, so libsignal's archived sessions stay empty) and its
// one-time prekey store. Build it with designated initialisers, every field named.
template <Domain D>
struct AbstractParty {
    typename D::Bool has_session;
    typename D::Int sending_epoch;     // DHs
    typename D::Int sending_index;     // Ns
    typename D::Int previous_counter;  // PN as the next message will carry it
    typename D::Bool pending_prekey;   // messages are still PreKeySignalMessages (X3DH §3.3)
    // Receiving chains, oldest first, in a fixed number of slots (Limits::max_receiving_chains);
    // the present slots form a prefix.
    std::vector<ChainSlot<D>> chains;
    typename D::KeySet skipped;  // MKSKIPPED: (peer epoch, counter) of stored skipped keys
    typename D::Bool holds_one_time_prekey;  // the published one-time prekey is still stored
};

// World is the whole system: both parties, the epoch allocator, and ghost state.
template <Domain D>
struct World {
    std::array<AbstractParty<D>, 2> parties;
    typename D::Int next_epoch;  // the epoch the next generated ratchet key pair gets
    // Ghost: (e, p) means epoch e's sending chain was derived from the root chain against the
    // peer's epoch p, so a receiver whose own sending epoch is p derives the same chain
    // (DR §3.5 DHRatchet). It stands for the root key, which the model does not hold.
    typename D::KeySet epoch_predecessor;
    typename D::KeySet sent;      // ghost: (epoch, counter) of every message sent
    typename D::KeySet accepted;  // ghost: (epoch, counter) of every message accepted
    typename D::Bool initiator_used_one_time_prekey;  // X3DH §3.3: DH4 was part of the secret
};

// MessageHeader is what a sender puts in a message (DR §3.4 HEADER, X3DH §3.3 wrapping).
template <Domain D>
struct MessageHeader {
    typename D::Bool is_prekey;
    typename D::Int epoch;
    typename D::Int counter;
    typename D::Int previous_counter;
};

// OneTimePreKeyField classifies the one-time prekey id of a PreKeySignalMessage.
enum class OneTimePreKeyField : std::int64_t { absent = 0, genuine = 1, other = 2 };

// MessageView is a received message as the model sees it: the header fields as the receiver
// parses them, with keys replaced by what they identify, and (ghost) whether its authenticated
// content is that of a message actually sent to this receiver. The harness computes it from
// bytes (the abstraction function of messages); genuine_view() computes it for a genuine copy.
template <Domain D>
struct MessageView {
    typename D::Bool parsed;            // false: malformed, bad version or invalid key encoding
    typename D::Bool is_prekey;         // a PreKeySignalMessage (X3DH §3.3 initial message)
    typename D::Bool key_known;         // the ratchet key is the public key of an epoch
    typename D::Int epoch;              // that epoch (meaningful when key_known)
    typename D::Bool key_agreement_ok;  // X25519 with the ratchet key gives a usable output
    typename D::Int counter;            // N
    typename D::Int previous_counter;   // PN
    // PreKeySignalMessage fields (meaningful when is_prekey):
    typename D::Bool identity_trusted;       // the identity key is the receiver's peer
    typename D::Bool base_key_genuine;       // the base key is the initiator's real one
    typename D::Bool base_key_agreement_ok;  // X25519 with the base key gives a usable output
    typename D::Bool signed_prekey_genuine;  // the signed prekey id is the responder's
    typename D::Int one_time_prekey;         // a OneTimePreKeyField value
    // Ghost: the authenticated bytes (version, header, ciphertext, MAC of the SignalMessage) are
    // those of the sent message (epoch, counter) addressed to this receiver.
    typename D::Bool authentic;
};

// Verdict is the outcome of an action. Only no_session, duplicate and too_far_ahead are errors
// the model can name; `rejected` stands for every rejection whose exact reason depends on bytes
// the model does not hold (authentication_failed, malformed, invalid_key, unknown_prekey_id,
// untrusted_identity, bad_version).
enum class Verdict : std::int64_t {
    ok = 0,
    no_session = 1,
    duplicate = 2,
    too_far_ahead = 3,
    rejected = 4
};

template <Domain D>
typename D::Int verdict_value(Verdict verdict) {
    return D::literal(static_cast<std::int64_t>(verdict));
}

}  // namespace ratchetcheck::model
