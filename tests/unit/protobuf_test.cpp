// The protobuf field reader and writers (wire/protobuf.hpp). Expected encodings are the worked
// examples of the protobuf encoding guide: field 1 = 150 is 08 96 01, field 2 = "testing" is
// 12 07 74 65 73 74 69 6e 67; a tag is (field_number << 3) | wire_type.
#include <gtest/gtest.h>

#include "ratchetcheck/wire/protobuf.hpp"
#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

using wire::ByteReader;
using wire::ByteWriter;
using wire::ProtobufField;
using wire::WireType;

// next_field reads one field and fails the test unless one was read.
ProtobufField next_field(ByteReader& reader) {
    auto field = wire::next_protobuf_field(reader);
    if (!field.ok()) {
        ADD_FAILURE() << "rejected with " << error_name(field.error());
        return {};
    }
    if (!field.value()) {
        ADD_FAILURE() << "no field left";
        return {};
    }
    return *field.value();
}

// malformed_error returns the error of reading the first field of `input`, or nullopt if it was
// accepted.
std::optional<Error> first_field_error(const Bytes& input) {
    ByteReader reader(input);
    auto field = wire::next_protobuf_field(reader);
    if (field.ok())
        return std::nullopt;
    return field.error();
}

TEST(ProtobufReader, CleanEndOfInputIsNoField) {
    ByteReader reader(ByteView{});
    auto field = wire::next_protobuf_field(reader);
    ASSERT_TRUE(field.ok());
    EXPECT_FALSE(field.value().has_value());
}

TEST(ProtobufReader, ReadsTheGuideVarintField) {
    const Bytes input = {0x08, 0x96, 0x01};
    ByteReader reader(input);
    const ProtobufField field = next_field(reader);
    EXPECT_EQ(field.number, 1u);
    EXPECT_EQ(field.type, WireType::varint);
    EXPECT_EQ(field.varint, 150u);
    EXPECT_TRUE(reader.empty());
}

TEST(ProtobufReader, ReadsTheGuideLengthDelimitedField) {
    const Bytes input = {0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'};
    ByteReader reader(input);
    const ProtobufField field = next_field(reader);
    EXPECT_EQ(field.number, 2u);
    EXPECT_EQ(field.type, WireType::length_delimited);
    EXPECT_EQ(as_text(field.bytes), "testing");
    EXPECT_TRUE(reader.empty());
}

TEST(ProtobufReader, EmptyLengthDelimitedFieldIsAllowed) {
    const Bytes input = {0x22, 0x00};
    ByteReader reader(input);
    const ProtobufField field = next_field(reader);
    EXPECT_EQ(field.number, 4u);
    EXPECT_TRUE(field.bytes.empty());
}

TEST(ProtobufReader, SkipsFixedWidthFieldsAndKeepsGoing) {
    // field 3 fixed64, field 4 fixed32, then field 5 varint 1.
    const Bytes input = {0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3, 4, 0x28, 0x01};
    ByteReader reader(input);
    const ProtobufField fixed64 = next_field(reader);
    EXPECT_EQ(fixed64.number, 3u);
    EXPECT_EQ(fixed64.type, WireType::fixed64);
    const ProtobufField fixed32 = next_field(reader);
    EXPECT_EQ(fixed32.number, 4u);
    EXPECT_EQ(fixed32.type, WireType::fixed32);
    const ProtobufField varint = next_field(reader);
    EXPECT_EQ(varint.number, 5u);
    EXPECT_EQ(varint.varint, 1u);
    auto end = wire::next_protobuf_field(reader);
    ASSERT_TRUE(end.ok());
    EXPECT_FALSE(end.value().has_value());
}

TEST(ProtobufReader, AcceptsTheLargestFieldNumber) {
    // 2^29 - 1 is the largest field number protobuf allows.
    ByteWriter writer;
    writer.write_varint((static_cast<std::uint64_t>((1u << 29) - 1) << 3) | 0);
    writer.write_varint(5);
    const Bytes input = writer.take();
    ByteReader reader(input);
    const ProtobufField field = next_field(reader);
    EXPECT_EQ(field.number, (1u << 29) - 1);
    EXPECT_EQ(field.varint, 5u);
}

TEST(ProtobufReader, FieldNumberZeroIsReadLikeAnUnknownField) {
    // protobuf.hpp: field number 0 is invalid protobuf, but libsignal's protobuf-c skips it as an
    // unknown field, so the reader returns it and the message parsers skip it.
    const Bytes input = {0x00, 0x01, 0x02, 0x01, 'x', 0x80, 0x00, 0x05};
    ByteReader reader(input);
    const ProtobufField varint = next_field(reader);
    EXPECT_EQ(varint.number, 0u);
    EXPECT_EQ(varint.type, WireType::varint);
    EXPECT_EQ(varint.varint, 1u);
    const ProtobufField bytes = next_field(reader);
    EXPECT_EQ(bytes.number, 0u);
    EXPECT_EQ(as_text(bytes.bytes), "x");
    const ProtobufField padded_tag = next_field(reader);  // tag 80 00 is a padded 0
    EXPECT_EQ(padded_tag.number, 0u);
    EXPECT_EQ(padded_tag.varint, 5u);
    EXPECT_TRUE(reader.empty());
}

TEST(ProtobufReader, FieldNumberZeroWithAGroupWireTypeIsStillMalformed) {
    EXPECT_EQ(first_field_error({0x03}), Error::malformed);
    EXPECT_EQ(first_field_error({0x04}), Error::malformed);
}

struct MalformedCase {
    const char* name;
    Bytes input;
};

void PrintTo(const MalformedCase& test_case, std::ostream* stream) {
    *stream << test_case.name;
}

class MalformedField : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedField, IsRejectedAsMalformed) {
    EXPECT_EQ(first_field_error(GetParam().input), Error::malformed);
}

