// HKDF-SHA256 known answers from RFC 5869 Appendix A, test cases 1-3 (typed from the RFC). The
// PRK is internal to hkdf_sha256, so only the OKM is compared.
#include <gtest/gtest.h>

#include <numeric>
#include <string_view>

#include "kat_support.hpp"
#include "ratchetcheck/crypto/primitives.hpp"

namespace ratchetcheck::kat {
namespace {

// consecutive_bytes returns first, first + 1, ..., last (the RFC writes its inputs this way).
Bytes consecutive_bytes(std::uint8_t first, std::uint8_t last) {
    Bytes bytes(static_cast<std::size_t>(last - first) + 1);
    std::iota(bytes.begin(), bytes.end(), first);
    return bytes;
}

std::string hkdf_hex(ByteView input_key_material, ByteView salt, ByteView info,
                     std::size_t length) {
    Bytes output(length);
    const Result<void> derived = crypto::hkdf_sha256(input_key_material, salt, info, output);
    if (!derived.ok())
        return std::string("error: ") + std::string(error_name(derived.error()));
    return hex_of(output);
}

// @evidence check=test:Rfc5869HkdfSha256.* mechanisms=HKDF-SHA256 clauses=DR-5.2,RFC5869-2.2,RFC5869-2.3,RFC5869-A
TEST(Rfc5869HkdfSha256, TestCase1Basic) {
    const Bytes input_key_material(22, 0x0b);
    EXPECT_EQ(hkdf_hex(input_key_material, consecutive_bytes(0x00, 0x0c),
                       consecutive_bytes(0xf0, 0xf9), 42),
              "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887"
              "185865");
}

TEST(Rfc5869HkdfSha256, TestCase2LongInputsAndOutput) {
    EXPECT_EQ(hkdf_hex(consecutive_bytes(0x00, 0x4f), consecutive_bytes(0x60, 0xaf),
                       consecutive_bytes(0xb0, 0xff), 82),
              "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac782"
              "7271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3"
              "434f1d87");
}

constexpr std::string_view test_case_3_output =
    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8";

TEST(Rfc5869HkdfSha256, TestCase3EmptySaltAndInfo) {
    const Bytes input_key_material(22, 0x0b);
    EXPECT_EQ(hkdf_hex(input_key_material, {}, {}, 42), test_case_3_output);
}

// RFC 5869 §2.2: "if not provided, [salt] is set to a string of HashLen zeros". Test case 3 with
// the 32 zero bytes written out must give the same RFC output (Signal passes this salt).
TEST(Rfc5869HkdfSha256, TestCase3WithExplicitZeroSalt) {
    const Bytes input_key_material(22, 0x0b);
    const Bytes zero_salt(crypto::sha256_bytes, 0x00);
    EXPECT_EQ(hkdf_hex(input_key_material, zero_salt, {}, 42), test_case_3_output);
}

// HMAC zero-pads keys up to the block size (64 bytes) and hashes longer ones (RFC 2104 §2): a salt
// of 64 zero bytes is still the RFC's zero salt, one of 65 zero bytes is a different key.
TEST(Rfc5869HkdfSha256, TestCase3ZeroSaltAtTheHmacBlockSizeBoundary) {
    const Bytes input_key_material(22, 0x0b);
    EXPECT_EQ(hkdf_hex(input_key_material, Bytes(64, 0x00), {}, 42), test_case_3_output);
    const std::string hashed_key_output = hkdf_hex(input_key_material, Bytes(65, 0x00), {}, 42);
    EXPECT_EQ(hashed_key_output.size(), 84u);
    EXPECT_NE(hashed_key_output, test_case_3_output);
}

// RFC 5869 §2.3: L <= 255 * HashLen.
TEST(Rfc5869HkdfSha256, OutputLengthLimit) {
    const Bytes input_key_material(22, 0x0b);
    Bytes longest(crypto::hkdf_sha256_max_output);
    EXPECT_TRUE(crypto::hkdf_sha256(input_key_material, {}, {}, longest).ok());
    Bytes too_long(crypto::hkdf_sha256_max_output + 1);
    const Result<void> rejected = crypto::hkdf_sha256(input_key_material, {}, {}, too_long);
    ASSERT_FALSE(rejected.ok());
    EXPECT_EQ(rejected.error(), Error::malformed);
}

}  // namespace
}  // namespace ratchetcheck::kat
