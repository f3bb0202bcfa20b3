#include "ratchetcheck/harness/seeded_key_source.hpp"

#include <algorithm>
#include <array>

#include "ratchetcheck/crypto/primitives.hpp"

namespace ratchetcheck::harness {

void seeded_bytes(std::uint64_t seed, std::string_view label, std::uint64_t counter,
                  std::span<std::uint8_t> output) {
    std::array<std::uint8_t, 8> seed_bytes{};
    std::array<std::uint8_t, 8> counter_bytes{};
    for (std::size_t index = 0; index < 8; ++index) {
        seed_bytes[index] = static_cast<std::uint8_t>(seed >> (8 * (7 - index)));
        counter_bytes[index] = static_cast<std::uint8_t>(counter >> (8 * (7 - index)));
    }
    const crypto::HmacSha256 mac(seed_bytes);
    const ByteView label_bytes(reinterpret_cast<const std::uint8_t*>(label.data()), label.size());
    std::uint8_t block = 0;
    for (std::size_t offset = 0; offset < output.size(); offset += crypto::sha256_bytes, ++block) {
        crypto::Sha256Digest digest;
        mac.mac_into(digest, {label_bytes, ByteView(counter_bytes), ByteView(&block, 1)});
        const std::size_t take = std::min(output.size() - offset, digest.size());
        std::copy_n(digest.begin(), take, output.begin() + static_cast<std::ptrdiff_t>(offset));
    }
}

Result<crypto::X25519Private> SeededKeySource::next_private_key(KeyRole role) {
    crypto::X25519Private key;
    seeded_bytes(seed_, label_, issued_.size(), key.mutable_view());
    crypto::x25519_clamp(key.mutable_view());
    issued_.push_back(Issued{role, crypto::x25519_public_key(key)});
    return key;
}

Result<void> SeededKeySource::fill_secret_random(RandomPurpose purpose,
                                                 std::span<std::uint8_t> output) {
    // A stream of its own ("<label>-kem"), so that adding Kyber draws to a run does not move any
    // X25519 key of the stream the v3 traces were recorded with.
    std::string label(label_);
    label += purpose == RandomPurpose::kyber_key_pair ? "-kem-key-pair" : "-kem-encapsulation";
    seeded_bytes(seed_, label, random_draws_++, output);
    return {};
}

}  // namespace ratchetcheck::harness
