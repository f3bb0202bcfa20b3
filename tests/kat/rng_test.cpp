// The random number generator as the protocol uses it (mechanism RNG of the security target):
// libsodium's randombytes_buf behind crypto::fill_random, SodiumKeySource for every generated
// key, fresh 64-byte XEdDSA nonces. A CSPRNG has no known answer; what can fail here is the use:
// a source that returns the same key twice, a key left unclamped (RFC 7748 §5), a signature
// nonce reused (two signatures of one message equal), an output left zero. What happens when no
// key can be drawn (Error::key_source_exhausted, state unchanged) is KeySourceExhaustion.* in
// tests/unit/party_rejection_test.cpp.
// @evidence check=test:RandomGeneration.* mechanisms=RNG functions=SF.PER_MESSAGE_KEYS
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <vector>

#include "kat_support.hpp"
#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/key_source.hpp"

namespace ratchetcheck::kat {
namespace {

constexpr std::size_t draws = 1000;

std::vector<std::uint8_t> copy_of(std::span<const std::uint8_t> bytes) {
    return {bytes.begin(), bytes.end()};
}

TEST(RandomGeneration, KeySourceGivesDistinctClampedKeys) {
    std::set<std::vector<std::uint8_t>> seen;
    for (std::size_t draw = 0; draw < draws; ++draw) {
        auto key = SodiumKeySource::instance().next_private_key(KeyRole::ratchet);
        ASSERT_TRUE(key.ok());
        const auto bytes = copy_of(key.value().view());
        // RFC 7748 §5 decodeScalar25519: the three low bits clear, bit 255 clear, bit 254 set.
        EXPECT_EQ(bytes[0] & 7, 0) << "draw " << draw;
        EXPECT_EQ(bytes[31] & 0x80, 0) << "draw " << draw;
        EXPECT_EQ(bytes[31] & 0x40, 0x40) << "draw " << draw;
        EXPECT_TRUE(seen.insert(bytes).second) << "the key source repeated a key at draw " << draw;
    }
}

TEST(RandomGeneration, FillRandomCoversEveryByteAndNeverRepeats) {
    // Each byte position takes many values over the draws: a source that leaves a position
    // constant (a short write, a zeroed tail) fails. 1000 draws of 64 bytes: a uniform byte takes
    // fewer than 200 of the 256 values with probability far below 2^-100.
    std::array<std::set<std::uint8_t>, 64> values_at{};
    std::set<std::vector<std::uint8_t>> seen;
    for (std::size_t draw = 0; draw < draws; ++draw) {
        std::array<std::uint8_t, 64> output{};
        crypto::fill_random(output);
        for (std::size_t position = 0; position < output.size(); ++position)
            values_at[position].insert(output[position]);
        EXPECT_TRUE(seen.insert(copy_of(output)).second) << "repeat at draw " << draw;
    }
    for (std::size_t position = 0; position < values_at.size(); ++position)
        EXPECT_GE(values_at[position].size(), 200u) << "byte " << position;
}

TEST(RandomGeneration, XeddsaSignaturesUseFreshNonces) {
    auto key = SodiumKeySource::instance().next_private_key(KeyRole::identity);
    ASSERT_TRUE(key.ok());
    const crypto::X25519Public public_key = crypto::x25519_public_key(key.value());
    const std::array<std::uint8_t, 5> message{'h', 'e', 'l', 'l', 'o'};
    std::set<std::vector<std::uint8_t>> signatures;
    for (std::size_t draw = 0; draw < 64; ++draw) {
        const crypto::XeddsaSignature signature = crypto::xeddsa_sign(key.value(), message);
        EXPECT_TRUE(crypto::xeddsa_verify(public_key, message, signature));
        // XEdDSA's 64 random bytes Z enter the nonce r: a repeat would reveal the private key.
        EXPECT_TRUE(signatures.insert(copy_of(signature)).second) << "nonce repeated at " << draw;
    }
}

}  // namespace
}  // namespace ratchetcheck::kat
