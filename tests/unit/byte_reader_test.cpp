// ByteReader and ByteWriter (wire/byte_reader.hpp): every read is bounds-checked and a failed
// read leaves the position where it was. Varint encodings follow the protobuf encoding guide
// ("Base 128 Varints": 150 = 96 01, 300 = ac 02; at most 10 bytes for 64 bits).
#include <gtest/gtest.h>

#include <array>
#include <limits>

#include "ratchetcheck/wire/byte_reader.hpp"
#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

using wire::ByteReader;
using wire::ByteWriter;

TEST(ByteReader, ReadsBytesInOrderAndTracksPosition) {
    const Bytes input = {1, 2, 3, 4, 5};
    ByteReader reader(input);
    EXPECT_EQ(reader.remaining(), 5u);
    EXPECT_EQ(reader.read_byte(), 1);
    const auto two = reader.read_bytes(2);
    ASSERT_TRUE(two.has_value());
    EXPECT_EQ(Bytes(two->begin(), two->end()), (Bytes{2, 3}));
    EXPECT_EQ(reader.position(), 3u);
    EXPECT_EQ(reader.remaining(), 2u);
    std::array<std::uint8_t, 2> fixed{};
    EXPECT_TRUE(reader.read_fixed(fixed));
    EXPECT_EQ(fixed, (std::array<std::uint8_t, 2>{4, 5}));
    EXPECT_TRUE(reader.empty());
}

TEST(ByteReader, ReadByteAtTheEndFails) {
    const Bytes input = {9};
    ByteReader reader(input);
    ASSERT_TRUE(reader.read_byte().has_value());
    EXPECT_FALSE(reader.read_byte().has_value());
    EXPECT_EQ(reader.position(), 1u);
}

TEST(ByteReader, EmptyInputFailsEveryNonEmptyRead) {
    ByteReader reader(ByteView{});
    std::array<std::uint8_t, 1> one{};
    EXPECT_FALSE(reader.read_byte().has_value());
    EXPECT_FALSE(reader.read_bytes(1).has_value());
    EXPECT_FALSE(reader.read_fixed(one));
    EXPECT_FALSE(reader.read_u32_be().has_value());
    EXPECT_FALSE(reader.read_u64_be().has_value());
    EXPECT_FALSE(reader.read_varint().has_value());
    const auto nothing = reader.read_bytes(0);
    ASSERT_TRUE(nothing.has_value());
    EXPECT_TRUE(nothing->empty());
    EXPECT_EQ(reader.position(), 0u);
}

TEST(ByteReader, ReadBytesPastTheEndFailsWithoutMoving) {
    const Bytes input = {1, 2, 3};
    ByteReader reader(input);
    ASSERT_TRUE(reader.read_byte().has_value());
    EXPECT_FALSE(reader.read_bytes(3).has_value());
    EXPECT_FALSE(reader.read_bytes(std::numeric_limits<std::size_t>::max()).has_value());
    EXPECT_EQ(reader.position(), 1u);
    const auto rest = reader.read_bytes(2);
    ASSERT_TRUE(rest.has_value());
    EXPECT_EQ(Bytes(rest->begin(), rest->end()), (Bytes{2, 3}));
}

TEST(ByteReader, ReadFixedPastTheEndFailsWithoutMoving) {
    const Bytes input = {1, 2, 3};
    ByteReader reader(input);
    std::array<std::uint8_t, 4> output{};
    EXPECT_FALSE(reader.read_fixed(output));
    EXPECT_EQ(reader.position(), 0u);
    EXPECT_EQ(reader.remaining(), 3u);
}

TEST(ByteReader, ReadsBigEndianIntegers) {
    const Bytes input = {0x01, 0x02, 0x03, 0x04, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff};
    ByteReader reader(input);
    EXPECT_EQ(reader.read_u32_be(), 0x01020304u);
    EXPECT_EQ(reader.read_u64_be(), 0x80000000000000ffull);
    EXPECT_TRUE(reader.empty());
}

TEST(ByteReader, ShortIntegersFailWithoutMoving) {
    const Bytes three = {1, 2, 3};
    ByteReader u32_reader(three);
    EXPECT_FALSE(u32_reader.read_u32_be().has_value());
    EXPECT_EQ(u32_reader.position(), 0u);
    const Bytes seven = {1, 2, 3, 4, 5, 6, 7};
    ByteReader u64_reader(seven);
    EXPECT_FALSE(u64_reader.read_u64_be().has_value());
    EXPECT_EQ(u64_reader.position(), 0u);
    EXPECT_EQ(u64_reader.read_u32_be(), 0x01020304u);
}

struct VarintCase {
    const char* name;
    Bytes encoding;
    std::optional<std::uint64_t> value;  // nullopt: must be rejected
};

void PrintTo(const VarintCase& test_case, std::ostream* stream) {
    *stream << test_case.name;
}

class VarintDecoding : public ::testing::TestWithParam<VarintCase> {};

