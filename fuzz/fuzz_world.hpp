// Fixed two-party worlds for the message-level targets (decrypt, session_state, prekey_bundle and
// their signal-v4-pqxdh variants): Alice and Bob with keys from one SeededKeySource, their
// sessions driven into a few chain states, and the genuine messages still in flight in each.
// Built once per process and kept as serialized states, so that each fuzz input only pays for
// Party::deserialize. A world has a profile: signal-v3, or signal-v4-pqxdh, whose Bob also
// publishes a one-time and a last-resort Kyber prekey (PQXDH §3.2).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ratchetcheck/harness/seeded_key_source.hpp"
#include "ratchetcheck/party.hpp"
#include "ratchetcheck/profile.hpp"

namespace ratchetcheck::fuzz {

// WorldProfile is the protocol profile of a fixed world.
enum class WorldProfile : std::uint8_t { signal_v3 = 0, signal_v4_pqxdh = 1 };
inline constexpr std::size_t world_profile_count = 2;

// profile_of returns the Profile of `world` (the built-in one of that name).
const Profile& profile_of(WorldProfile world);

// The ids of the v4 world's Kyber prekeys; the bundle carries the one-time one.
inline constexpr std::uint32_t world_one_time_kyber_prekey_id = 9;
inline constexpr std::uint32_t world_last_resort_kyber_prekey_id = 10;

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

// world_snapshot returns the snapshot of `state` in a world of profile `world` (built on first
// use).
const WorldSnapshot& world_snapshot(ChainState state, WorldProfile world = WorldProfile::signal_v3);

// LoadedParty is a Party loaded from a snapshot, with the key source it borrows.
struct LoadedParty {
    std::unique_ptr<harness::SeededKeySource> keys;
    std::optional<Party> party;
};

// load_party deserializes `serialized` under the profile of `world` with a fresh key source (label
// "fuzz", so keys drawn while fuzzing differ from the world's own); fails the target if a snapshot
// does not load.
LoadedParty load_party(ByteView serialized, WorldProfile world = WorldProfile::signal_v3);

// BundleMaterial is Bob's published material before any session, for the prekey_bundle target:
// his genuine bundle, his serialized state (holding the prekeys) and Alice's identity.
struct BundleMaterial {
    PreKeyBundle bundle;
    SecureBytes bob_state;
    IdentityKeyPair alice_identity;
};
const BundleMaterial& bundle_material(WorldProfile world = WorldProfile::signal_v3);

}  // namespace ratchetcheck::fuzz
