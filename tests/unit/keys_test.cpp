// Strong key types (keys.hpp): the 33-byte libsignal encoding, its rejections, key agreement
// and the rejection of small-order peers. Expected values come from RFC 7748 §6.1 and Wycheproof.
#include <gtest/gtest.h>

#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/harness/hex.hpp"
#include "ratchetcheck/keys.hpp"
#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

Bytes hex(std::string_view text) {
    auto bytes = harness::from_hex(text);
    EXPECT_TRUE(bytes.has_value()) << text;
    return bytes.value_or(Bytes{});
}

crypto::X25519Private private_from_hex(std::string_view text) {
    const Bytes bytes = hex(text);
    crypto::X25519Private key;
    std::copy(bytes.begin(), bytes.end(), key.mutable_view().begin());
    crypto::x25519_clamp(key.mutable_view());
    return key;
}

// RFC 7748 §6.1 (X25519 Diffie-Hellman test vector).
constexpr std::string_view rfc7748_alice_private =
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr std::string_view rfc7748_alice_public =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
constexpr std::string_view rfc7748_bob_private =
    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
constexpr std::string_view rfc7748_bob_public =
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr std::string_view rfc7748_shared =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

// @evidence check=test:PublicKeyDecode.* functions=SF.INPUT_VALIDATION clauses=X3DH-2.2
TEST(PublicKeyDecode, AcceptsThe33ByteDjbForm) {
    const Bytes encoded = filled_djb_key(0x42);
    auto key = RatchetPublicKey::decode(encoded);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(Bytes(key.value().u.begin(), key.value().u.end()), Bytes(32, 0x42));
}

TEST(PublicKeyDecode, RejectsEveryOtherLength) {
    for (std::size_t length : {0u, 1u, 31u, 32u, 34u, 65u}) {
        Bytes encoded(length, 0x42);
        if (!encoded.empty())
            encoded[0] = djb_key_type;
        auto key = IdentityPublicKey::decode(encoded);
        ASSERT_FALSE(key.ok()) << length;
        EXPECT_EQ(key.error(), Error::invalid_key) << length;
    }
}

TEST(PublicKeyDecode, RejectsAWrongTypeByte) {
    for (std::uint8_t type : {0x00, 0x04, 0x06, 0x85, 0xff}) {
        Bytes encoded = filled_djb_key(0x42);
        encoded[0] = type;
        auto key = BasePublicKey::decode(encoded);
        ASSERT_FALSE(key.ok()) << int(type);
        EXPECT_EQ(key.error(), Error::invalid_key);
    }
}

TEST(PublicKeySerialize, IsTypeByte05ThenU) {
    // libsignal's DJB_TYPE 0x05 prefix (SCHEMA.md §6.4: identities in their 05-prefixed form).
    const Bytes expected = hex("05" + std::string(rfc7748_alice_public));
    IdentityPublicKey key;
    const Bytes u = hex(rfc7748_alice_public);
    std::copy(u.begin(), u.end(), key.u.begin());
    EXPECT_EQ(serialized(key), expected);
    auto decoded = IdentityPublicKey::decode(expected);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded.value(), key);
}

TEST(KeyPair, FromPrivateDerivesTheRfc7748PublicKey) {
    const auto alice = IdentityKeyPair::from_private(private_from_hex(rfc7748_alice_private));
    const auto bob = RatchetKeyPair::from_private(private_from_hex(rfc7748_bob_private));
    EXPECT_EQ(harness::to_hex(alice.public_key.u), rfc7748_alice_public);
    EXPECT_EQ(harness::to_hex(bob.public_key.u), rfc7748_bob_public);
}

TEST(KeyPair, AgreeGivesTheRfc7748SharedSecretFromBothSides) {
    const auto alice = IdentityKeyPair::from_private(private_from_hex(rfc7748_alice_private));
    const auto bob = RatchetKeyPair::from_private(private_from_hex(rfc7748_bob_private));
    auto alice_side = agree(alice, bob.public_key);
    auto bob_side = agree(bob, alice.public_key);
    ASSERT_TRUE(alice_side.ok());
    ASSERT_TRUE(bob_side.ok());
    EXPECT_EQ(harness::to_hex(alice_side.value().view()), rfc7748_shared);
    EXPECT_EQ(harness::to_hex(bob_side.value().view()), rfc7748_shared);
}

TEST(KeyPair, CloneAndRebindKeepTheKey) {
    const auto original = IdentityKeyPair::from_private(private_from_hex(rfc7748_alice_private));
    const auto copy = original.clone();
    const auto as_ratchet = original.rebind_role<role::Ratchet>();
    EXPECT_EQ(copy.public_key, original.public_key);
    EXPECT_TRUE(copy.private_key.equals(original.private_key));
    EXPECT_EQ(as_ratchet.public_key.u, original.public_key.u);
    EXPECT_TRUE(as_ratchet.private_key.equals(original.private_key));
}

TEST(KeyPair, AgreeRejectsEverySmallOrderPeer) {
    const auto own = RatchetKeyPair::from_private(private_from_hex(rfc7748_bob_private));
    for (const LowOrderPoint& point : low_order_points()) {
        RatchetPublicKey peer;
        peer.u = point.u;
        auto shared = agree(own, peer);
        ASSERT_FALSE(shared.ok()) << point.name;
        EXPECT_EQ(shared.error(), Error::invalid_key) << point.name;
    }
}

}  // namespace
}  // namespace ratchetcheck::unit
