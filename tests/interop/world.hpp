// The two worlds an interop scenario runs in, in lock-step: our Alice with libsignal's Bob, and
// libsignal's Alice with our Bob. Each side generates its own identity and bundle; each pins the
// other's identity.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ratchetcheck/party.hpp"
#include "scenario.hpp"

namespace ratchetcheck::interop {

// SendOutcome / ReceiveOutcome are what an endpoint did with one message; `error` names the
// implementation's own error (ours: error_name; libsignal: its SG_ERR_* name).
struct SendOutcome {
    bool ok = false;
    OutgoingMessage message;
    std::string error;
};
struct ReceiveOutcome {
    bool accepted = false;
    Bytes plaintext;
    std::string error;
};

// Endpoint is one party of one implementation.
class Endpoint {
  public:
    virtual ~Endpoint() = default;
    virtual std::string_view implementation() const = 0;
    virtual SendOutcome send(ByteView plaintext) = 0;
    virtual ReceiveOutcome receive(MessageType type, ByteView message) = 0;
};

enum class Pairing : std::uint8_t { ours_alice_libsignal_bob, libsignal_alice_ours_bob };
inline constexpr Pairing both_pairings[] = {Pairing::ours_alice_libsignal_bob,
                                            Pairing::libsignal_alice_ours_bob};
std::string_view pairing_name(Pairing pairing);

// World is one session: Alice has run X3DH on Bob's bundle; nothing has been sent yet.
struct World {
    Pairing pairing = Pairing::ours_alice_libsignal_bob;
    std::unique_ptr<Endpoint> alice;
    std::unique_ptr<Endpoint> bob;
    Endpoint& endpoint(Side side) { return side == Side::alice ? *alice : *bob; }
};

// WorldOrError is a set-up world, or why it could not be set up.
struct WorldOrError {
    std::optional<World> world;
    std::string error;
};

// The ids both worlds use, so that messages of the two worlds have the same layout byte for byte
// (the same varint lengths), and a tamper at one position hits the same field in both.
inline constexpr std::uint32_t alice_registration_id = 1111;
inline constexpr std::uint32_t bob_registration_id = 2222;
inline constexpr std::uint32_t signed_prekey_id = 7;
inline constexpr std::uint32_t one_time_prekey_id = 11;

// make_world sets up `pairing` with keys drawn from a generator seeded by `seed` (ours through a
// KeySource, libsignal through its crypto provider's random callback), so a scenario replays
// with the same keys.
WorldOrError make_world(Pairing pairing, std::uint64_t seed, bool with_one_time_prekey);

}  // namespace ratchetcheck::interop
