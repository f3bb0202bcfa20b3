// X25519 known answers from RFC 7748 (values typed from the RFC text).
#include <gtest/gtest.h>

#include <string_view>

#include "kat_support.hpp"
#include "ratchetcheck/crypto/primitives.hpp"

namespace ratchetcheck::kat {
namespace {

using crypto::x25519_bytes;
using crypto::X25519Private;
using crypto::X25519Public;

X25519Private private_from_hex(std::string_view hex) {
    const auto bytes = array_from_hex<x25519_bytes>(hex);
    return X25519Private(std::span<const std::uint8_t, x25519_bytes>(bytes));
}

// x25519_or_fail returns X25519(scalar, u), recording a test failure (and returning zeros) when
// our implementation rejects the inputs.
X25519Public x25519_or_fail(const X25519Private& scalar, const X25519Public& u_coordinate) {
    auto shared = crypto::x25519(scalar, u_coordinate);
    X25519Public output{};
    if (!shared.ok()) {
        ADD_FAILURE() << "x25519 rejected u = " << hex_of(u_coordinate) << ": "
                      << error_name(shared.error());
        return output;
    }
    std::copy(shared.value().view().begin(), shared.value().view().end(), output.begin());
    return output;
}

struct ScalarMultiplicationVector {
    std::string_view scalar;
    std::string_view u_coordinate;
    std::string_view output;
};

// RFC 7748 §5.2, the two single-multiplication test vectors. The scalars are not clamped and the
// second u-coordinate has its top bit set: the function must clamp (§5, decodeScalar25519) and
// mask the top bit (§5, decodeUCoordinate) itself.
constexpr ScalarMultiplicationVector rfc7748_section_5_2_vectors[] = {
    {"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
     "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
     "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
    {"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
     "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
     "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
};

// @evidence check=test:Rfc7748X25519.* mechanisms=X25519 functions=SF.KEY_AGREEMENT clauses=RFC7748-5,RFC7748-5.2,RFC7748-6.1
TEST(Rfc7748X25519, Section5_2TestVectors) {
    for (const ScalarMultiplicationVector& vector : rfc7748_section_5_2_vectors) {
        SCOPED_TRACE(vector.scalar);
        const X25519Private scalar = private_from_hex(vector.scalar);
        const X25519Public u_coordinate = array_from_hex<x25519_bytes>(vector.u_coordinate);
        EXPECT_EQ(hex_of(x25519_or_fail(scalar, u_coordinate)), vector.output);
    }
}

// RFC 7748 §5.2 iterated test: k = u = 9; repeat { r = X25519(k, u); u = k; k = r }.
X25519Public iterate_x25519(int iterations) {
    X25519Public scalar{};
    scalar[0] = 9;
    X25519Public u_coordinate = scalar;
    for (int iteration = 0; iteration < iterations; ++iteration) {
        const X25519Public result = x25519_or_fail(
            X25519Private(std::span<const std::uint8_t, x25519_bytes>(scalar)), u_coordinate);
        u_coordinate = scalar;
        scalar = result;
    }
    return scalar;
}

TEST(Rfc7748X25519, IteratedOnce) {
    EXPECT_EQ(hex_of(iterate_x25519(1)),
              "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
}

TEST(Rfc7748X25519, IteratedOneThousandTimes) {
    EXPECT_EQ(hex_of(iterate_x25519(1000)),
              "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

// RFC 7748 §5.2's million iterations: 31–77 s measured. Part of the kat label, not disabled: the
// evidence verdict counts a test that did not run as missing evidence (decisions E44).
TEST(Rfc7748X25519, IteratedOneMillionTimes) {
    EXPECT_EQ(hex_of(iterate_x25519(1000000)),
              "7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424");
}

// RFC 7748 §6.1 Diffie-Hellman example.
constexpr std::string_view alice_private_hex =
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr std::string_view alice_public_hex =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
constexpr std::string_view bob_private_hex =
    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
constexpr std::string_view bob_public_hex =
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr std::string_view shared_secret_hex =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

TEST(Rfc7748X25519, Section6_1PublicKeys) {
    EXPECT_EQ(hex_of(crypto::x25519_public_key(private_from_hex(alice_private_hex))),
              alice_public_hex);
    EXPECT_EQ(hex_of(crypto::x25519_public_key(private_from_hex(bob_private_hex))), bob_public_hex);
}

TEST(Rfc7748X25519, Section6_1SharedSecretBothWays) {
    const X25519Public alice_public = array_from_hex<x25519_bytes>(alice_public_hex);
    const X25519Public bob_public = array_from_hex<x25519_bytes>(bob_public_hex);
    EXPECT_EQ(hex_of(x25519_or_fail(private_from_hex(alice_private_hex), bob_public)),
              shared_secret_hex);
    EXPECT_EQ(hex_of(x25519_or_fail(private_from_hex(bob_private_hex), alice_public)),
              shared_secret_hex);
}

// RFC 7748 §6.1: "check ... whether the shared secret is the all-zero value and abort if so";
// our x25519 does (decisions D2). u = 0 is the simplest point of small order.
TEST(Rfc7748X25519, Section6_1AllZeroOutputIsRejected) {
    const X25519Public zero_point{};
    const auto shared = crypto::x25519(private_from_hex(alice_private_hex), zero_point);
    ASSERT_FALSE(shared.ok());
    EXPECT_EQ(shared.error(), Error::invalid_key);
}

}  // namespace
}  // namespace ratchetcheck::kat
