// parse_signal_message and parse_prekey_signal_message (wire/signal_message.hpp). The malformed
// messages are built field by field with the protobuf writers (unit_fixture.cpp), never by our
// own encrypt. Expected errors and their order: docs/decisions.md L1–L4, SCHEMA.md §6.4–6.5.
#include <gtest/gtest.h>

#include "ratchetcheck/harness/hex.hpp"
#include "ratchetcheck/wire/byte_reader.hpp"
#include "ratchetcheck/wire/protobuf.hpp"
#include "ratchetcheck/wire/signal_message.hpp"
#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

using wire::ByteWriter;

constexpr std::uint8_t message_version = 3;

std::string repeat_hex(std::string_view byte, std::size_t count) {
    std::string out;
    for (std::size_t index = 0; index < count; ++index)
        out += byte;
    return out;
}

Bytes from_hex(const std::string& text) {
    auto bytes = harness::from_hex(text);
    EXPECT_TRUE(bytes.has_value());
    return bytes.value_or(Bytes{});
}

Bytes view_bytes(ByteView view) {
    return Bytes(view.begin(), view.end());
}

// The well-formed SignalMessage of well_formed_signal_fields(), written out by hand from
// SCHEMA.md §6.4: version 33; field 1 (tag 0a) 33 bytes; field 2 (tag 10) = 5; field 3 (tag 18)
// = 3; field 4 (tag 22) 16 bytes; then the 8-byte MAC.
std::string literal_signal_message_hex() {
    return "33"
           "0a21"
           "05" +
           repeat_hex("11", 32) +
           "1005"
           "1803"
           "2210" +
           repeat_hex("aa", 16) + repeat_hex("ee", 8);
}

// The well-formed PreKeySignalMessage of well_formed_prekey_fields() (SCHEMA.md §6.5): version
// 33; field 1 (08) = 11; field 2 (12) base key; field 3 (1a) identity key; field 4 (22) the
// 66-byte SignalMessage above; field 5 (28) = 1234 = d2 09; field 6 (30) = 7.
std::string literal_prekey_message_hex() {
    return "33"
           "080b"
           "1221"
           "05" +
           repeat_hex("22", 32) +
           "1a21"
           "05" +
           repeat_hex("33", 32) + "2242" + literal_signal_message_hex() +
           "28d209"
           "3007";
}

Bytes varint_field(std::uint32_t number, std::uint64_t value) {
    ByteWriter writer;
    wire::write_varint_field(writer, number, value);
    return writer.take();
}

Bytes bytes_field(std::uint32_t number, ByteView value) {
    ByteWriter writer;
    wire::write_bytes_field(writer, number, value);
    return writer.take();
}

Bytes fixed32_field(std::uint32_t number) {
    ByteWriter writer;
    writer.write_varint((static_cast<std::uint64_t>(number) << 3) | 5);
    writer.write_u32_be(0x01020304);
    return writer.take();
}

Bytes fixed64_field(std::uint32_t number) {
    ByteWriter writer;
    writer.write_varint((static_cast<std::uint64_t>(number) << 3) | 1);
    writer.write_u64_be(0x0102030405060708ull);
    return writer.take();
}

Bytes concatenate(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& part : parts)
        out.insert(out.end(), part.begin(), part.end());
    return out;
}

std::optional<Error> signal_error(const Bytes& bytes) {
    auto parsed = wire::parse_signal_message(bytes, message_version);
    if (parsed.ok())
        return std::nullopt;
    return parsed.error();
}

std::optional<Error> prekey_error(const Bytes& bytes) {
    auto parsed = wire::parse_prekey_signal_message(bytes, message_version);
    if (parsed.ok())
        return std::nullopt;
    return parsed.error();
}

// --- SignalMessage: layout and round trip
// ---------------------------------------------------------

TEST(SignalMessageLayout, HandBuiltFieldsMatchTheLiteralBytes) {
    EXPECT_EQ(harness::to_hex(encode_signal_message(well_formed_signal_fields())),
              literal_signal_message_hex());
}

TEST(SignalMessageLayout, SerializerWritesTheLiteralBytes) {
    RatchetPublicKey key;
    key.u.fill(0x11);
    Bytes message =
        wire::serialize_signal_message_body(current_version_byte, key, 5, 3, Bytes(16, 0xaa));
    const Bytes mac(8, 0xee);
    message.insert(message.end(), mac.begin(), mac.end());
    EXPECT_EQ(harness::to_hex(message), literal_signal_message_hex());
}

