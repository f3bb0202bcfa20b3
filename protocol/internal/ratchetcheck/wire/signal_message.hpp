// The libsignal wire messages: SignalMessage (type 2) and PreKeySignalMessage (type 3), laid out
// as in ../shared/vectors/SCHEMA.md §6.4–6.5 (version 3), and version 4's PreKeySignalMessage with
// the Kyber prekey id and KEM ciphertext of PQXDH (libsignal wire.proto fields 7 and 8).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "ratchetcheck/keys.hpp"
#include "ratchetcheck/profile.hpp"
#include "ratchetcheck/result.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::wire {

// signal_mac_bytes is the signal-v3 tag length (Profile::mac_bytes may choose another).
inline constexpr std::size_t signal_mac_bytes = 8;

// --- the wire vocabulary -------------------------------------------------------------------------
// The one place that names the version byte and the protobuf field numbers; parsers, serializers,
// tests, benchmarks and the harness all use these.

// signal_message_field: the field numbers of libsignal's WhisperTextProtocol.proto message
// SignalMessage (SCHEMA.md §6.4).
namespace signal_message_field {
inline constexpr std::uint32_t ratchet_key = 1, counter = 2, previous_counter = 3, ciphertext = 4;
}  // namespace signal_message_field

// prekey_message_field: the field numbers of WhisperTextProtocol.proto message
// PreKeySignalMessage (SCHEMA.md §6.5).
namespace prekey_message_field {
inline constexpr std::uint32_t one_time_prekey_id = 1, base_key = 2, identity_key = 3, message = 4,
                               registration_id = 5, signed_prekey_id = 6, kyber_prekey_id = 7,
                               kyber_ciphertext = 8;
}  // namespace prekey_message_field

// version_byte returns the first byte a sender writes under `profile`: the message version in
// the high nibble and the highest version the sender supports in the low nibble, both
// `profile.message_version` (0x33 for signal-v3, SCHEMA.md §6.4). Receivers check only the high
// nibble (docs/decisions.md L4). Cannot fail.
std::uint8_t version_byte(const Profile& profile);

// SignalMessageFields is a SignalMessage field by field, before the MAC. An absent optional
// leaves the field out; any bytes are allowed (keys need not be valid, required fields may be
// missing), so that forgeries and malformed messages are expressible.
struct SignalMessageFields {
    std::uint8_t version_byte = 0;
    std::optional<Bytes> ratchet_key;  // serialized public key, normally 0x05 || 32 bytes
    std::optional<std::uint32_t> counter;
    std::optional<std::uint32_t> previous_counter;
    std::optional<Bytes> ciphertext;
};

// encode_signal_message_fields returns version_byte || protobuf(the present fields, in
// field-number order) as a new buffer owned by the caller — a SignalMessage without its MAC
// (append one to make it complete). Never fails and validates nothing: what comes out parses only
// if the fields say so.
Bytes encode_signal_message_fields(const SignalMessageFields& fields);

// PreKeySignalMessageFields is a PreKeySignalMessage field by field; as with SignalMessageFields,
// an absent optional leaves the field out and any bytes are allowed. `message` is a complete
// embedded SignalMessage, MAC included.
struct PreKeySignalMessageFields {
    std::uint8_t version_byte = 0;
    std::optional<std::uint32_t> one_time_prekey_id;
    std::optional<Bytes> base_key;
    std::optional<Bytes> identity_key;
    std::optional<Bytes> message;
    std::optional<std::uint32_t> registration_id;
    std::optional<std::uint32_t> signed_prekey_id;
    std::optional<std::uint32_t> kyber_prekey_id;  // version 4 (PQXDH)
    std::optional<Bytes> kyber_ciphertext;         // version 4: normally 0x08 || 1568 bytes
};

// encode_prekey_signal_message_fields returns version_byte || protobuf(the present fields) as a
// new buffer owned by the caller, in the order libsignal writes them (field-number order:
// preKeyId, baseKey, identityKey, message, registrationId, signedPreKeyId, then version 4's
// kyberPreKeyId and kyberCiphertext; SCHEMA.md §6.5).
// A PreKeySignalMessage has no MAC of its own, so with all required fields this is the complete
// message. Never fails and validates nothing.
Bytes encode_prekey_signal_message_fields(const PreKeySignalMessageFields& fields);

// --- parsed messages and their serializers -------------------------------------------------------

