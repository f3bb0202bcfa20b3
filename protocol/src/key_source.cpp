#include "ratchetcheck/key_source.hpp"

#include "ratchetcheck/crypto/primitives.hpp"

namespace ratchetcheck {

Result<crypto::X25519Private> SodiumKeySource::next_private_key(KeyRole) {
    crypto::X25519Private key;
    crypto::fill_random(key.mutable_view());
    crypto::x25519_clamp(key.mutable_view());
    return key;
}

Result<void> KeySource::fill_secret_random(RandomPurpose, std::span<std::uint8_t>) {
    return Error::key_source_exhausted;
}

Result<void> SodiumKeySource::fill_secret_random(RandomPurpose, std::span<std::uint8_t> output) {
    crypto::fill_random(output);
    return {};
}

SodiumKeySource& SodiumKeySource::instance() {
    static SodiumKeySource source;
    return source;
}

}  // namespace ratchetcheck
