// XEdDSA against libsignal-protocol-c 2.3.3, the independent implementation that recorded the
// shared transcripts. The round trips in xeddsa_test.cpp cannot catch a signer and verifier that
// are wrong in the same way; an independent verifier and signer can.
//
// libsignal-protocol-c exports these functions but does not install their headers
// (src/curve25519/ed25519/additions/{curve_sigs,xeddsa}.h), so they are declared here. Each
// returns 0 on success.
//   curve25519_sign / curve25519_verify: the signature scheme libsignal 2.3.3 uses for signed
//     prekeys (curve_calculate_signature / curve_verify_signature). It signs with the unnegated
//     key and stores the Edwards sign bit of A in the top bit of s.
//   xed25519_sign / xed25519_verify: XEdDSA as specified (A's sign bit forced to 0, a negated
//     when needed); verification accepts messages of at most 256 bytes.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <array>

#include "kat_support.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"

extern "C" {
int curve25519_sign(unsigned char* signature_out, const unsigned char* curve25519_privkey,
                    const unsigned char* msg, const unsigned long msg_len,
                    const unsigned char* random);
int curve25519_verify(const unsigned char* signature, const unsigned char* curve25519_pubkey,
                      const unsigned char* msg, const unsigned long msg_len);
int xed25519_sign(unsigned char* signature_out, const unsigned char* curve25519_privkey,
                  const unsigned char* msg, const unsigned long msg_len,
                  const unsigned char* random);
int xed25519_verify(const unsigned char* signature, const unsigned char* curve25519_pubkey,
                    const unsigned char* msg, const unsigned long msg_len);
}