Bytes tag_for_field_number(std::uint64_t number, std::uint8_t wire_type) {
    ByteWriter writer;
    writer.write_varint((number << 3) | wire_type);
    writer.write_byte(0x00);
    return writer.take();
}

INSTANTIATE_TEST_SUITE_P(
    ProtobufFieldReader, MalformedField,
    ::testing::Values(
        MalformedCase{"tag_truncated", {0x80}},
        MalformedCase{"tag_eleven_bytes",
                      {0x88, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}},
        MalformedCase{"field_number_above_2_pow_29", tag_for_field_number(1ull << 29, 0)},
        MalformedCase{"field_number_far_too_large", tag_for_field_number(1ull << 40, 0)},
        MalformedCase{"start_group_wire_type_3", {0x0b, 0x0c}},
        MalformedCase{"end_group_wire_type_4", {0x0c}}, MalformedCase{"wire_type_6", {0x0e, 0x00}},
        MalformedCase{"wire_type_7", {0x0f, 0x00}},
        MalformedCase{"varint_value_truncated", {0x08, 0x96}},
        MalformedCase{"varint_value_missing", {0x08}},
        MalformedCase{"varint_value_eleven_bytes",
                      {0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}},
        MalformedCase{"length_missing", {0x0a}}, MalformedCase{"length_truncated", {0x0a, 0x80}},
        MalformedCase{"length_longer_than_input", {0x0a, 0x05, 'a', 'b'}},
        MalformedCase{"length_one_past_input", {0x0a, 0x03, 'a', 'b'}},
        MalformedCase{"length_uint64_max",
                      {0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
        MalformedCase{"fixed64_truncated", {0x09, 1, 2, 3, 4, 5, 6, 7}},
        MalformedCase{"fixed32_truncated", {0x0d, 1, 2, 3}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ProtobufReader, ReadsAFieldAfterAnEarlierOneThenRejectsTheBrokenOne) {
    // A good field followed by a group: the first read succeeds, the second is malformed.
    const Bytes input = {0x08, 0x01, 0x13};
    ByteReader reader(input);
    EXPECT_EQ(next_field(reader).varint, 1u);
    auto broken = wire::next_protobuf_field(reader);
    ASSERT_FALSE(broken.ok());
    EXPECT_EQ(broken.error(), Error::malformed);
}

TEST(ProtobufWriter, WritesTheGuideExamples) {
    ByteWriter writer;
    wire::write_varint_field(writer, 1, 150);
    wire::write_bytes_field(writer, 2, text_bytes("testing"));
    const Bytes expected = {0x08, 0x96, 0x01, 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'};
    EXPECT_EQ(writer.buffer(), expected);
}

TEST(ProtobufWriter, WritesMultiByteTagsAndLengths) {
    ByteWriter writer;
    wire::write_bytes_field(writer, 16, Bytes(200, 0x61));
    const Bytes& written = writer.buffer();
    // Tag 16 << 3 | 2 = 130 = 82 01; length 200 = c8 01.
    ASSERT_GE(written.size(), 4u);
    EXPECT_EQ(Bytes(written.begin(), written.begin() + 4), (Bytes{0x82, 0x01, 0xc8, 0x01}));
    EXPECT_EQ(written.size(), 204u);
}

TEST(ProtobufWriter, WhatItWritesTheReaderReadsBack) {
    ByteWriter writer;
    wire::write_varint_field(writer, 5, 0xffffffffffffffffull);
    wire::write_bytes_field(writer, 536870911, text_bytes("x"));
    const Bytes encoded = writer.take();
    ByteReader reader(encoded);
    const ProtobufField first = next_field(reader);
    EXPECT_EQ(first.number, 5u);
    EXPECT_EQ(first.varint, 0xffffffffffffffffull);
    const ProtobufField second = next_field(reader);
    EXPECT_EQ(second.number, 536870911u);
    EXPECT_EQ(as_text(second.bytes), "x");
    EXPECT_TRUE(reader.empty());
}

}  // namespace
}  // namespace ratchetcheck::unit