TEST(ParseSignalMessage, ReadsEveryFieldOfTheLiteral) {
    const Bytes bytes = from_hex(literal_signal_message_hex());
    auto parsed = wire::parse_signal_message(bytes, message_version);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    const wire::SignalMessage& message = parsed.value();
    EXPECT_EQ(message.version_byte, 0x33);
    EXPECT_EQ(message.message_version(), 3);
    EXPECT_EQ(serialized(message.ratchet_key), filled_djb_key(0x11));
    EXPECT_EQ(message.counter, 5u);
    EXPECT_EQ(message.previous_counter, 3u);
    EXPECT_EQ(view_bytes(message.ciphertext), Bytes(16, 0xaa));
    EXPECT_EQ(Bytes(message.mac.begin(), message.mac.end()), Bytes(8, 0xee));
    // SCHEMA.md §6.4: the MAC covers version || protobuf, i.e. everything but the MAC itself.
    EXPECT_EQ(view_bytes(message.authenticated_bytes), Bytes(bytes.begin(), bytes.end() - 8));
}

TEST(ParseSignalMessage, RoundTripsSerializedMessages) {
    const RatchetPublicKey key = fresh_public_key<role::Ratchet>();
    for (std::uint32_t counter : {0u, 1u, 127u, 128u, 2000u, 0xffffffffu}) {
        Bytes ciphertext(48, 0);
        for (std::size_t index = 0; index < ciphertext.size(); ++index) {
            ciphertext[index] = static_cast<std::uint8_t>(counter + index);
        }
        Bytes message = wire::serialize_signal_message_body(current_version_byte, key, counter,
                                                            counter / 2, ciphertext);
        const Bytes mac = {1, 2, 3, 4, 5, 6, 7, 8};
        message.insert(message.end(), mac.begin(), mac.end());
        auto parsed = wire::parse_signal_message(message, message_version);
        ASSERT_TRUE(parsed.ok()) << counter;
        EXPECT_EQ(parsed.value().ratchet_key, key);
        EXPECT_EQ(parsed.value().counter, counter);
        EXPECT_EQ(parsed.value().previous_counter, counter / 2);
        EXPECT_EQ(view_bytes(parsed.value().ciphertext), ciphertext);
        EXPECT_EQ(Bytes(parsed.value().mac.begin(), parsed.value().mac.end()), mac);
    }
}

// --- SignalMessage: rejections
// ----------------------------------------------------------------------

TEST(ParseSignalMessage, NineBytesOrFewerIsMalformed) {
    // SCHEMA.md §6.4: total length > 9 is required; checked before the version (L1).
    for (std::size_t length = 0; length <= 9; ++length) {
        Bytes bytes(length, 0x00);
        if (length > 0)
            bytes[0] = current_version_byte;
        EXPECT_EQ(signal_error(bytes), Error::malformed) << length;
        if (length > 0)
            bytes[0] = 0x23;  // a bad version does not win over the length check
        EXPECT_EQ(signal_error(bytes), Error::malformed) << length;
    }
}

TEST(ParseSignalMessage, TenBytesPassTheLengthCheck) {
    // One protobuf byte, a varint tag without its value: a protobuf error, not a length error.
    // The version is checked in between, so version 2 shows it was reached.
    Bytes bytes(10, 0x00);
    bytes[0] = current_version_byte;
    bytes[1] = 0x08;
    EXPECT_EQ(signal_error(bytes), Error::malformed);
    bytes[0] = 0x23;
    EXPECT_EQ(signal_error(bytes), Error::bad_version);
}

TEST(ParseSignalMessage, OtherMessageVersionsAreBadVersion) {
    for (std::uint8_t version_byte : {0x03, 0x13, 0x23, 0x22, 0x43, 0x44, 0xf3}) {
        SignalMessageFields fields = well_formed_signal_fields();
        fields.version_byte = version_byte;
        EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::bad_version)
            << int(version_byte);
    }
}

TEST(ParseSignalMessage, OnlyTheHighNibbleOfTheVersionIsChecked) {
    // L4: the low nibble (highest supported version) is not examined.
    for (std::uint8_t version_byte : {0x30, 0x32, 0x34, 0x3f}) {
        SignalMessageFields fields = well_formed_signal_fields();
        fields.version_byte = version_byte;
        // The parsed views point into `encoded`, which must outlive them.
        const Bytes encoded = encode_signal_message(fields);
        auto parsed = wire::parse_signal_message(encoded, message_version);
        ASSERT_TRUE(parsed.ok()) << int(version_byte);
        EXPECT_EQ(parsed.value().version_byte, version_byte);
    }
}

