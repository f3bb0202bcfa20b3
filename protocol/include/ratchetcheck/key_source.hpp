// KeySource: the injectable origin of every key pair the protocol generates.
#pragma once

#include <cstdint>
#include <span>

#include "ratchetcheck/key_bytes.hpp"
#include "ratchetcheck/result.hpp"

namespace ratchetcheck {

// KeyRole says which protocol step asks for a key, so an injected source can check the order.
enum class KeyRole { identity, signed_prekey, one_time_prekey, base, ratchet };

// RandomPurpose says which step asks for secret random bytes other than an X25519 key: the
// Kyber-1024 operations, which take their randomness from the caller (PQXDH §2.5, §3.3).
enum class RandomPurpose {
    kyber_key_pair,       // 64 bytes: a Kyber prekey's d and z
    kyber_encapsulation,  // 32 bytes: the message m of the initiator's encapsulation
};

// KeySource hands out clamped X25519 private keys. Production code uses SodiumKeySource; tests
// inject a queue so that a recorded transcript replays byte for byte.
class KeySource {
  public:
    virtual ~KeySource() = default;
    // next_private_key returns a fresh clamped private key for `role`, or
    // Error::key_source_exhausted if the source has none to give.
    [[nodiscard]] virtual Result<crypto::X25519Private> next_private_key(KeyRole role) = 0;
    // fill_secret_random fills `output` with secret random bytes for `purpose`, or fails with
    // Error::key_source_exhausted. The default has none to give: a source made for X3DH-only
    // replays (a queue of recorded keys) refuses every post-quantum step rather than invent bytes.
    [[nodiscard]] virtual Result<void> fill_secret_random(RandomPurpose purpose,
                                                          std::span<std::uint8_t> output);
};

// SodiumKeySource draws keys from libsodium's CSPRNG. Stateless and thread-safe.
class SodiumKeySource final : public KeySource {
  public:
    [[nodiscard]] Result<crypto::X25519Private> next_private_key(KeyRole role) override;
    [[nodiscard]] Result<void> fill_secret_random(RandomPurpose purpose,
                                                  std::span<std::uint8_t> output) override;
    // instance returns a process-wide instance.
    static SodiumKeySource& instance();
};

}  // namespace ratchetcheck
