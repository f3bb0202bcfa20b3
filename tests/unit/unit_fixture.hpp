// Shared fixture of the unit tests: Alice and Bob with generated keys and pinned trust, messages
// built field by field (SCHEMA.md §6.4, §6.5) with the raw field encoders of
// wire/signal_message.hpp (not by Party::encrypt), and the one check every
// rejection test makes: the exact error, and a state that is byte-identical afterwards.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "ratchetcheck/harness/queue_key_source.hpp"
#include "ratchetcheck/key_source.hpp"
#include "ratchetcheck/keys.hpp"
#include "ratchetcheck/party.hpp"
#include "ratchetcheck/profile.hpp"
#include "ratchetcheck/result.hpp"
#include "ratchetcheck/state_view.hpp"
#include "ratchetcheck/wire/signal_message.hpp"

namespace ratchetcheck {

// PrintTo lets GoogleTest print an Error by its name instead of as an integer.
inline void PrintTo(Error error, std::ostream* stream) {
    *stream << error_name(error);
}
inline void PrintTo(MessageType type, std::ostream* stream) {
    *stream << (type == MessageType::signal_message ? "signal_message" : "prekey_message");
}

}  // namespace ratchetcheck

namespace ratchetcheck::unit {

inline constexpr std::uint32_t alice_registration_id = 1111;
inline constexpr std::uint32_t bob_registration_id = 2222;
inline constexpr std::uint32_t mallory_registration_id = 6666;
inline constexpr std::uint32_t bob_device_id = 1;
inline constexpr std::uint32_t bob_signed_prekey_id = 7;
inline constexpr std::uint32_t bob_one_time_prekey_id = 11;
// PQXDH profiles: Bob's one-time and last-resort Kyber prekeys (PQXDH §2.5).
inline constexpr std::uint32_t bob_one_time_kyber_prekey_id = 21;
inline constexpr std::uint32_t bob_last_resort_kyber_prekey_id = 31;

// --- bytes and keys ------------------------------------------------------------------------------

Bytes text_bytes(std::string_view text);
std::string as_text(ByteView bytes);

// djb_key returns the 33-byte form 0x05 || u of the 32-byte u-coordinate `u`.
Bytes djb_key(ByteView u);
// filled_djb_key returns 0x05 followed by 32 copies of `fill`.
Bytes filled_djb_key(std::uint8_t fill);

template <typename Role>
Bytes serialized(const PublicKey<Role>& key) {
    const SerializedPublicKey bytes = key.serialize();
    return Bytes(bytes.begin(), bytes.end());
}

// fresh_public_key returns the public key of a fresh random key pair: a valid curve point that
// belongs to nobody in the test.
template <typename Role>
PublicKey<Role> fresh_public_key() {
    auto private_key = SodiumKeySource::instance().next_private_key(KeyRole::ratchet);
    return KeyPair<Role>::from_private(std::move(private_key).value()).public_key;
}

// test_private_key returns a fixed, distinct 32-byte scalar per `seed` for QueueKeySource (the
// queue clamps it when handing it out).
crypto::X25519Private test_private_key(std::uint8_t seed);

// LowOrderPoint is a u-coordinate of small order, from Wycheproof x25519_test.json (flags
// LowOrderPublic, ZeroSharedSecret): X25519 with it yields the all-zero secret that RFC 7748 §6.1
// allows an implementation to reject, and this one rejects (decisions D2).
struct LowOrderPoint {
    const char* name;
    std::array<std::uint8_t, 32> u;
};
const std::vector<LowOrderPoint>& low_order_points();

// --- messages built by hand ----------------------------------------------------------------------

// SignalMessageParts is a SignalMessage as a test forges it: the fields of the wire encoder
// (wire::SignalMessageFields: any bytes, absent optionals left out), then `extra_protobuf`
// appended after the known fields (unknown fields, repeated fields, varints wider than 32 bits),
// then `mac` appended as is.
struct SignalMessageParts : wire::SignalMessageFields {
    Bytes extra_protobuf;
    Bytes mac = Bytes(8, 0);
};

// PreKeyMessageParts is a PreKeySignalMessage as a test forges it: the encoder's fields
// (wire::PreKeySignalMessageFields), then `extra_protobuf`.
struct PreKeyMessageParts : wire::PreKeySignalMessageFields {
    Bytes extra_protobuf;
};

// encode_signal_message / encode_prekey_message are the wire encoders
// (wire::encode_*_fields) followed by the extra protobuf bytes and, for a SignalMessage, the MAC.
Bytes encode_signal_message(const SignalMessageParts& parts);
Bytes encode_prekey_message(const PreKeyMessageParts& parts);

// well_formed_signal_fields / well_formed_prekey_fields are parseable signal-v3 messages with
// arbitrary but valid contents, the starting point of every malformed variant.
SignalMessageParts well_formed_signal_fields();
PreKeyMessageParts well_formed_prekey_fields();

// signal_fields_of / prekey_fields_of take a genuine message apart so that a test can change one
// field and put it back together (the parser under test elsewhere is trusted here).
SignalMessageParts signal_fields_of(ByteView genuine_signal_message);
PreKeyMessageParts prekey_fields_of(ByteView genuine_prekey_message);

// --- parties -------------------------------------------------------------------------------------

// ConversationOptions chooses the profile, key sources and trust of a Conversation.
struct ConversationOptions {
    Profile profile = Profile::signal_v3();
    KeySource* alice_key_source = nullptr;  // nullptr: SodiumKeySource
    KeySource* bob_key_source = nullptr;    // nullptr: SodiumKeySource
    bool with_one_time_prekey = true;
    bool pin_trust = true;         // false: both parties trust on first use
    bool initiate_session = true;  // Alice runs X3DH on Bob's bundle (needs base + ratchet keys)
    // PQXDH profiles: whether the bundle carries Bob's one-time Kyber prekey (else the
    // last-resort one). Bob holds both either way.
    bool with_one_time_kyber_prekey = true;
};

// Conversation is Alice and Bob, each pinned to the other's identity (unless told otherwise),
// Bob holding signed prekey 7 and one-time prekey 11, and Alice with a session initiated from
// Bob's bundle.
struct Conversation {
    Party alice;
    Party bob;
    IdentityKeyPair bob_identity;          // kept to sign further prekeys in tests
    SignedPreKeyRecord bob_signed_prekey;  // a copy of Bob's, to build further bundles
    PreKeyBundle bob_bundle;
    // PQXDH profiles: copies of Bob's Kyber prekeys (absent under signal-v3).
    std::optional<KyberPreKeyRecord> bob_one_time_kyber_prekey;
    std::optional<KyberPreKeyRecord> bob_last_resort_kyber_prekey;
};

// bob_bundle_with builds a bundle of Bob's records (make_prekey_bundle) with `one_time_prekey`,
// or with none when it is nullptr.
PreKeyBundle bob_bundle_with(const Conversation& conversation,
                             const OneTimePreKeyRecord* one_time_prekey);

Conversation make_conversation(const ConversationOptions& options = {});

// make_mallory returns a third party, trusting Bob, with a session initiated from Bob's bundle:
// an identity that neither Alice nor Bob trusts.
Party make_mallory(const PreKeyBundle& bob_bundle, const Profile& profile = Profile::signal_v3());

// encrypt_text encrypts `text`; an encryption failure is a test failure.
OutgoingMessage encrypt_text(Party& sender, std::string_view text);
// decrypt_text returns the plaintext, or "<rejected: NAME>" so that EXPECT_EQ shows the error.
std::string decrypt_text(Party& receiver, const OutgoingMessage& message);
std::string decrypt_text(Party& receiver, MessageType type, ByteView bytes);
std::string rejected_text(Error error);

// establish delivers Alice's first message and Bob's reply, so that both have left the prekey
// stage (SCHEMA.md §6.5) and both have made one DH ratchet step.
void establish(Conversation& conversation);

// --- the rejection check -------------------------------------------------------------------------

// same_state passes when two serialized states are byte-identical, and otherwise says where the
// first difference is.
::testing::AssertionResult same_state(ByteView before, ByteView after);

// rejects_unchanged passes when decrypting `bytes` as `type` fails with exactly `expected` and
// the party's serialize() and view() are the same before and after (Party's transactional
// contract, party.hpp).
::testing::AssertionResult rejects_unchanged(Party& receiver, MessageType type, ByteView bytes,
                                             Error expected);
::testing::AssertionResult rejects_unchanged(Party& receiver, const OutgoingMessage& message,
                                             Error expected);

// --- views ---------------------------------------------------------------------------------------

// skipped_counters returns the stored skipped counters of the receiving chain of `sender_key` in
// the current session, or nullopt when the session has no such chain.
std::optional<std::vector<std::uint32_t>> skipped_counters(const Party& party,
                                                           const RatchetPublicKey& sender_key);
// sending_ratchet_key is the current session's DHs public key.
RatchetPublicKey sending_ratchet_key(const Party& party);
// total_skipped counts the stored skipped keys of a session.
std::size_t total_skipped(const SessionView& session);

}  // namespace ratchetcheck::unit