namespace ratchetcheck::kat {
namespace {

using crypto::X25519Private;
using crypto::X25519Public;
using crypto::XeddsaSignature;
using Nonce = std::array<std::uint8_t, crypto::xeddsa_nonce_bytes>;

constexpr int key_count = 64;
constexpr std::size_t message_lengths[] = {0, 1, 33, 100, 256};  // xed25519_verify: <= 256

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

Nonce random_nonce() {
    Nonce nonce{};
    crypto::fill_random(nonce);
    return nonce;
}

// edwards_sign_bit returns the sign bit of E = kB (XEdDSA §2.3 calculate_key_pair), computed with
// libsodium directly rather than through the code under test.
bool edwards_sign_bit(const X25519Private& private_key) {
    std::array<std::uint8_t, crypto_core_ed25519_BYTES> edwards_point{};
    if (crypto_scalarmult_ed25519_base_noclamp(edwards_point.data(), private_key.data()) != 0) {
        ADD_FAILURE() << "kB failed";
    }
    return (edwards_point[31] & 0x80) != 0;
}

// @evidence check=test:XeddsaAgainstLibsignal.* mechanisms=XEdDSA clauses=X3DH-3.2,XEdDSA-2.3,XEdDSA-2.5,XEdDSA-3,XEdDSA-5
TEST(XeddsaAgainstLibsignal, OurSignaturesVerifyUnderBothLibsignalVerifiers) {
    std::size_t verified = 0;
    for (int key_number = 0; key_number < key_count; ++key_number) {
        const KeyPair signer = random_key_pair();
        for (std::size_t length : message_lengths) {
            SCOPED_TRACE(fmt::format("key {} message length {}", key_number, length));
            const Bytes message = random_bytes(length);
            const XeddsaSignature signature = crypto::xeddsa_sign(signer.private_key, message);
            const int xeddsa_result = xed25519_verify(signature.data(), signer.public_key.data(),
                                                      message.data(), message.size());
            const int curve_sigs_result = curve25519_verify(
                signature.data(), signer.public_key.data(), message.data(), message.size());
            EXPECT_EQ(xeddsa_result, 0);
            EXPECT_EQ(curve_sigs_result, 0);
            if (xeddsa_result == 0 && curve_sigs_result == 0)
                ++verified;
        }
    }
    report("xeddsa_libsignal_verifies_ours",
           fmt::format("xeddsa vs libsignal: {} of our signatures verified by xed25519_verify "
                       "and curve25519_verify",
                       verified));
}

// The oracle can say no: a signature with one bit changed is rejected by libsignal too.
TEST(XeddsaAgainstLibsignal, LibsignalRejectsOurAlteredSignatures) {
    const KeyPair signer = random_key_pair();
    const Bytes message = random_bytes(33);
    XeddsaSignature signature = crypto::xeddsa_sign(signer.private_key, message);
    signature[40] ^= 0x01;
    EXPECT_NE(
        xed25519_verify(signature.data(), signer.public_key.data(), message.data(), message.size()),
        0);
    EXPECT_NE(curve25519_verify(signature.data(), signer.public_key.data(), message.data(),
                                message.size()),
              0);
}

TEST(XeddsaAgainstLibsignal, LibsignalSignaturesVerifyUnderOurs) {
    std::size_t verified = 0;
    for (int key_number = 0; key_number < key_count; ++key_number) {
        const KeyPair signer = random_key_pair();
        for (std::size_t length : message_lengths) {
            SCOPED_TRACE(fmt::format("key {} message length {}", key_number, length));
            const Bytes message = random_bytes(length);
            const Nonce nonce = random_nonce();
            XeddsaSignature xeddsa_signature{};
            ASSERT_EQ(xed25519_sign(xeddsa_signature.data(), signer.private_key.data(),
                                    message.data(), message.size(), nonce.data()),
                      0);
            XeddsaSignature curve_sigs_signature{};
            ASSERT_EQ(curve25519_sign(curve_sigs_signature.data(), signer.private_key.data(),
                                      message.data(), message.size(), nonce.data()),
                      0);
            const bool xeddsa_verified =
                crypto::xeddsa_verify(signer.public_key, message, xeddsa_signature);
            const bool curve_sigs_verified =
                crypto::xeddsa_verify(signer.public_key, message, curve_sigs_signature);
            EXPECT_TRUE(xeddsa_verified);
            EXPECT_TRUE(curve_sigs_verified);
            if (xeddsa_verified && curve_sigs_verified)
                ++verified;
        }
    }
    report("xeddsa_we_verify_libsignal",
           fmt::format("xeddsa vs libsignal: {} signatures by xed25519_sign and curve25519_sign "
                       "({} keys x messages) verified by ours",
                       verified * 2, verified));
}

// With the same key, message and 64 bytes of randomness Z, our signature equals libsignal's
// xed25519_sign byte for byte whenever kB has sign bit 1: both then use a = -k mod q and
// r = hash_1(a || M || Z) (XEdDSA §2.3, §3). When the sign bit is 0, libsignal hashes the
// clamped k unreduced while XEdDSA §2.3 says a = k (mod q), and k >= 2^254 > q always, so the
// nonces and hence R differ; both signatures verify (checked above).
TEST(XeddsaAgainstLibsignal, ByteForByteWithXed25519SignWhenTheEdwardsSignBitIsSet) {
    std::size_t identical = 0;
    std::size_t differing_nonce = 0;
    for (int key_number = 0; key_number < key_count; ++key_number) {
        const KeyPair signer = random_key_pair();
        const bool sign_bit = edwards_sign_bit(signer.private_key);
        for (std::size_t length : message_lengths) {
            SCOPED_TRACE(fmt::format("key {} (sign bit {}) message length {}", key_number, sign_bit,
                                     length));
            const Bytes message = random_bytes(length);
            const Nonce nonce = random_nonce();
            const XeddsaSignature ours = crypto::xeddsa_sign(signer.private_key, message, nonce);
            XeddsaSignature theirs{};
            ASSERT_EQ(xed25519_sign(theirs.data(), signer.private_key.data(), message.data(),
                                    message.size(), nonce.data()),
                      0);
            if (sign_bit) {
                EXPECT_EQ(hex_of(ours), hex_of(theirs));
                if (ours == theirs)
                    ++identical;
            } else {
                EXPECT_NE(hex_of(ByteView(ours).first(32)), hex_of(ByteView(theirs).first(32)));
                if (!std::equal(ours.begin(), ours.begin() + 32, theirs.begin())) {
                    ++differing_nonce;
                }
            }
        }
    }
    // With 64 random keys each class is empty with probability 2^-64.
    EXPECT_GT(identical, 0u);
    EXPECT_GT(differing_nonce, 0u);
    report("xeddsa_byte_for_byte",
           fmt::format("xeddsa vs libsignal xed25519_sign: {} signatures identical (sign bit 1), "
                       "{} with the expected different nonce (sign bit 0)",
                       identical, differing_nonce));
}

}  // namespace
}  // namespace ratchetcheck::kat
