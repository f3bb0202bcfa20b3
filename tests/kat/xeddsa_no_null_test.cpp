// XEdDSA verification never hands libsodium a null pointer, not even for an empty message (the
// rule secret.cpp states for sodium_memcmp: an empty ByteView may carry a null pointer, and a
// library's pointer parameters are not promised to accept one). This binary is linked with
// -Wl,--wrap=crypto_sign_ed25519_verify_detached (tests/kat/CMakeLists.txt), so the wrapper below
// sees the pointer xeddsa_verify passes before libsodium does. UBSan cannot see it: libsodium is
// not instrumented and does not declare that parameter nonnull.
#include <gtest/gtest.h>

#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/key_source.hpp"
#include "ratchetcheck/keys.hpp"

namespace {
int null_messages_passed = 0;
int verify_calls = 0;
}  // namespace

// NOLINTBEGIN(bugprone-reserved-identifier): the names --wrap gives the real and the wrapper.
extern "C" {
int __real_crypto_sign_ed25519_verify_detached(const unsigned char* signature,
                                               const unsigned char* message,
                                               unsigned long long message_length,
                                               const unsigned char* public_key);

int __wrap_crypto_sign_ed25519_verify_detached(const unsigned char* signature,
                                               const unsigned char* message,
                                               unsigned long long message_length,
                                               const unsigned char* public_key) {
    ++verify_calls;
    if (message == nullptr)
        ++null_messages_passed;
    return __real_crypto_sign_ed25519_verify_detached(signature, message, message_length,
                                                      public_key);
}
}
// NOLINTEND(bugprone-reserved-identifier)

namespace ratchetcheck::crypto {
namespace {

TEST(XeddsaNoNull, EmptyMessageSignsAndVerifiesWithoutANullPointer) {
    auto private_key = SodiumKeySource::instance().next_private_key(KeyRole::identity);
    ASSERT_TRUE(private_key.ok());
    const X25519Public public_key = x25519_public_key_of(private_key.value());
    const ByteView empty;
    ASSERT_EQ(empty.data(), nullptr);  // what the test is about: an empty view with no storage

    const XeddsaSignature signature = xeddsa_sign(private_key.value(), empty);
    EXPECT_TRUE(xeddsa_verify(public_key, empty, signature));
    // Control: the signature is over the empty message, not over any message.
    const std::uint8_t one_byte = 0;
    EXPECT_FALSE(xeddsa_verify(public_key, ByteView(&one_byte, 1), signature));
    EXPECT_EQ(verify_calls, 2);
    EXPECT_EQ(null_messages_passed, 0);
}

}  // namespace
}  // namespace ratchetcheck::crypto
