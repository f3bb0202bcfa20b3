// Fuzz target prekey_signal_message: the PreKeySignalMessage parser (and, through it, the parser
// of the embedded SignalMessage) on any bytes. Asserts: whatever parses re-encodes field by field
// to bytes that parse to the same value, and the canonical form encodes to itself.
// @evidence check=fuzz:prekey_signal_message functions=SF.INPUT_VALIDATION clauses=X3DH-3.3
#include <string>

#include "fuzz_driver.hpp"
#include "ratchetcheck/wire/signal_message.hpp"
#include "round_trip.hpp"

namespace ratchetcheck::fuzz {

const FuzzTarget fuzz_target{"prekey_signal_message", 2048};

namespace {

constexpr std::uint8_t signal_v3_version = 3;

template <typename Key>
Bytes key_bytes(const Key& key) {
    const auto serialized = key.serialize();
    return Bytes(serialized.begin(), serialized.end());
}

// The Kyber ciphertext field as it is sent: 0x08 || ciphertext (PQXDH messages only).
std::optional<Bytes> kyber_ciphertext_bytes(const wire::PreKeySignalMessage& message) {
    if (!message.kyber_ciphertext)
        return std::nullopt;
    Bytes bytes{kyber1024_key_type};
    const auto ciphertext = message.kyber_ciphertext->view();
    bytes.insert(bytes.end(), ciphertext.begin(), ciphertext.end());
    return bytes;
}

Bytes reencode(const wire::PreKeySignalMessage& message) {
    return wire::encode_prekey_signal_message_fields(wire::PreKeySignalMessageFields{
        .version_byte = message.version_byte,
        .one_time_prekey_id = message.one_time_prekey_id,
        .base_key = key_bytes(message.base_key),
        .identity_key = key_bytes(message.identity_key),
        .message = Bytes(message.message_bytes.begin(), message.message_bytes.end()),
        .registration_id = message.registration_id,
        .signed_prekey_id = message.signed_prekey_id,
        .kyber_prekey_id = message.kyber_prekey_id,
        .kyber_ciphertext = kyber_ciphertext_bytes(message),
    });
}

bool same_view(ByteView left, ByteView right) {
    return std::equal(left.begin(), left.end(), right.begin(), right.end());
}

bool same_value(const wire::PreKeySignalMessage& left, const wire::PreKeySignalMessage& right) {
    return left.version_byte == right.version_byte &&
           left.one_time_prekey_id == right.one_time_prekey_id &&
           left.signed_prekey_id == right.signed_prekey_id && left.base_key == right.base_key &&
           left.identity_key == right.identity_key &&
           left.registration_id == right.registration_id &&
           same_view(left.message_bytes, right.message_bytes) &&
           left.message.version_byte == right.message.version_byte &&
           left.message.ratchet_key == right.message.ratchet_key &&
           left.message.counter == right.message.counter &&
           left.message.previous_counter == right.message.previous_counter &&
           same_view(left.message.ciphertext, right.message.ciphertext) &&
           same_view(left.message.mac, right.message.mac);
}

}  // namespace

void fuzz_one_input(ByteView input) {
    auto parsed = wire::parse_prekey_signal_message(input, signal_v3_version);
    if (!parsed.ok())
        return;
    const wire::PreKeySignalMessage& message = parsed.value();
    require((message.version_byte >> 4) == signal_v3_version &&
                message.message.message_version() == signal_v3_version,
            "a message of another version parsed");
    require_canonical_round_trip(
        message,
        [](ByteView bytes) { return wire::parse_prekey_signal_message(bytes, signal_v3_version); },
        reencode, same_value);
}

}  // namespace ratchetcheck::fuzz