TEST(ParseSignalMessage, VersionIsCheckedBeforeTheProtobuf) {
    SignalMessageFields fields;  // no fields at all
    fields.version_byte = 0x43;
    fields.extra_protobuf = {0x0b};  // a group: a protobuf error
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::bad_version);
}

TEST(ParseSignalMessage, MissingRatchetKeyIsMalformed) {
    SignalMessageFields fields = well_formed_signal_fields();
    fields.ratchet_key.reset();
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed);
}

TEST(ParseSignalMessage, MissingCounterIsMalformed) {
    SignalMessageFields fields = well_formed_signal_fields();
    fields.counter.reset();
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed);
}

TEST(ParseSignalMessage, MissingCiphertextIsMalformed) {
    SignalMessageFields fields = well_formed_signal_fields();
    fields.ciphertext.reset();
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed);
}

TEST(ParseSignalMessage, MissingPreviousCounterReadsAsZero) {
    SignalMessageFields fields = well_formed_signal_fields();
    fields.previous_counter.reset();
    const Bytes encoded = encode_signal_message(fields);
    auto parsed = wire::parse_signal_message(encoded, message_version);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed.value().previous_counter, 0u);
}

TEST(ParseSignalMessage, RatchetKeyNotIn33ByteDjbFormIsInvalidKey) {
    const Bytes thirty_two(32, 0x11);
    Bytes thirty_four = filled_djb_key(0x11);
    thirty_four.push_back(0x11);
    Bytes wrong_type = filled_djb_key(0x11);
    wrong_type[0] = 0x06;
    for (const Bytes& key : {thirty_two, thirty_four, wrong_type, Bytes{}, Bytes{0x05}}) {
        SignalMessageFields fields = well_formed_signal_fields();
        fields.ratchet_key = key;
        EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::invalid_key) << key.size();
    }
}

TEST(ParseSignalMessage, MissingFieldIsReportedBeforeABadKey) {
    // L1: missing required fields are malformed before the key is decoded.
    SignalMessageFields fields = well_formed_signal_fields();
    fields.ratchet_key = Bytes(32, 0x11);
    fields.ciphertext.reset();
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed);
}

struct WrongTypeCase {
    const char* name;
    Bytes field;
};

void PrintTo(const WrongTypeCase& test_case, std::ostream* stream) {
    *stream << test_case.name;
}

class SignalMessageWrongWireType : public ::testing::TestWithParam<WrongTypeCase> {};

TEST_P(SignalMessageWrongWireType, KnownFieldWithAnotherWireTypeIsMalformed) {
    // The correctly typed field is present too, so only the wire-type check can reject it (L3).
    SignalMessageFields fields = well_formed_signal_fields();
    fields.extra_protobuf = GetParam().field;
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed);
}

INSTANTIATE_TEST_SUITE_P(
    KnownFields, SignalMessageWrongWireType,
    ::testing::Values(WrongTypeCase{"ratchet_key_as_varint", varint_field(1, 5)},
                      WrongTypeCase{"ratchet_key_as_fixed32", fixed32_field(1)},
                      WrongTypeCase{"counter_as_bytes", bytes_field(2, Bytes{5})},
                      WrongTypeCase{"counter_as_fixed64", fixed64_field(2)},
                      WrongTypeCase{"previous_counter_as_bytes", bytes_field(3, Bytes{3})},
                      WrongTypeCase{"ciphertext_as_varint", varint_field(4, 16)},
                      WrongTypeCase{"ciphertext_as_fixed32", fixed32_field(4)}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParseSignalMessage, UnknownFieldsAreSkipped) {
    SignalMessageFields fields = well_formed_signal_fields();
    // Field number 0 included: protobuf-c skips it (protobuf.hpp).
    fields.extra_protobuf =
        concatenate({varint_field(5, 99), bytes_field(15, text_bytes("ignored")), fixed32_field(6),
                     fixed64_field(7), varint_field(536870911, 1), varint_field(0, 1),
                     bytes_field(0, text_bytes("zero"))});
    const Bytes encoded = encode_signal_message(fields);
    auto parsed = wire::parse_signal_message(encoded, message_version);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    EXPECT_EQ(parsed.value().counter, 5u);
    EXPECT_EQ(parsed.value().previous_counter, 3u);
    EXPECT_EQ(view_bytes(parsed.value().ciphertext), Bytes(16, 0xaa));
}

TEST(ParseSignalMessage, RepeatedFieldsTakeTheLastValue) {
    SignalMessageFields fields = well_formed_signal_fields();
    fields.extra_protobuf = concatenate({bytes_field(1, filled_djb_key(0x77)), varint_field(2, 9),
                                         varint_field(3, 8), bytes_field(4, Bytes(32, 0xbb))});
    const Bytes encoded = encode_signal_message(fields);
    auto parsed = wire::parse_signal_message(encoded, message_version);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    EXPECT_EQ(serialized(parsed.value().ratchet_key), filled_djb_key(0x77));
    EXPECT_EQ(parsed.value().counter, 9u);
    EXPECT_EQ(parsed.value().previous_counter, 8u);
    EXPECT_EQ(view_bytes(parsed.value().ciphertext), Bytes(32, 0xbb));
}

TEST(ParseSignalMessage, CountersAreTruncatedTo32Bits) {
    // L3: protobuf-c truncates a varint to a uint32 field.
    SignalMessageFields fields = well_formed_signal_fields();
    fields.counter = (1ull << 32) + 5;
    fields.previous_counter = 0xffffffff00000003ull;
    const Bytes encoded = encode_signal_message(fields);
    auto parsed = wire::parse_signal_message(encoded, message_version);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed.value().counter, 5u);
    EXPECT_EQ(parsed.value().previous_counter, 3u);
}

