// Fuzz target decrypt: raw bytes handed to an established party of a fixed world (fuzz_world.hpp)
// in one of its chain states: fresh, after skipped messages, after many ratchet steps.
//
// Input: byte 0 chooses the world (bits 0-1, modulo the number of chain states), the receiver
// (bit 2: 0 Alice, 1 Bob) and the message type (bit 3: 0 SignalMessage, 1 PreKeySignalMessage);
// the rest is the message.
//
// Asserts (DR §3.5): a rejected message leaves the serialized state byte-identical; an accepted
// one is a genuine message still in flight (its SignalMessage part, which the MAC covers, equals
// the genuine one's) and decrypts to its plaintext; and the same bytes again are rejected without
// changing anything (no message is accepted twice).
//
// Built twice: fuzz_decrypt in signal-v3 worlds, fuzz_decrypt_v4 (RATCHETCHECK_FUZZ_V4) in
// signal-v4-pqxdh worlds, whose fresh state has Bob's one-time Kyber prekey unused and Alice's
// PreKeySignalMessage (with its Kyber ciphertext) in flight.
// @evidence check=fuzz:decrypt functions=SF.TRANSACTIONAL_RECEIVE,SF.REPLAY_REJECTION,SF.INPUT_VALIDATION clauses=DR-3.5 mechanisms=HMAC-SHA256,AES-256-CBC
// @evidence check=fuzz:decrypt_v4 functions=SF.TRANSACTIONAL_RECEIVE,SF.REPLAY_REJECTION,SF.INPUT_VALIDATION,SF.KEY_AGREEMENT clauses=DR-3.5,PQXDH-3.4 mechanisms=HMAC-SHA256,AES-256-CBC,KYBER1024
#include <algorithm>
#include <string>

#include "fuzz_driver.hpp"
#include "fuzz_world.hpp"
#include "ratchetcheck/wire/signal_message.hpp"

namespace ratchetcheck::fuzz {

#ifdef RATCHETCHECK_FUZZ_V4
const FuzzTarget fuzz_target{"decrypt_v4", 8192};
constexpr WorldProfile world_profile = WorldProfile::signal_v4_pqxdh;
#else
const FuzzTarget fuzz_target{"decrypt", 4096};
constexpr WorldProfile world_profile = WorldProfile::signal_v3;
#endif

namespace {

// signal_part returns the SignalMessage of a message (the whole message for type 2, the embedded
// one for type 3) as the world's profile parses it, or nullopt if it does not parse.
std::optional<Bytes> signal_part(MessageType type, ByteView bytes) {
    if (type == MessageType::signal_message)
        return Bytes(bytes.begin(), bytes.end());
    const Profile& profile = profile_of(world_profile);
    auto parsed = wire::parse_prekey_signal_message(bytes, profile.message_version,
                                                    profile.mac_bytes, profile.key_agreement);
    if (!parsed.ok())
        return std::nullopt;
    return Bytes(parsed.value().message_bytes.begin(), parsed.value().message_bytes.end());
}

void require_rejection_changes_nothing(Party& party, MessageType type, ByteView message,
                                       const char* attempt) {
    const SecureBytes before = party.serialize();
    auto result = party.decrypt(type, message);
    require(!result.ok(), [&] { return std::string(attempt) + ": the message was accepted"; });
    require(party.serialize() == before, [&] {
        return std::string(attempt) + ": rejected with " + std::string(error_name(result.error())) +
               " but the serialized state changed";
    });
}

}  // namespace

void fuzz_one_input(ByteView input) {
    if (input.empty())
        return;
    const auto state = static_cast<ChainState>((input[0] & 0x03) % chain_state_count);
    const Seat receiver = (input[0] & 0x04) != 0 ? Seat::bob : Seat::alice;
    const MessageType type =
        (input[0] & 0x08) != 0 ? MessageType::prekey_message : MessageType::signal_message;
    const ByteView message = input.subspan(1);
    const WorldSnapshot& world = world_snapshot(state, world_profile);

    LoadedParty loaded =
        load_party(world.states[static_cast<std::size_t>(receiver)], world_profile);
    Party& party = *loaded.party;
    const SecureBytes before = party.serialize();
    auto result = party.decrypt(type, message);
    if (!result.ok()) {
        require(party.serialize() == before, [&] {
            return "rejected with " + std::string(error_name(result.error())) +
                   " but the serialized state changed";
        });
        return;
    }

    // Accepted: it must be a genuine message for this receiver, with the genuine plaintext.
    const std::optional<Bytes> signal_bytes = signal_part(type, message);
    require(signal_bytes.has_value(), "accepted a message whose SignalMessage does not parse");
    const auto genuine =
        std::find_if(world.pending.begin(), world.pending.end(), [&](const PendingMessage& sent) {
            return sent.receiver == receiver && signal_part(sent.type, sent.bytes) == signal_bytes;
        });
    require(genuine != world.pending.end(), [&] {
        return "accepted a message that is no genuine message in flight: " + hex(message);
    });
    const SecureBytes& plaintext = result.value();
    require(std::equal(plaintext.begin(), plaintext.end(), genuine->plaintext.begin(),
                       genuine->plaintext.end()),
            "a genuine message decrypted to another plaintext");
    require_rejection_changes_nothing(party, type, message, "the same bytes a second time");
}

}  // namespace ratchetcheck::fuzz
