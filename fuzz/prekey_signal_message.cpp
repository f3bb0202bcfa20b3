// Fuzz target prekey_signal_message: the PreKeySignalMessage parser (and, through it, the parser
// of the embedded SignalMessage) on any bytes. Asserts: whatever parses re-encodes field by field
// to bytes that parse to the same value, and the canonical form encodes to itself.
//
// Built twice: fuzz_prekey_signal_message parses as signal-v3 (fields 7 and 8 skipped as
// unknown), fuzz_prekey_signal_message_v4 (RATCHETCHECK_FUZZ_V4) as signal-v4-pqxdh, where the
// Kyber prekey id and the 0x08 || 1568-byte ciphertext are required and round-trip too.
// @evidence check=fuzz:prekey_signal_message functions=SF.INPUT_VALIDATION clauses=X3DH-3.3
// @evidence check=fuzz:prekey_signal_message_v4 functions=SF.INPUT_VALIDATION clauses=PQXDH-3.3
#include <string>

#include "fuzz_driver.hpp"
#include "ratchetcheck/wire/signal_message.hpp"
#include "round_trip.hpp"

namespace ratchetcheck::fuzz {

#ifdef RATCHETCHECK_FUZZ_V4
const FuzzTarget fuzz_target{"prekey_signal_message_v4", 4096};
#else
const FuzzTarget fuzz_target{"prekey_signal_message", 2048};
#endif

namespace {

#ifdef RATCHETCHECK_FUZZ_V4
constexpr Profile parsing_profile = Profile::signal_v4_pqxdh();
#else
constexpr Profile parsing_profile = Profile::signal_v3();
#endif

Result<wire::PreKeySignalMessage> parse(ByteView bytes) {
    return wire::parse_prekey_signal_message(bytes, parsing_profile.message_version,
                                             parsing_profile.mac_bytes,
                                             parsing_profile.key_agreement);
}

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
           same_view(left.message.mac, right.message.mac) &&
           left.kyber_prekey_id == right.kyber_prekey_id &&
           left.kyber_ciphertext == right.kyber_ciphertext;
}

}  // namespace

void fuzz_one_input(ByteView input) {
    auto parsed = parse(input);
    if (!parsed.ok())
        return;
    const wire::PreKeySignalMessage& message = parsed.value();
    const std::uint8_t version = parsing_profile.message_version;
    require((message.version_byte >> 4) == version && message.message.message_version() == version,
            "a message of another version parsed");
    const bool pqxdh = parsing_profile.key_agreement == KeyAgreement::pqxdh;
    require(pqxdh == (message.kyber_prekey_id.has_value() && message.kyber_ciphertext.has_value()),
            [&] {
                return std::string(pqxdh ? "a PQXDH message without its Kyber fields parsed"
                                         : "a signal-v3 parse returned Kyber fields");
            });
    require_canonical_round_trip(message, parse, reencode, same_value);
}

}  // namespace ratchetcheck::fuzz