TEST(ParseSignalMessage, ProtobufErrorsAreMalformed) {
    const std::vector<Bytes> broken_tails = {
        {0x0b},              // group start
        {0x0c},              // group end
        {0x03},              // group start with field number 0
        {0x22, 0x40, 0x01},  // ciphertext longer than what is left
        {0x10, 0x80},        // counter varint cut short
        Bytes(11, 0x80),     // tag longer than ten bytes
    };
    for (const Bytes& tail : broken_tails) {
        SignalMessageFields fields = well_formed_signal_fields();
        fields.extra_protobuf = tail;
        EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed)
            << harness::to_hex(tail);
    }
}

TEST(ParseSignalMessage, TheLastEightBytesAreAlwaysTheMac) {
    // A message with its MAC cut off: the last 8 bytes of the ciphertext field become the
    // "MAC", leaving a truncated length-delimited field.
    SignalMessageFields fields = well_formed_signal_fields();
    fields.mac.clear();
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed);
}

// --- PreKeySignalMessage: layout and round trip -------------------------------------------------

TEST(PreKeySignalMessageLayout, HandBuiltFieldsMatchTheLiteralBytes) {
    EXPECT_EQ(harness::to_hex(encode_prekey_message(well_formed_prekey_fields())),
              literal_prekey_message_hex());
}

TEST(PreKeySignalMessageLayout, SerializerWritesTheLiteralBytes) {
    BasePublicKey base_key;
    base_key.u.fill(0x22);
    IdentityPublicKey identity_key;
    identity_key.u.fill(0x33);
    const Bytes inner = from_hex(literal_signal_message_hex());
    const Bytes message = wire::serialize_prekey_signal_message(
        current_version_byte, 11, 7, base_key, identity_key, 1234, inner);
    EXPECT_EQ(harness::to_hex(message), literal_prekey_message_hex());
}

TEST(ParsePreKeySignalMessage, ReadsEveryFieldOfTheLiteral) {
    const Bytes bytes = from_hex(literal_prekey_message_hex());
    auto parsed = wire::parse_prekey_signal_message(bytes, message_version);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    const wire::PreKeySignalMessage& message = parsed.value();
    EXPECT_EQ(message.version_byte, 0x33);
    EXPECT_EQ(message.one_time_prekey_id, std::optional<std::uint32_t>(11));
    EXPECT_EQ(message.signed_prekey_id, 7u);
    EXPECT_EQ(serialized(message.base_key), filled_djb_key(0x22));
    EXPECT_EQ(serialized(message.identity_key), filled_djb_key(0x33));
    EXPECT_EQ(message.registration_id, 1234u);
    EXPECT_EQ(harness::to_hex(message.message_bytes), literal_signal_message_hex());
    EXPECT_EQ(message.message.counter, 5u);
    EXPECT_EQ(serialized(message.message.ratchet_key), filled_djb_key(0x11));
}

