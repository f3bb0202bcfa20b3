// Fuzz target session_state: Party::deserialize (docs/state-format.md) on any bytes.
//
// Asserts: whatever loads serializes to bytes that load again and serialize to the same bytes;
// the format is canonical, so those bytes are the input itself; and the loaded party is usable
// without a crash: it encrypts (or says no_session), and a genuine message of the fixed worlds
// handed to it is accepted or rejected, a rejection leaving its state byte-identical.
//
// Built twice: fuzz_session_state loads as signal-v3, fuzz_session_state_v4 (RATCHETCHECK_FUZZ_V4)
// as signal-v4-pqxdh (Kyber prekeys, pending Kyber ids and ciphertexts) with the v4 worlds'
// messages.
// @evidence check=fuzz:session_state functions=SF.INPUT_VALIDATION,SF.TRANSACTIONAL_RECEIVE
// @evidence check=fuzz:session_state_v4 functions=SF.INPUT_VALIDATION,SF.TRANSACTIONAL_RECEIVE
#include <algorithm>
#include <string>

#include "fuzz_driver.hpp"
#include "fuzz_world.hpp"

namespace ratchetcheck::fuzz {

#ifdef RATCHETCHECK_FUZZ_V4
const FuzzTarget fuzz_target{"session_state_v4", std::size_t{128} * 1024};
constexpr WorldProfile world_profile = WorldProfile::signal_v4_pqxdh;
#else
const FuzzTarget fuzz_target{"session_state", std::size_t{64} * 1024};
constexpr WorldProfile world_profile = WorldProfile::signal_v3;
#endif

void fuzz_one_input(ByteView input) {
    harness::SeededKeySource keys(world_key_seed, "fuzz");
    const Profile& profile = profile_of(world_profile);
    auto loaded = Party::deserialize(input, keys, profile);
    if (!loaded.ok())
        return;
    Party party = std::move(loaded).value();
    const SecureBytes serialized = party.serialize();
    auto reloaded = Party::deserialize(serialized, keys, profile);
    require(reloaded.ok(), [&] {
        return "the serialization of a loaded state does not load (" +
               std::string(error_name(reloaded.error())) + ")";
    });
    require(reloaded.value().serialize() == serialized,
            "serialize(load(serialize(load(input)))) differs from serialize(load(input))");
    if (!std::equal(serialized.begin(), serialized.end(), input.begin(), input.end())) {
        const auto [in_input, in_serialized] =
            std::mismatch(input.begin(), input.end(), serialized.begin(), serialized.end());
        const auto offset = static_cast<std::size_t>(in_input - input.begin());
        const std::size_t from = offset < 8 ? 0 : offset - 8;
        fail(
            "a state loaded from bytes that are not its canonical serialization: first "
            "difference at offset " +
            std::to_string(offset) + " of " + std::to_string(input.size()) +
            " input bytes (serialization: " + std::to_string(serialized.size()) +
            " bytes); from offset " + std::to_string(from) + ", input " +
            hex(input.subspan(from, std::min<std::size_t>(24, input.size() - from))) +
            ", serialized " +
            hex(ByteView(serialized)
                    .subspan(std::min(from, serialized.size()),
                             std::min<std::size_t>(
                                 24, serialized.size() - std::min(from, serialized.size())))));
    }

    // Usable: every genuine message of the fixed worlds is accepted or rejected, and a rejection
    // changes nothing. `before` is the state each message meets: a rejection leaves it (that is
    // the check), an acceptance replaces it; so one serialization per message suffices.
    SecureBytes before = serialized;
    for (std::size_t state = 0; state < chain_state_count; ++state) {
        for (const PendingMessage& message :
             world_snapshot(static_cast<ChainState>(state), world_profile).pending) {
            auto result = party.decrypt(message.type, message.bytes);
            SecureBytes after = party.serialize();
            if (!result.ok())
                require(after == before, [&] {
                    return "rejected with " + std::string(error_name(result.error())) +
                           " but the serialized state changed";
                });
            before = std::move(after);
        }
    }
    const Bytes plaintext{'f', 'u', 'z', 'z'};
    auto sent = party.encrypt(plaintext);
    require(sent.ok() || sent.error() == Error::no_session ||
                sent.error() == Error::too_far_ahead || sent.error() == Error::key_source_exhausted,
            [&] { return "encrypt failed with " + std::string(error_name(sent.error())); });
}

}  // namespace ratchetcheck::fuzz
