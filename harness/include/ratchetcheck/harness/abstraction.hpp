// The abstraction function α (ARCHITECTURE.md model/): from the implementation's public state
// (StateView) and the map of ratchet public keys to epochs seen so far, to the model's state;
// and its counterpart for messages, from bytes handed to a party to the model's MessageView.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "ratchetcheck/keys.hpp"
#include "ratchetcheck/model/system.hpp"
#include "ratchetcheck/party.hpp"
#include "ratchetcheck/state_view.hpp"

namespace ratchetcheck::harness {

// EpochMap numbers ratchet public keys in the order they were generated (the model's epochs).
class EpochMap {
  public:
    // assign gives `key` the next epoch; a key seen before keeps its epoch.
    std::int64_t assign(const crypto::X25519Public& key);
    std::optional<std::int64_t> epoch_of(const crypto::X25519Public& key) const;
    std::optional<crypto::X25519Public> key_of(std::int64_t epoch) const;
    // next_epoch is the epoch the next new key gets (= the number of epochs).
    std::int64_t next_epoch() const { return static_cast<std::int64_t>(by_epoch_.size()); }

  private:
    std::map<crypto::X25519Public, std::int64_t> by_key_;
    std::vector<crypto::X25519Public> by_epoch_;
};

// Publics are the public facts of a run that α reads: identities, prekey ids, Alice's base key,
// and the profile's wire (message version, key agreement).
struct Publics {
    std::array<IdentityPublicKey, 2> identity;  // by model::PartyId
    std::uint32_t signed_prekey_id = 0;
    std::optional<std::uint32_t> one_time_prekey_id;  // Bob's published one-time prekey, if any
    BasePublicKey genuine_base_key;
    std::uint8_t message_version = Profile::signal_v3().message_version;
    std::size_t mac_bytes = Profile::signal_v3().mac_bytes;
    KeyAgreement key_agreement = KeyAgreement::x3dh;
    // signal-v4-pqxdh: the model knows nothing of Kyber yet (issue 25), so α folds the Kyber part
    // of a PreKeySignalMessage into the fields the model has (abstract_message). The runner keeps
    // these up to date before each receive: the Kyber prekey ids Bob still holds, and whether the
    // receiver already has a session (then a message with Alice's base key is a message of that
    // session and no Kyber field is read: SCHEMA.md §6.5, libsignal's session.rs alike).
    std::vector<std::uint32_t> held_kyber_prekey_ids;
    bool receiver_has_session = false;
};

// abstract_party is α for one party: the model state its StateView stands for, or why it stands
// for none (a key with no epoch, an archived session, a session from another base key, more
// receiving chains than the model has slots).
std::variant<model::ConcreteParty, std::string> abstract_party(const StateView& view,
                                                               const EpochMap& epochs,
                                                               const Publics& publics,
                                                               std::size_t chain_slots);

// GenuineMessage is a message the implementation produced on a successful send.
struct GenuineMessage {
    model::PartyId sender = model::PartyId::alice;
    MessageType type = MessageType::signal_message;
    Bytes bytes;         // as sent
    Bytes signal_bytes;  // the SignalMessage: `bytes`, or the one a PreKeySignalMessage wraps
};

// signal_message_bytes returns the SignalMessage part of a message (the whole message for type
// 2, the embedded one for type 3), or nullopt if it does not parse.
std::optional<Bytes> signal_message_bytes(MessageType type, ByteView bytes);
// signal_message_bytes with `profile`'s message version and key agreement (a signal-v4-pqxdh
// PreKeySignalMessage carries its Kyber fields).
std::optional<Bytes> signal_message_bytes(MessageType type, ByteView bytes, const Profile& profile);

// AbstractMessage is α of a message handed to a party: the model's view of it, and which genuine
// message (ledger index) its authenticated content is, if any.
struct AbstractMessage {
    model::ConcreteView view;
    std::optional<std::size_t> genuine_message;
};

// abstract_message parses `bytes` as the receiver would and replaces keys by what they identify.
// Its authenticated content is genuine message k when its SignalMessage bytes equal k's and k is
// addressed to `receiver`: every byte of a SignalMessage is covered by its MAC, while the outer
// fields of a PreKeySignalMessage are judged separately (identity, base key, prekey ids) and the
// registration id and the low nibble of its version byte are not authenticated at all.
// Under signal-v4-pqxdh the Kyber fields are judged too, mapped onto the model's fields by what
// they cause: a Kyber prekey id Bob does not hold fails like an unknown signed prekey id
// (signed_prekey_genuine false: rejected, no other session tried); and, for a message with Alice's
// base key to a receiver without a session, a Kyber prekey id or ciphertext other than the
// genuine message's derives other keys, so the message does not authenticate (authentic false).
AbstractMessage abstract_message(MessageType type, ByteView bytes, model::PartyId receiver,
                                 const EpochMap& epochs, const Publics& publics,
                                 std::span<const GenuineMessage> genuine);

}  // namespace ratchetcheck::harness
