// Fuzz target signal_message: the SignalMessage parser (wire/signal_message.hpp) on any bytes.
// Asserts: whatever parses re-encodes (field by field, with its MAC) to bytes that parse to the
// same value, and that re-encoding is a fixed point (the canonical form encodes to itself).
// @evidence check=fuzz:signal_message functions=SF.INPUT_VALIDATION clauses=DR-3.3
#include <string>

#include "fuzz_driver.hpp"
#include "ratchetcheck/wire/signal_message.hpp"
#include "round_trip.hpp"

namespace ratchetcheck::fuzz {

const FuzzTarget fuzz_target{"signal_message", 1024};

namespace {

constexpr std::uint8_t signal_v3_version = 3;

Bytes reencode(const wire::SignalMessage& message) {
    const auto key = message.ratchet_key.serialize();
    Bytes bytes = wire::encode_signal_message_fields(wire::SignalMessageFields{
        .version_byte = message.version_byte,
        .ratchet_key = Bytes(key.begin(), key.end()),
        .counter = message.counter,
        .previous_counter = message.previous_counter,
        .ciphertext = Bytes(message.ciphertext.begin(), message.ciphertext.end()),
    });
    bytes.insert(bytes.end(), message.mac.begin(), message.mac.end());
    return bytes;
}

bool same_value(const wire::SignalMessage& left, const wire::SignalMessage& right) {
    return left.version_byte == right.version_byte && left.ratchet_key == right.ratchet_key &&
           left.counter == right.counter && left.previous_counter == right.previous_counter &&
           std::equal(left.ciphertext.begin(), left.ciphertext.end(), right.ciphertext.begin(),
                      right.ciphertext.end()) &&
           std::equal(left.mac.begin(), left.mac.end(), right.mac.begin(), right.mac.end());
}

}  // namespace

void fuzz_one_input(ByteView input) {
    auto parsed = wire::parse_signal_message(input, signal_v3_version);
    if (!parsed.ok())
        return;
    const wire::SignalMessage& message = parsed.value();
    require(message.message_version() == signal_v3_version, [&] {
        return "a message with version byte " + std::to_string(message.version_byte) + " parsed";
    });
    require(message.mac.size() == wire::signal_mac_bytes, "the MAC is not 8 bytes");
    require_canonical_round_trip(
        message,
        [](ByteView bytes) { return wire::parse_signal_message(bytes, signal_v3_version); },
        reencode, same_value);
}

}  // namespace ratchetcheck::fuzz
