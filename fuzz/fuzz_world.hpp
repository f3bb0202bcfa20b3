// Fixed two-party worlds for the message-level targets (decrypt, session_state, prekey_bundle):
// Alice and Bob with keys from one SeededKeySource, their sessions driven into a few chain
// states, and the genuine messages still in flight in each. Built once per process and kept as
// serialized states, so that each fuzz input only pays for Party::deserialize.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ratchetcheck/harness/seeded_key_source.hpp"
#include "ratchetcheck/party.hpp"

namespace ratchetcheck::fuzz {

// ChainState names how far the world's session has gone.
enum class ChainState : std::uint8_t {
    fresh,                // Alice ran X3DH and sent one PreKeySignalMessage Bob has not received
    after_skips,          // both replied; messages skipped on both sides (stored skipped keys)
    after_ratchet_steps,  // 40 round trips (40 DH ratchet steps each way), one message in flight
};
inline constexpr std::size_t chain_state_count = 3;

enum class Seat : std::uint8_t { alice = 0, bob = 1 };

// PendingMessage is a genuine message not yet delivered: who it is for and what it decrypts to.
struct PendingMessage {
    Seat receiver = Seat::bob;
    MessageType type = MessageType::signal_message;
    Bytes bytes;
    Bytes plaintext;
};

// WorldSnapshot is one chain state: both parties' serialized states and the messages in flight.
struct WorldSnapshot {
    std::array<SecureBytes, 2> states;  // by Seat
    std::vector<PendingMessage> pending;
};

// world_key_seed is the seed of every key of the fixed worlds.
inline constexpr std::uint64_t world_key_seed = 0x5eed'f022'0000'0001;

// world_snapshot returns the snapshot of `state` (built on first use).
const WorldSnapshot& world_snapshot(ChainState state);

// LoadedParty is a Party loaded from a snapshot, with the key source it borrows.
struct LoadedParty {
    std::unique_ptr<harness::SeededKeySource> keys;
    std::optional<Party> party;
};

// load_party deserializes `serialized` with a fresh key source (label "fuzz", so keys drawn
// while fuzzing differ from the world's own); fails the target if a snapshot does not load.
LoadedParty load_party(ByteView serialized);

// BundleMaterial is Bob's published material before any session, for the prekey_bundle target:
// his genuine bundle, his serialized state (holding the prekeys) and Alice's identity.
struct BundleMaterial {
    PreKeyBundle bundle;
    SecureBytes bob_state;
    IdentityKeyPair alice_identity;
};
const BundleMaterial& bundle_material();

}  // namespace ratchetcheck::fuzz