TEST_P(VarintDecoding, DecodesOrRejectsWithoutMoving) {
    const VarintCase& test_case = GetParam();
    Bytes input = test_case.encoding;
    // After an accepted varint, a following byte must stay unread. (A rejected encoding is
    // given alone: a following byte could complete a truncated one.)
    if (test_case.value)
        input.push_back(0x5a);
    ByteReader reader(input);
    const auto value = reader.read_varint();
    if (test_case.value) {
        ASSERT_TRUE(value.has_value());
        EXPECT_EQ(*value, *test_case.value);
        EXPECT_EQ(reader.position(), test_case.encoding.size());
        EXPECT_EQ(reader.read_byte(), 0x5a);
    } else {
        EXPECT_FALSE(value.has_value()) << "decoded " << *value;
        EXPECT_EQ(reader.position(), 0u);
    }
}

Bytes repeated(std::uint8_t byte, std::size_t count, std::uint8_t last) {
    Bytes bytes(count, byte);
    bytes.push_back(last);
    return bytes;
}

INSTANTIATE_TEST_SUITE_P(
    ProtobufVarints, VarintDecoding,
    ::testing::Values(VarintCase{"zero", {0x00}, 0}, VarintCase{"one_byte_max", {0x7f}, 127},
                      VarintCase{"guide_150", {0x96, 0x01}, 150},
                      VarintCase{"guide_300", {0xac, 0x02}, 300},
                      VarintCase{"uint32_max", {0xff, 0xff, 0xff, 0xff, 0x0f}, 0xffffffffu},
                      // Ten bytes: the tenth may only carry bit 63.
                      VarintCase{"ten_bytes_uint64_max", repeated(0xff, 9, 0x01),
                                 std::numeric_limits<std::uint64_t>::max()},
                      VarintCase{"ten_bytes_bit_63", repeated(0x80, 9, 0x01), 1ull << 63},
                      // Non-minimal but within ten bytes: protobuf decoders accept it (L3).
                      VarintCase{"padded_one_ten_bytes",
                                 {0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
                                 1},
                      VarintCase{"tenth_byte_overflows_64_bits", repeated(0xff, 9, 0x02),
                                 std::nullopt},
                      VarintCase{"tenth_byte_all_bits", repeated(0xff, 9, 0x7f), std::nullopt},
                      VarintCase{"tenth_byte_continues", repeated(0x80, 9, 0x81), std::nullopt},
                      VarintCase{"eleven_bytes_overlong", repeated(0x80, 10, 0x00), std::nullopt},
                      VarintCase{"eleven_bytes_padded_one",
                                 {0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
                                 std::nullopt},
                      VarintCase{"truncated_after_one_byte", {0x80}, std::nullopt},
                      VarintCase{"truncated_after_nine_bytes", Bytes(9, 0xff), std::nullopt}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ByteReader, VarintAtTheVeryEndIsTruncated) {
    // No following byte at all: the continuation bit points past the input.
    const Bytes input = {0xac};
    ByteReader reader(input);
    EXPECT_FALSE(reader.read_varint().has_value());
    EXPECT_EQ(reader.position(), 0u);
}

TEST(ByteWriter, WritesTheProtobufGuideVarints) {
    ByteWriter writer;
    writer.write_varint(0);
    writer.write_varint(150);
    writer.write_varint(300);
    writer.write_varint(std::numeric_limits<std::uint64_t>::max());
    Bytes expected = {0x00, 0x96, 0x01, 0xac, 0x02};
    const Bytes longest = repeated(0xff, 9, 0x01);
    expected.insert(expected.end(), longest.begin(), longest.end());
    EXPECT_EQ(writer.buffer(), expected);
}

TEST(ByteWriter, WritesBigEndianIntegersAndBytes) {
    ByteWriter writer;
    writer.write_u32_be(0x01020304);
    writer.write_u64_be(0x1122334455667788ull);
    writer.write_bytes(Bytes{0xaa, 0xbb});
    writer.write_byte(0xcc);
    const Bytes expected = {0x01, 0x02, 0x03, 0x04, 0x11, 0x22, 0x33, 0x44,
                            0x55, 0x66, 0x77, 0x88, 0xaa, 0xbb, 0xcc};
    EXPECT_EQ(writer.take(), expected);
}

TEST(ByteWriter, WhatItWritesTheReaderReadsBack) {
    ByteWriter writer;
    const std::vector<std::uint64_t> values = {0,
                                               1,
                                               127,
                                               128,
                                               16383,
                                               16384,
                                               0xffffffffull,
                                               0x100000000ull,
                                               std::numeric_limits<std::uint64_t>::max()};
    for (std::uint64_t value : values)
        writer.write_varint(value);
    const Bytes encoded = writer.take();
    ByteReader reader(encoded);
    for (std::uint64_t value : values)
        EXPECT_EQ(reader.read_varint(), value);
    EXPECT_TRUE(reader.empty());
}

}  // namespace
}  // namespace ratchetcheck::unit
