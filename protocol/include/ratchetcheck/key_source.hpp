// KeySource: the injectable origin of every key pair the protocol generates.
#pragma once

#include "ratchetcheck/key_bytes.hpp"
#include "ratchetcheck/result.hpp"

namespace ratchetcheck {

// KeyRole says which protocol step asks for a key, so an injected source can check the order.
enum class KeyRole { identity, signed_prekey, one_time_prekey, base, ratchet };

// KeySource hands out clamped X25519 private keys. Production code uses SodiumKeySource; tests
// inject a queue so that a recorded transcript replays byte for byte.
class KeySource {
  public:
    virtual ~KeySource() = default;
    // next_private_key returns a fresh clamped private key for `role`, or
    // Error::key_source_exhausted if the source has none to give.
    [[nodiscard]] virtual Result<crypto::X25519Private> next_private_key(KeyRole role) = 0;
};

// SodiumKeySource draws keys from libsodium's CSPRNG. Stateless and thread-safe.
class SodiumKeySource final : public KeySource {
  public:
    [[nodiscard]] Result<crypto::X25519Private> next_private_key(KeyRole role) override;
    // instance returns a process-wide instance.
    static SodiumKeySource& instance();
};

}  // namespace ratchetcheck
