// SecretArray (wipes on move and destruction, CONVENTIONS.md "Secrets and bytes") and
// constant_time_equal.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <new>
#include <numeric>

#include "kat_support.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::kat {
namespace {

constexpr std::size_t secret_size = 32;
using Secret = SecretArray<secret_size>;

Secret secret_counting_from(std::uint8_t first) {
    std::array<std::uint8_t, secret_size> bytes{};
    std::iota(bytes.begin(), bytes.end(), first);
    return Secret(std::span<const std::uint8_t, secret_size>(bytes));
}

std::string expected_hex_counting_from(std::uint8_t first) {
    std::array<std::uint8_t, secret_size> bytes{};
    std::iota(bytes.begin(), bytes.end(), first);
    return hex_of(bytes);
}

// @evidence check=test:SecretArray.* functions=SF.ZEROIZATION clauses=DR-6.1
TEST(SecretArray, MoveConstructionLeavesTheSourceZeroed) {
    Secret source = secret_counting_from(1);
    const Secret destination(std::move(source));
    EXPECT_EQ(hex_of(destination.view()), expected_hex_counting_from(1));
    // Reading a moved-from SecretArray is defined: its documented state is all zero.
    EXPECT_TRUE(is_all_zero(source.view()));  // NOLINT(bugprone-use-after-move)
}

TEST(SecretArray, MoveAssignmentLeavesTheSourceZeroedAndOverwritesTheTarget) {
    Secret source = secret_counting_from(1);
    Secret target = secret_counting_from(100);
    target = std::move(source);
    EXPECT_EQ(hex_of(target.view()), expected_hex_counting_from(1));
    EXPECT_TRUE(is_all_zero(source.view()));  // NOLINT(bugprone-use-after-move)
}

TEST(SecretArray, SelfMoveAssignmentKeepsTheBytes) {
    Secret secret = secret_counting_from(7);
    Secret& alias = secret;
    secret = std::move(alias);
    EXPECT_EQ(hex_of(secret.view()), expected_hex_counting_from(7));
}

TEST(SecretArray, DefaultIsZeroAndCloneIsAnEqualIndependentCopy) {
    EXPECT_TRUE(is_all_zero(Secret().view()));
    const Secret original = secret_counting_from(1);
    Secret copy = original.clone();
    EXPECT_EQ(hex_of(copy.view()), expected_hex_counting_from(1));
    EXPECT_TRUE(copy.equals(original));
    copy.mutable_view()[31] ^= 0x01;
    EXPECT_FALSE(copy.equals(original));
    EXPECT_EQ(hex_of(original.view()), expected_hex_counting_from(1));
}

// The destructor wipes: build the secret in storage we own, end its lifetime explicitly, and look
// at the storage (which outlives it). sodium_memzero cannot be optimised away.
TEST(SecretArray, DestructionWipesTheBytes) {
    alignas(Secret) std::array<unsigned char, sizeof(Secret)> storage{};
    Secret* secret = new (storage.data()) Secret(secret_counting_from(1));
    ASSERT_FALSE(is_all_zero(ByteView(storage.data(), storage.size())));
    secret->~Secret();
    EXPECT_TRUE(is_all_zero(ByteView(storage.data(), storage.size())));
}

TEST(ConstantTimeEqual, EqualAndUnequalStrings) {
    const Bytes text = bytes_of_text("constant time comparison of secrets");
    Bytes same = text;
    EXPECT_TRUE(constant_time_equal(text, same));
    EXPECT_TRUE(constant_time_equal({}, {}));
    for (std::size_t index : {std::size_t{0}, text.size() / 2, text.size() - 1}) {
        Bytes altered = text;
        altered[index] ^= 0x80;
        EXPECT_FALSE(constant_time_equal(text, altered)) << "byte " << index;
    }
}

TEST(ConstantTimeEqual, DifferentLengthsAreUnequal) {
    const Bytes text = bytes_of_text("abcdef");
    EXPECT_FALSE(constant_time_equal(text, ByteView(text).first(text.size() - 1)));
    EXPECT_FALSE(constant_time_equal(ByteView(text).first(text.size() - 1), text));
    EXPECT_FALSE(constant_time_equal(text, {}));
    EXPECT_FALSE(constant_time_equal({}, text));
}

}  // namespace
}  // namespace ratchetcheck::kat