TEST(ParsePreKeySignalMessage, RoundTripsWithAndWithoutAOneTimePreKey) {
    const BasePublicKey base_key = fresh_public_key<role::Base>();
    const IdentityPublicKey identity_key = fresh_public_key<role::Identity>();
    const Bytes inner = from_hex(literal_signal_message_hex());
    for (std::optional<std::uint32_t> one_time :
         {std::optional<std::uint32_t>(), std::optional<std::uint32_t>(0xfffffffe)}) {
        const Bytes bytes = wire::serialize_prekey_signal_message(
            current_version_byte, one_time, 0xffffffff, base_key, identity_key, 77, inner);
        auto parsed = wire::parse_prekey_signal_message(bytes, message_version);
        ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
        EXPECT_EQ(parsed.value().one_time_prekey_id, one_time);
        EXPECT_EQ(parsed.value().signed_prekey_id, 0xffffffffu);
        EXPECT_EQ(parsed.value().base_key, base_key);
        EXPECT_EQ(parsed.value().identity_key, identity_key);
        EXPECT_EQ(parsed.value().registration_id, 77u);
        EXPECT_EQ(view_bytes(parsed.value().message_bytes), inner);
    }
}

// --- PreKeySignalMessage: rejections ------------------------------------------------------------

TEST(ParsePreKeySignalMessage, OneByteOrLessIsMalformed) {
    EXPECT_EQ(prekey_error(Bytes{}), Error::malformed);
    EXPECT_EQ(prekey_error(Bytes{current_version_byte}), Error::malformed);
    EXPECT_EQ(prekey_error(Bytes{0x23}), Error::malformed);  // length before version (L2)
}

TEST(ParsePreKeySignalMessage, TwoBytesPassTheLengthCheck) {
    EXPECT_EQ(prekey_error(Bytes{current_version_byte, 0x08}), Error::malformed);
    EXPECT_EQ(prekey_error(Bytes{0x23, 0x08}), Error::bad_version);
}

TEST(ParsePreKeySignalMessage, OtherMessageVersionsAreBadVersion) {
    for (std::uint8_t version_byte : {0x03, 0x23, 0x43, 0xf3}) {
        PreKeyMessageFields fields = well_formed_prekey_fields();
        fields.version_byte = version_byte;
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::bad_version)
            << int(version_byte);
    }
}

TEST(ParsePreKeySignalMessage, EachRequiredFieldMissingIsMalformed) {
    const std::vector<std::pair<const char*, void (*)(PreKeyMessageFields&)>> removals = {
        {"signed_prekey_id", [](PreKeyMessageFields& fields) { fields.signed_prekey_id.reset(); }},
        {"base_key", [](PreKeyMessageFields& fields) { fields.base_key.reset(); }},
        {"identity_key", [](PreKeyMessageFields& fields) { fields.identity_key.reset(); }},
        {"message", [](PreKeyMessageFields& fields) { fields.message.reset(); }},
    };
    for (const auto& [name, remove] : removals) {
        PreKeyMessageFields fields = well_formed_prekey_fields();
        remove(fields);
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::malformed) << name;
    }
}

TEST(ParsePreKeySignalMessage, OneTimePreKeyIdAndRegistrationIdAreOptional) {
    PreKeyMessageFields fields = well_formed_prekey_fields();
    fields.one_time_prekey_id.reset();
    fields.registration_id.reset();
    const Bytes encoded = encode_prekey_message(fields);
    auto parsed = wire::parse_prekey_signal_message(encoded, message_version);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    EXPECT_FALSE(parsed.value().one_time_prekey_id.has_value());
    EXPECT_EQ(parsed.value().registration_id, 0u);
}

TEST(ParsePreKeySignalMessage, BadBaseKeyIsInvalidKey) {
    Bytes wrong_type = filled_djb_key(0x22);
    wrong_type[0] = 0x06;
    for (const Bytes& key : {Bytes(32, 0x22), wrong_type, Bytes{}}) {
        PreKeyMessageFields fields = well_formed_prekey_fields();
        fields.base_key = key;
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::invalid_key);
    }
}

TEST(ParsePreKeySignalMessage, BadIdentityKeyIsInvalidKey) {
    Bytes wrong_type = filled_djb_key(0x33);
    wrong_type[0] = 0x00;
    Bytes too_long = filled_djb_key(0x33);
    too_long.push_back(0);
    for (const Bytes& key : {Bytes(32, 0x33), wrong_type, too_long}) {
        PreKeyMessageFields fields = well_formed_prekey_fields();
        fields.identity_key = key;
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::invalid_key);
    }
}

TEST(ParsePreKeySignalMessage, MissingFieldIsReportedBeforeABadKey) {
    PreKeyMessageFields fields = well_formed_prekey_fields();
    fields.base_key = Bytes(32, 0x22);
    fields.message.reset();
    EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::malformed);
}

