// HMAC-SHA256 known answers from RFC 4231 §4.2-§4.8, test cases 1-7 (typed from the RFC), through
// both the one-shot hmac_sha256 and the keyed HmacSha256 object.
#include <gtest/gtest.h>

#include <numeric>
#include <string_view>

#include "kat_support.hpp"
#include "ratchetcheck/crypto/primitives.hpp"

namespace ratchetcheck::kat {
namespace {

using crypto::HmacSha256;

struct HmacVector {
    const char* name;
    Bytes key;
    Bytes data;
    std::string_view expected_tag;  // hex; case 5 is truncated to 128 bits (RFC 4231 §4.6)
};

Bytes repeated(std::size_t count, std::uint8_t byte) {
    return Bytes(count, byte);
}

Bytes bytes_one_to_twenty_five() {
    Bytes bytes(25);
    std::iota(bytes.begin(), bytes.end(), std::uint8_t{0x01});
    return bytes;
}

const Bytes large_key = repeated(131, 0xaa);
constexpr std::string_view large_key_data_case_6 =
    "Test Using Larger Than Block-Size Key - Hash Key First";
constexpr std::string_view large_key_data_case_7 =
    "This is a test using a larger than block-size key and a larger than block-size data. The "
    "key needs to be hashed before being used by the HMAC algorithm.";

std::vector<HmacVector> rfc4231_vectors() {
    return {
        {"case1", repeated(20, 0x0b), bytes_of_text("Hi There"),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"case2", bytes_of_text("Jefe"), bytes_of_text("what do ya want for nothing?"),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"case3", repeated(20, 0xaa), repeated(50, 0xdd),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"case4", bytes_one_to_twenty_five(), repeated(50, 0xcd),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {"case5", repeated(20, 0x0c), bytes_of_text("Test With Truncation"),
         "a3b6167473100ee06e0c796c2955552b"},
        {"case6", large_key, bytes_of_text(large_key_data_case_6),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"case7", large_key, bytes_of_text(large_key_data_case_7),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
}

// tag_prefix_hex compares only as many bytes as the RFC lists (all 32, or 16 for case 5).
std::string tag_prefix_hex(const crypto::Sha256Digest& tag, std::string_view expected_tag) {
    return hex_of(ByteView(tag).first(expected_tag.size() / 2));
}

// @evidence check=test:Rfc4231HmacSha256.* mechanisms=HMAC-SHA256 clauses=DR-5.2,RFC2104-2,RFC4231-4
TEST(Rfc4231HmacSha256, OneShotFunction) {
    const auto vectors = rfc4231_vectors();
    ASSERT_EQ(vectors.size(), 7u);
    for (const HmacVector& vector : vectors) {
        SCOPED_TRACE(vector.name);
        EXPECT_EQ(tag_prefix_hex(crypto::hmac_sha256(vector.key, vector.data), vector.expected_tag),
                  vector.expected_tag);
    }
}

TEST(Rfc4231HmacSha256, KeyedObject) {
    for (const HmacVector& vector : rfc4231_vectors()) {
        SCOPED_TRACE(vector.name);
        const HmacSha256 keyed(vector.key);
        EXPECT_EQ(tag_prefix_hex(keyed.mac(vector.data), vector.expected_tag), vector.expected_tag);
    }
}

// mac(first, second) is HMAC of the concatenation: every split of the RFC data gives the RFC tag.
TEST(Rfc4231HmacSha256, KeyedObjectTwoPartMessageAtEverySplit) {
    for (const HmacVector& vector : rfc4231_vectors()) {
        SCOPED_TRACE(vector.name);
        const HmacSha256 keyed(vector.key);
        const ByteView data(vector.data);
        for (std::size_t split = 0; split <= data.size(); ++split) {
            EXPECT_EQ(tag_prefix_hex(keyed.mac(data.first(split), data.subspan(split)),
                                     vector.expected_tag),
                      vector.expected_tag)
                << "split at " << split;
        }
    }
}

TEST(Rfc4231HmacSha256, KeyedObjectMacIntoThreeParts) {
    for (const HmacVector& vector : rfc4231_vectors()) {
        SCOPED_TRACE(vector.name);
        const HmacSha256 keyed(vector.key);
        const ByteView data(vector.data);
        const std::size_t third = data.size() / 3;
        crypto::Sha256Digest tag{};
        keyed.mac_into(tag,
                       {data.first(third), data.subspan(third, third), data.subspan(2 * third)});
        EXPECT_EQ(tag_prefix_hex(tag, vector.expected_tag), vector.expected_tag);
    }
}

// One keyed object, several messages, in an interleaved order: computing a MAC must not change
// the keyed state (cases 6 and 7 share their 131-byte key, which HMAC hashes first, RFC 2104 §2).
TEST(Rfc4231HmacSha256, KeyedObjectReusedForSeveralMessages) {
    const HmacSha256 keyed(large_key);
    const Bytes data_case_6 = bytes_of_text(large_key_data_case_6);
    const Bytes data_case_7 = bytes_of_text(large_key_data_case_7);
    const std::string_view tag_case_6 =
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
    const std::string_view tag_case_7 =
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE(round);
        EXPECT_EQ(hex_of(keyed.mac(data_case_6)), tag_case_6);
        EXPECT_EQ(hex_of(keyed.mac(data_case_7)), tag_case_7);
    }
    // The same for a short key (case 3's, zero padded rather than hashed).
    const HmacSha256 short_keyed(repeated(20, 0xaa));
    for (int round = 0; round < 3; ++round) {
        EXPECT_EQ(hex_of(short_keyed.mac(repeated(50, 0xdd))),
                  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
        EXPECT_EQ(hex_of(keyed.mac(data_case_6)), tag_case_6);
    }
}

}  // namespace
}  // namespace ratchetcheck::kat
