// SeededKeySource: a KeySource whose keys are a pure function of a 64-bit seed and the order in
// which they are asked for, so that an op trace (which carries the seed) replays exactly, byte
// for byte. It logs every key it hands out: the side-by-side runner reads the log to map ratchet
// public keys to the model's epochs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ratchetcheck/key_source.hpp"
#include "ratchetcheck/keys.hpp"

namespace ratchetcheck::harness {

// seeded_bytes fills `output` with HMAC-SHA256(seed, label || counter)-derived bytes: the one
// deterministic byte stream of a trace (keys, signature randomness, forged ciphertexts).
void seeded_bytes(std::uint64_t seed, std::string_view label, std::uint64_t counter,
                  std::span<std::uint8_t> output);

class SeededKeySource final : public KeySource {
  public:
    explicit SeededKeySource(std::uint64_t seed, std::string_view label = "key")
        : seed_(seed), label_(label) {}

    struct Issued {
        KeyRole role;
        crypto::X25519Public public_key;
    };
    // issued lists every key handed out, in order.
    const std::vector<Issued>& issued() const { return issued_; }

    [[nodiscard]] Result<crypto::X25519Private> next_private_key(KeyRole role) override;
    // fill_secret_random gives the Kyber randomness (RandomPurpose), from the seed too, counted
    // apart from the keys.
    [[nodiscard]] Result<void> fill_secret_random(RandomPurpose purpose,
                                                  std::span<std::uint8_t> output) override;

  private:
    std::uint64_t seed_;
    std::string_view label_;
    std::vector<Issued> issued_;
    std::uint64_t random_draws_ = 0;
};

}  // namespace ratchetcheck::harness