TEST(ParsePreKeySignalMessage, OuterKeysAreCheckedBeforeTheInnerMessage) {
    PreKeyMessageFields fields = well_formed_prekey_fields();
    fields.base_key = Bytes(32, 0x22);
    fields.message = Bytes(5, 0x33);  // itself malformed
    EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::invalid_key);
}

TEST(ParsePreKeySignalMessage, InnerVersionDifferentFromOuterIsBadVersion) {
    for (std::uint8_t inner_version : {0x23, 0x43}) {
        SignalMessageFields inner = well_formed_signal_fields();
        inner.version_byte = inner_version;
        PreKeyMessageFields fields = well_formed_prekey_fields();
        fields.message = encode_signal_message(inner);
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::bad_version)
            << int(inner_version);
    }
}

TEST(ParsePreKeySignalMessage, InnerErrorsPropagate) {
    SignalMessageFields no_counter = well_formed_signal_fields();
    no_counter.counter.reset();
    SignalMessageFields bad_key = well_formed_signal_fields();
    bad_key.ratchet_key = Bytes(32, 0x11);
    SignalMessageFields group = well_formed_signal_fields();
    group.extra_protobuf = {0x0b};
    const std::vector<std::pair<Bytes, Error>> cases = {
        {Bytes(9, 0x33), Error::malformed},  // inner length <= 9
        {Bytes{}, Error::malformed},         // empty inner message
        {encode_signal_message(no_counter), Error::malformed},
        {encode_signal_message(bad_key), Error::invalid_key},
        {encode_signal_message(group), Error::malformed},
    };
    for (const auto& [inner, expected] : cases) {
        PreKeyMessageFields fields = well_formed_prekey_fields();
        fields.message = inner;
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), expected) << harness::to_hex(inner);
    }
}

class PreKeyMessageWrongWireType : public ::testing::TestWithParam<WrongTypeCase> {};

TEST_P(PreKeyMessageWrongWireType, KnownFieldWithAnotherWireTypeIsMalformed) {
    PreKeyMessageFields fields = well_formed_prekey_fields();
    fields.extra_protobuf = GetParam().field;
    EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::malformed);
}

INSTANTIATE_TEST_SUITE_P(
    KnownFields, PreKeyMessageWrongWireType,
    ::testing::Values(WrongTypeCase{"one_time_prekey_id_as_bytes", bytes_field(1, Bytes{11})},
                      WrongTypeCase{"base_key_as_varint", varint_field(2, 1)},
                      WrongTypeCase{"identity_key_as_varint", varint_field(3, 1)},
                      WrongTypeCase{"message_as_varint", varint_field(4, 1)},
                      WrongTypeCase{"message_as_fixed64", fixed64_field(4)},
                      WrongTypeCase{"registration_id_as_bytes", bytes_field(5, Bytes{1})},
                      WrongTypeCase{"signed_prekey_id_as_bytes", bytes_field(6, Bytes{7})},
                      WrongTypeCase{"signed_prekey_id_as_fixed32", fixed32_field(6)}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParsePreKeySignalMessage, UnknownFieldsAreSkippedAndRepeatedFieldsTakeTheLastValue) {
    PreKeyMessageFields fields = well_formed_prekey_fields();
    fields.extra_protobuf =
        concatenate({varint_field(7, 1), bytes_field(9, text_bytes("x")), fixed32_field(10),
                     varint_field(6, 99), bytes_field(2, filled_djb_key(0x44))});
    const Bytes encoded = encode_prekey_message(fields);
    auto parsed = wire::parse_prekey_signal_message(encoded, message_version);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    EXPECT_EQ(parsed.value().signed_prekey_id, 99u);
    EXPECT_EQ(serialized(parsed.value().base_key), filled_djb_key(0x44));
    EXPECT_EQ(parsed.value().one_time_prekey_id, std::optional<std::uint32_t>(11));
}

TEST(ParsePreKeySignalMessage, ProtobufErrorsAreMalformed) {
    for (const Bytes& tail :
         {Bytes{0x0b}, Bytes{0x0f, 0x01}, Bytes{0x22, 0x05, 0x01}, Bytes{0x30}}) {
        PreKeyMessageFields fields = well_formed_prekey_fields();
        fields.extra_protobuf = tail;
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::malformed)
            << harness::to_hex(tail);
    }
}

}  // namespace
}  // namespace ratchetcheck::unit
