// XEdDSA (Signal's "The XEdDSA and VXEdDSA Signature Schemes", Revision 1): the signed-prekey
// signatures recorded by libsignal-protocol-c in every shared transcript, round trips, and the
// rejections XEdDSA §3 (xeddsa_verify) asks for.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "kat_support.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"

namespace ratchetcheck::kat {
namespace {

namespace fs = std::filesystem;
using crypto::x25519_bytes;
using crypto::X25519Private;
using crypto::X25519Public;
using crypto::xeddsa_nonce_bytes;
using crypto::XeddsaSignature;

// --- the transcripts' signed prekeys (X3DH §3.3) -------------------------------------------------

std::vector<fs::path> transcript_files() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(shared_path("vectors/signal-v3"))) {
        if (entry.path().extension() == ".json")
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// The 33-byte serialized key is 0x05 || u (SCHEMA.md §2); XEdDSA works on u.
X25519Public u_of_serialized_key(const Bytes& serialized) {
    if (serialized.size() != 33 || serialized[0] != 0x05) {
        throw std::invalid_argument("not a 33-byte 0x05 key: " + hex_of(serialized));
    }
    X25519Public u{};
    std::copy(serialized.begin() + 1, serialized.end(), u.begin());
    return u;
}

struct SignedPrekey {
    X25519Public signer_u;  // Bob's identity key without the 0x05 byte
    Bytes signed_message;   // the 33-byte serialized signed prekey
    XeddsaSignature signature;
};

SignedPrekey signed_prekey_of(const fs::path& file) {
    const nlohmann::json document = load_json(file);
    const nlohmann::json& bob = document.at("parties").at("bob");
    SignedPrekey signed_prekey;
    signed_prekey.signer_u =
        u_of_serialized_key(bytes_from_hex(bob.at("identity_key").at("public").get<std::string>()));
    signed_prekey.signed_message =
        bytes_from_hex(bob.at("signed_prekey").at("public").get<std::string>());
    signed_prekey.signature = array_from_hex<crypto::xeddsa_signature_bytes>(
        bob.at("signed_prekey").at("signature").get<std::string>());
    return signed_prekey;
}

class TranscriptSignedPrekey : public ::testing::TestWithParam<fs::path> {};

// @evidence check=test:XeddsaRejects.* mechanisms=XEdDSA functions=SF.KEY_AGREEMENT clauses=X3DH-3.2,XEdDSA-3
// @evidence check=test:XeddsaRoundTrip.* mechanisms=XEdDSA clauses=XEdDSA-3,XEdDSA-5
TEST_P(TranscriptSignedPrekey, SignatureByBobsIdentityKeyVerifies) {
    const SignedPrekey signed_prekey = signed_prekey_of(GetParam());
    ASSERT_EQ(signed_prekey.signed_message.size(), 33u);
    EXPECT_TRUE(crypto::xeddsa_verify(signed_prekey.signer_u, signed_prekey.signed_message,
                                      signed_prekey.signature));
}

// The same recorded signatures with one bit changed anywhere (signature, signed key, signer) must
// fail, so the positive test above cannot pass by accepting everything.
TEST_P(TranscriptSignedPrekey, AnyChangedBitIsRejected) {
    const SignedPrekey signed_prekey = signed_prekey_of(GetParam());
    for (std::size_t bit = 0; bit < signed_prekey.signature.size() * 8; ++bit) {
        XeddsaSignature altered = signed_prekey.signature;
        altered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        EXPECT_FALSE(
            crypto::xeddsa_verify(signed_prekey.signer_u, signed_prekey.signed_message, altered))
            << "signature bit " << bit;
    }
    for (std::size_t bit = 0; bit < signed_prekey.signed_message.size() * 8; ++bit) {
        Bytes altered = signed_prekey.signed_message;
        altered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        EXPECT_FALSE(
            crypto::xeddsa_verify(signed_prekey.signer_u, altered, signed_prekey.signature))
            << "signed key bit " << bit;
    }
    for (std::size_t bit = 0; bit < signed_prekey.signer_u.size() * 8; ++bit) {
        X25519Public altered = signed_prekey.signer_u;
        altered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        EXPECT_FALSE(
            crypto::xeddsa_verify(altered, signed_prekey.signed_message, signed_prekey.signature))
            << "signer bit " << bit;
    }
}

INSTANTIATE_TEST_SUITE_P(SignalV3, TranscriptSignedPrekey, ::testing::ValuesIn(transcript_files()),
                         [](const auto& info) { return info.param.stem().string(); });

TEST(TranscriptSignedPrekeys, AllFivePublicTranscriptsArePresent) {
    EXPECT_GE(transcript_files().size(), 5u);
}

// --- round trips ---------------------------------------------------------------------------------

struct KeyPair {
    X25519Private private_key;
    X25519Public public_key;
};

KeyPair random_key_pair() {
    KeyPair pair;
    crypto::fill_random(pair.private_key.mutable_view());
    crypto::x25519_clamp(pair.private_key.mutable_view());
    pair.public_key = crypto::x25519_public_key(pair.private_key);
    return pair;
}

Bytes random_bytes(std::size_t count) {
    Bytes bytes(count);
    crypto::fill_random(bytes);
    return bytes;
}

constexpr std::size_t message_lengths[] = {0, 1, 31, 32, 33, 64, 127, 128, 255, 256, 1000, 65536};

// The group order q = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1, "L"),
// little-endian.
constexpr std::string_view group_order_hex =
    "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

// is_below_group_order compares the little-endian s of a signature with q.
bool is_below_group_order(std::span<const std::uint8_t, 32> scalar) {
    const auto order = array_from_hex<32>(group_order_hex);
    for (std::size_t index = 32; index-- > 0;) {
        if (scalar[index] != order[index])
            return scalar[index] < order[index];
    }
    return false;
}

TEST(XeddsaRoundTrip, RandomKeysAndMessageLengthsIncludingEmpty) {
    for (int key_number = 0; key_number < 8; ++key_number) {
        const KeyPair signer = random_key_pair();
        for (std::size_t length : message_lengths) {
            SCOPED_TRACE(fmt::format("key {} message length {}", key_number, length));
            const Bytes message = random_bytes(length);
            const XeddsaSignature signature = crypto::xeddsa_sign(signer.private_key, message);
            EXPECT_TRUE(crypto::xeddsa_verify(signer.public_key, message, signature));
            // XEdDSA §3: s = r + h a (mod q), so it is reduced; the top bit of byte 63 is 0,
            // as libsignal's verifier (which reads a sign bit there) requires.
            EXPECT_TRUE(
                is_below_group_order(std::span<const std::uint8_t, 32>(signature.data() + 32, 32)));
        }
    }
}

// --- rejections (XEdDSA §3) ----------------------------------------------------------------------

struct SignedMessage {
    KeyPair signer;
    Bytes message;
    XeddsaSignature signature;
};

SignedMessage signed_random_message(std::size_t length) {
    SignedMessage signed_message{random_key_pair(), random_bytes(length), {}};
    signed_message.signature =
        crypto::xeddsa_sign(signed_message.signer.private_key, signed_message.message);
    return signed_message;
}

// Every bit of the signature, grouped by what it is: R (bytes 0-31), s below its top bit, and the
// top bit of s (which libsignal-compatible verification reads as the Edwards sign bit of A).
TEST(XeddsaRejects, EveryAlteredSignatureBit) {
    const SignedMessage original = signed_random_message(33);
    ASSERT_TRUE(
        crypto::xeddsa_verify(original.signer.public_key, original.message, original.signature));
    std::size_t rejected_r = 0;
    std::size_t rejected_s = 0;
    std::size_t rejected_s_top_bit = 0;
    for (std::size_t bit = 0; bit < 512; ++bit) {
        XeddsaSignature altered = original.signature;
        altered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        const bool accepted =
            crypto::xeddsa_verify(original.signer.public_key, original.message, altered);
        EXPECT_FALSE(accepted) << "signature bit " << bit;
        if (accepted)
            continue;
        if (bit < 256) {
            ++rejected_r;
        } else if (bit < 511) {
            ++rejected_s;
        } else {
            ++rejected_s_top_bit;
        }
    }
    EXPECT_EQ(rejected_r, 256u);
    EXPECT_EQ(rejected_s, 255u);
    EXPECT_EQ(rejected_s_top_bit, 1u);
}

// s + q encodes the same residue as s; XEdDSA §3 (and RFC 8032 §5.1.7) reject s >= q, which
// keeps signatures non-malleable.
TEST(XeddsaRejects, NonCanonicalScalarSPlusGroupOrder) {
    const SignedMessage original = signed_random_message(33);
    const auto order = array_from_hex<32>(group_order_hex);
    XeddsaSignature malleated = original.signature;
    unsigned carry = 0;
    for (std::size_t index = 0; index < 32; ++index) {
        const unsigned sum = malleated[32 + index] + order[index] + carry;
        malleated[32 + index] = static_cast<std::uint8_t>(sum);
        carry = sum >> 8;
    }
    ASSERT_EQ(carry, 0u);
    ASSERT_EQ(malleated[63] & 0x80, 0) << "s + q must not reach the sign bit";
    EXPECT_FALSE(crypto::xeddsa_verify(original.signer.public_key, original.message, malleated));
}

TEST(XeddsaRejects, AlteredMessage) {
    const SignedMessage original = signed_random_message(40);
    for (std::size_t bit = 0; bit < original.message.size() * 8; ++bit) {
        Bytes altered = original.message;
        altered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        EXPECT_FALSE(crypto::xeddsa_verify(original.signer.public_key, altered, original.signature))
            << "message bit " << bit;
    }
    Bytes extended = original.message;
    extended.push_back(0);
    EXPECT_FALSE(crypto::xeddsa_verify(original.signer.public_key, extended, original.signature));
    const ByteView truncated = ByteView(original.message).first(original.message.size() - 1);
    EXPECT_FALSE(crypto::xeddsa_verify(original.signer.public_key, truncated, original.signature));
    EXPECT_FALSE(crypto::xeddsa_verify(original.signer.public_key, {}, original.signature));
}

TEST(XeddsaRejects, AlteredPublicKey) {
    const SignedMessage original = signed_random_message(33);
    for (std::size_t bit = 0; bit < 256; ++bit) {
        X25519Public altered = original.signer.public_key;
        altered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        EXPECT_FALSE(crypto::xeddsa_verify(altered, original.message, original.signature))
            << "public key bit " << bit;
    }
    EXPECT_FALSE(
        crypto::xeddsa_verify(random_key_pair().public_key, original.message, original.signature));
}

// p = 2^255 - 19, little-endian.
constexpr std::string_view field_prime_hex =
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";

// A non-canonical u (u >= p) for a genuine key: u + p encodes the same field element as u (and
// fits in 32 bytes since u, p < 2^255). XEdDSA §3 "if u >= p ...: return false" must reject it even
// though the signature is valid for u itself.
TEST(XeddsaRejects, PublicKeyAtOrAboveTheFieldPrime) {
    const SignedMessage original = signed_random_message(33);
    ASSERT_TRUE(
        crypto::xeddsa_verify(original.signer.public_key, original.message, original.signature));
    const auto prime = array_from_hex<32>(field_prime_hex);
    X25519Public u_plus_p{};
    unsigned carry = 0;
    for (std::size_t index = 0; index < 32; ++index) {
        const unsigned sum = original.signer.public_key[index] + prime[index] + carry;
        u_plus_p[index] = static_cast<std::uint8_t>(sum);
        carry = sum >> 8;
    }
    ASSERT_EQ(carry, 0u);
    EXPECT_FALSE(crypto::xeddsa_verify(u_plus_p, original.message, original.signature));

    // u with the top bit set (X25519 would mask it, RFC 7748 §5; XEdDSA must not).
    X25519Public top_bit_set = original.signer.public_key;
    top_bit_set[31] |= 0x80;
    EXPECT_FALSE(crypto::xeddsa_verify(top_bit_set, original.message, original.signature));

    // p itself, p + 1 and 2^256 - 1.
    X25519Public u_equal_p = prime;
    EXPECT_FALSE(crypto::xeddsa_verify(u_equal_p, original.message, original.signature));
    X25519Public u_p_plus_one = prime;
    u_p_plus_one[0] += 1;
    EXPECT_FALSE(crypto::xeddsa_verify(u_p_plus_one, original.message, original.signature));
    X25519Public all_ones{};
    all_ones.fill(0xff);
    EXPECT_FALSE(crypto::xeddsa_verify(all_ones, original.message, original.signature));
}

// u = -1 = p - 1 has no Edwards image: y = (u - 1)/(u + 1) divides by zero in convert_mont (XEdDSA
// §2.3), so this implementation refuses it.
TEST(XeddsaRejects, PublicKeyMinusOne) {
    X25519Public minus_one = array_from_hex<32>(field_prime_hex);
    minus_one[0] -= 1;
    const SignedMessage genuine = signed_random_message(33);
    EXPECT_FALSE(crypto::xeddsa_verify(minus_one, genuine.message, genuine.signature));
    const XeddsaSignature all_zero{};
    EXPECT_FALSE(crypto::xeddsa_verify(minus_one, genuine.message, all_zero));
    EXPECT_FALSE(crypto::xeddsa_verify(minus_one, {}, all_zero));
}

// The all-zero signature: R = 0 is the encoding of a point of small order (y = 0) and s = 0. It is
// the degenerate value a broken signer or a zeroed buffer produces; it must never verify.
TEST(XeddsaRejects, AllZeroSignature) {
    const XeddsaSignature all_zero{};
    for (int attempt = 0; attempt < 4; ++attempt) {
        const KeyPair signer = random_key_pair();
        EXPECT_FALSE(crypto::xeddsa_verify(signer.public_key, {}, all_zero));
        EXPECT_FALSE(crypto::xeddsa_verify(signer.public_key, random_bytes(33), all_zero));
    }
    EXPECT_FALSE(crypto::xeddsa_verify(signed_prekey_of(transcript_files().at(0)).signer_u,
                                       signed_prekey_of(transcript_files().at(0)).signed_message,
                                       all_zero));
}

// --- deterministic signing (XEdDSA §3: r = hash_1(a || M || Z)) ---------------------------------

TEST(XeddsaDeterministic, SameRandomnessSameSignatureOtherRandomnessOtherSignature) {
    const KeyPair signer = random_key_pair();
    const Bytes message = random_bytes(33);
    std::array<std::uint8_t, xeddsa_nonce_bytes> first_random{};
    first_random.fill(0x5a);
    std::array<std::uint8_t, xeddsa_nonce_bytes> second_random = first_random;
    second_random[63] ^= 0x01;  // one bit of Z changes r, hence R

    const XeddsaSignature first = crypto::xeddsa_sign(signer.private_key, message, first_random);
    const XeddsaSignature again = crypto::xeddsa_sign(signer.private_key, message, first_random);
    const XeddsaSignature second = crypto::xeddsa_sign(signer.private_key, message, second_random);
    EXPECT_EQ(hex_of(first), hex_of(again));
    EXPECT_NE(hex_of(ByteView(first).first(32)), hex_of(ByteView(second).first(32)));
    EXPECT_NE(hex_of(ByteView(first).subspan(32)), hex_of(ByteView(second).subspan(32)));
    EXPECT_TRUE(crypto::xeddsa_verify(signer.public_key, message, first));
    EXPECT_TRUE(crypto::xeddsa_verify(signer.public_key, message, second));
}

TEST(XeddsaDeterministic, FreshRandomnessGivesDifferentSignaturesThatBothVerify) {
    const KeyPair signer = random_key_pair();
    const Bytes message = random_bytes(33);
    const XeddsaSignature first = crypto::xeddsa_sign(signer.private_key, message);
    const XeddsaSignature second = crypto::xeddsa_sign(signer.private_key, message);
    EXPECT_NE(hex_of(first), hex_of(second));
    EXPECT_TRUE(crypto::xeddsa_verify(signer.public_key, message, first));
    EXPECT_TRUE(crypto::xeddsa_verify(signer.public_key, message, second));
}

}  // namespace
}  // namespace ratchetcheck::kat