// SignalMessage is a parsed type-2 message. Its views point into the parsed input, which the
// caller keeps alive while the message is used.
struct SignalMessage {
    std::uint8_t version_byte = 0;       // the whole first byte (covered by the MAC)
    RatchetPublicKey ratchet_key;        // sender's current ratchet key
    std::uint32_t counter = 0;           // N
    std::uint32_t previous_counter = 0;  // PN
    ByteView ciphertext;                 // AES-256-CBC output
    ByteView authenticated_bytes;        // version || protobuf: the MAC input after identities
    ByteView mac;                        // the last mac_bytes bytes

    std::uint8_t message_version() const { return version_byte >> 4; }
};

// parse_signal_message parses a complete SignalMessage whose tag is `mac_bytes` long (1 to 32).
// Errors, in libsignal's order: malformed (length <= 1 + mac_bytes, protobuf error,
// ratchetKey/counter/ciphertext missing),
// bad_version (high nibble of the version byte != `expected_version`), invalid_key (ratchet key
// not 33 bytes starting 0x05).
[[nodiscard]] Result<SignalMessage> parse_signal_message(ByteView serialized,
                                                         std::uint8_t expected_version,
                                                         std::size_t mac_bytes = signal_mac_bytes);

// serialize_signal_message_body returns version || protobuf(ratchetKey, counter,
// previousCounter, ciphertext) — the message without its MAC. All four fields present: it is
// encode_signal_message_fields of a well-formed message.
Bytes serialize_signal_message_body(std::uint8_t version_byte, const RatchetPublicKey& ratchet_key,
                                    std::uint32_t counter, std::uint32_t previous_counter,
                                    ByteView ciphertext);

// PreKeySignalMessage is a parsed type-3 message; views point into the parsed input.
struct PreKeySignalMessage {
    std::uint8_t version_byte = 0;
    std::optional<std::uint32_t> one_time_prekey_id;
    std::uint32_t signed_prekey_id = 0;
    BasePublicKey base_key;
    IdentityPublicKey identity_key;
    std::uint32_t registration_id = 0;
    ByteView message_bytes;  // the embedded SignalMessage, complete with its MAC
    SignalMessage message;   // parsed from message_bytes
    // PQXDH only (parsed with KeyAgreement::pqxdh, where both are required): the Kyber prekey
    // the initiator encapsulated to, and the ciphertext without its 0x08 type byte.
    std::optional<std::uint32_t> kyber_prekey_id;
    std::optional<crypto::KyberCiphertext> kyber_ciphertext;
};

// parse_prekey_signal_message parses a complete PreKeySignalMessage and its embedded
// SignalMessage. Errors: malformed (length <= 1, protobuf error, signedPreKeyId, baseKey,
// identityKey or message missing), bad_version (version != `expected_version`), invalid_key (a
// key field not in 33-byte 0x05 form), and every error of parse_signal_message for the embedded
// message — whose version is checked against the same `expected_version`, so an embedded version
// different from the outer one is bad_version too. With KeyAgreement::pqxdh the Kyber fields are
// required too: missing, or a ciphertext field that is not exactly 1569 bytes (checked before
// anything is copied), is malformed; a ciphertext whose type byte is not 0x08 is invalid_key.
// With KeyAgreement::x3dh fields 7 and 8 are unknown fields and skipped, as libsignal-protocol-c
// skips them.
[[nodiscard]] Result<PreKeySignalMessage> parse_prekey_signal_message(
    ByteView serialized, std::uint8_t expected_version, std::size_t mac_bytes = signal_mac_bytes,
    KeyAgreement key_agreement = KeyAgreement::x3dh);

// KyberPreKeyReference is what a PQXDH PreKeySignalMessage adds: the Kyber prekey id and the
// ciphertext encapsulated to it.
struct KyberPreKeyReference {
    std::uint32_t id = 0;
    const crypto::KyberCiphertext* ciphertext = nullptr;  // borrowed for the call, never null
};

// serialize_prekey_signal_message lays the fields out in field-number order, as libsignal does:
// encode_prekey_signal_message_fields with every field but the optional one-time prekey id, and
// with `kyber` the Kyber prekey id and 0x08 || ciphertext.
Bytes serialize_prekey_signal_message(std::uint8_t version_byte,
                                      std::optional<std::uint32_t> one_time_prekey_id,
                                      std::uint32_t signed_prekey_id, const BasePublicKey& base_key,
                                      const IdentityPublicKey& identity_key,
                                      std::uint32_t registration_id, ByteView signal_message,
                                      std::optional<KyberPreKeyReference> kyber = std::nullopt);

}  // namespace ratchetcheck::wire
