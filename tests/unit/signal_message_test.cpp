// The wire layer of wire/signal_message.hpp: version_byte, the raw field encoders, the
// serializers built on them, and parse_signal_message / parse_prekey_signal_message. The malformed
// messages are built field by field with the field encoders (unit_fixture.cpp), never by our own
// encrypt; literal hex written out from SCHEMA.md pins the encoders' bytes independently.
// Expected errors and their order: docs/decisions.md L1–L4, SCHEMA.md §6.4–6.5.
#include <gtest/gtest.h>

#include "ratchetcheck/harness/hex.hpp"
#include "ratchetcheck/wire/byte_reader.hpp"
#include "ratchetcheck/wire/protobuf.hpp"
#include "ratchetcheck/wire/signal_message.hpp"
#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

using wire::ByteWriter;
namespace signal_field = wire::signal_message_field;
namespace prekey_field = wire::prekey_message_field;

const std::uint8_t message_version = Profile::signal_v3().message_version;
const std::uint8_t signal_v3_version_byte = wire::version_byte(Profile::signal_v3());

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
           repeat_hex("55", 32) + "2242" + literal_signal_message_hex() +
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

// @evidence check=test:ParseSignalMessage.* functions=SF.INPUT_VALIDATION mechanisms=HMAC-SHA256 clauses=DR-6.6
// @evidence check=test:ParsePreKeySignalMessage.* functions=SF.INPUT_VALIDATION
TEST(SignalMessageLayout, HandBuiltFieldsMatchTheLiteralBytes) {
    EXPECT_EQ(harness::to_hex(encode_signal_message(well_formed_signal_fields())),
              literal_signal_message_hex());
}

TEST(SignalMessageLayout, SerializerWritesTheLiteralBytes) {
    RatchetPublicKey key;
    key.u.fill(0x11);
    Bytes message =
        wire::serialize_signal_message_body(signal_v3_version_byte, key, 5, 3, Bytes(16, 0xaa));
    const Bytes mac(8, 0xee);
    message.insert(message.end(), mac.begin(), mac.end());
    EXPECT_EQ(harness::to_hex(message), literal_signal_message_hex());
}

TEST(ParseSignalMessage, ReadsEveryFieldOfTheLiteral) {
    const Bytes bytes = from_hex(literal_signal_message_hex());
    auto parsed = wire::parse_signal_message(bytes, message_version);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    const wire::SignalMessage& message = parsed.value();
    EXPECT_EQ(message.version_byte, signal_v3_version_byte);
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
        Bytes message = wire::serialize_signal_message_body(signal_v3_version_byte, key, counter,
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
            bytes[0] = signal_v3_version_byte;
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
    bytes[0] = signal_v3_version_byte;
    bytes[1] = 0x08;
    EXPECT_EQ(signal_error(bytes), Error::malformed);
    bytes[0] = 0x23;
    EXPECT_EQ(signal_error(bytes), Error::bad_version);
}

TEST(ParseSignalMessage, OtherMessageVersionsAreBadVersion) {
    for (std::uint8_t version_byte : {0x03, 0x13, 0x23, 0x22, 0x43, 0x44, 0xf3}) {
        SignalMessageParts fields = well_formed_signal_fields();
        fields.version_byte = version_byte;
        EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::bad_version)
            << int(version_byte);
    }
}

TEST(ParseSignalMessage, OnlyTheHighNibbleOfTheVersionIsChecked) {
    // L4: the low nibble (highest supported version) is not examined.
    for (std::uint8_t version_byte : {0x30, 0x32, 0x34, 0x3f}) {
        SignalMessageParts fields = well_formed_signal_fields();
        fields.version_byte = version_byte;
        // The parsed views point into `encoded`, which must outlive them.
        const Bytes encoded = encode_signal_message(fields);
        auto parsed = wire::parse_signal_message(encoded, message_version);
        ASSERT_TRUE(parsed.ok()) << int(version_byte);
        EXPECT_EQ(parsed.value().version_byte, version_byte);
    }
}

TEST(ParseSignalMessage, VersionIsCheckedBeforeTheProtobuf) {
    SignalMessageParts fields;  // no fields at all
    fields.version_byte = 0x43;
    fields.extra_protobuf = {0x0b};  // a group: a protobuf error
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::bad_version);
}

TEST(ParseSignalMessage, MissingRatchetKeyIsMalformed) {
    SignalMessageParts fields = well_formed_signal_fields();
    fields.ratchet_key.reset();
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed);
}

TEST(ParseSignalMessage, MissingCounterIsMalformed) {
    SignalMessageParts fields = well_formed_signal_fields();
    fields.counter.reset();
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed);
}

TEST(ParseSignalMessage, MissingCiphertextIsMalformed) {
    SignalMessageParts fields = well_formed_signal_fields();
    fields.ciphertext.reset();
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed);
}

TEST(ParseSignalMessage, MissingPreviousCounterReadsAsZero) {
    SignalMessageParts fields = well_formed_signal_fields();
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
        SignalMessageParts fields = well_formed_signal_fields();
        fields.ratchet_key = key;
        EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::invalid_key) << key.size();
    }
}

TEST(ParseSignalMessage, MissingFieldIsReportedBeforeABadKey) {
    // L1: missing required fields are malformed before the key is decoded.
    SignalMessageParts fields = well_formed_signal_fields();
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
    SignalMessageParts fields = well_formed_signal_fields();
    fields.extra_protobuf = GetParam().field;
    EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed);
}

INSTANTIATE_TEST_SUITE_P(
    KnownFields, SignalMessageWrongWireType,
    ::testing::Values(
        WrongTypeCase{"ratchet_key_as_varint", varint_field(signal_field::ratchet_key, 5)},
        WrongTypeCase{"ratchet_key_as_fixed32", fixed32_field(signal_field::ratchet_key)},
        WrongTypeCase{"counter_as_bytes", bytes_field(signal_field::counter, Bytes{5})},
        WrongTypeCase{"counter_as_fixed64", fixed64_field(signal_field::counter)},
        WrongTypeCase{"previous_counter_as_bytes",
                      bytes_field(signal_field::previous_counter, Bytes{3})},
        WrongTypeCase{"ciphertext_as_varint", varint_field(signal_field::ciphertext, 16)},
        WrongTypeCase{"ciphertext_as_fixed32", fixed32_field(signal_field::ciphertext)}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParseSignalMessage, UnknownFieldsAreSkipped) {
    SignalMessageParts fields = well_formed_signal_fields();
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
    SignalMessageParts fields = well_formed_signal_fields();
    fields.extra_protobuf = concatenate(
        {bytes_field(signal_field::ratchet_key, filled_djb_key(0x77)),
         varint_field(signal_field::counter, 9), varint_field(signal_field::previous_counter, 8),
         bytes_field(signal_field::ciphertext, Bytes(32, 0xbb))});
    const Bytes encoded = encode_signal_message(fields);
    auto parsed = wire::parse_signal_message(encoded, message_version);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    EXPECT_EQ(serialized(parsed.value().ratchet_key), filled_djb_key(0x77));
    EXPECT_EQ(parsed.value().counter, 9u);
    EXPECT_EQ(parsed.value().previous_counter, 8u);
    EXPECT_EQ(view_bytes(parsed.value().ciphertext), Bytes(32, 0xbb));
}

TEST(ParseSignalMessage, CountersAreTruncatedTo32Bits) {
    // L3: protobuf-c truncates a varint to a uint32 field. The encoder's fields are 32-bit, so
    // the wide values go in as extra protobuf in place of the regular fields.
    SignalMessageParts fields = well_formed_signal_fields();
    fields.counter.reset();
    fields.previous_counter.reset();
    fields.extra_protobuf =
        concatenate({varint_field(signal_field::counter, (1ull << 32) + 5),
                     varint_field(signal_field::previous_counter, 0xffffffff00000003ull)});
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
        SignalMessageParts fields = well_formed_signal_fields();
        fields.extra_protobuf = tail;
        EXPECT_EQ(signal_error(encode_signal_message(fields)), Error::malformed)
            << harness::to_hex(tail);
    }
}

TEST(ParseSignalMessage, TheLastEightBytesAreAlwaysTheMac) {
    // A message with its MAC cut off: the last 8 bytes of the ciphertext field become the
    // "MAC", leaving a truncated length-delimited field.
    SignalMessageParts fields = well_formed_signal_fields();
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
    identity_key.u.fill(0x55);
    const Bytes inner = from_hex(literal_signal_message_hex());
    const Bytes message = wire::serialize_prekey_signal_message(
        signal_v3_version_byte, 11, 7, base_key, identity_key, 1234, inner);
    EXPECT_EQ(harness::to_hex(message), literal_prekey_message_hex());
}

TEST(ParsePreKeySignalMessage, ReadsEveryFieldOfTheLiteral) {
    const Bytes bytes = from_hex(literal_prekey_message_hex());
    auto parsed = wire::parse_prekey_signal_message(bytes, message_version);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    const wire::PreKeySignalMessage& message = parsed.value();
    EXPECT_EQ(message.version_byte, signal_v3_version_byte);
    EXPECT_EQ(message.one_time_prekey_id, std::optional<std::uint32_t>(11));
    EXPECT_EQ(message.signed_prekey_id, 7u);
    EXPECT_EQ(serialized(message.base_key), filled_djb_key(0x22));
    EXPECT_EQ(serialized(message.identity_key), filled_djb_key(0x55));
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
            signal_v3_version_byte, one_time, 0xffffffff, base_key, identity_key, 77, inner);
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
    EXPECT_EQ(prekey_error(Bytes{signal_v3_version_byte}), Error::malformed);
    EXPECT_EQ(prekey_error(Bytes{0x23}), Error::malformed);  // length before version (L2)
}

TEST(ParsePreKeySignalMessage, TwoBytesPassTheLengthCheck) {
    EXPECT_EQ(prekey_error(Bytes{signal_v3_version_byte, 0x08}), Error::malformed);
    EXPECT_EQ(prekey_error(Bytes{0x23, 0x08}), Error::bad_version);
}

TEST(ParsePreKeySignalMessage, OtherMessageVersionsAreBadVersion) {
    for (std::uint8_t version_byte : {0x03, 0x23, 0x43, 0xf3}) {
        PreKeyMessageParts fields = well_formed_prekey_fields();
        fields.version_byte = version_byte;
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::bad_version)
            << int(version_byte);
    }
}

TEST(ParsePreKeySignalMessage, EachRequiredFieldMissingIsMalformed) {
    const std::vector<std::pair<const char*, void (*)(PreKeyMessageParts&)>> removals = {
        {"signed_prekey_id", [](PreKeyMessageParts& fields) { fields.signed_prekey_id.reset(); }},
        {"base_key", [](PreKeyMessageParts& fields) { fields.base_key.reset(); }},
        {"identity_key", [](PreKeyMessageParts& fields) { fields.identity_key.reset(); }},
        {"message", [](PreKeyMessageParts& fields) { fields.message.reset(); }},
    };
    for (const auto& [name, remove] : removals) {
        PreKeyMessageParts fields = well_formed_prekey_fields();
        remove(fields);
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::malformed) << name;
    }
}

TEST(ParsePreKeySignalMessage, OneTimePreKeyIdAndRegistrationIdAreOptional) {
    PreKeyMessageParts fields = well_formed_prekey_fields();
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
        PreKeyMessageParts fields = well_formed_prekey_fields();
        fields.base_key = key;
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::invalid_key);
    }
}

TEST(ParsePreKeySignalMessage, BadIdentityKeyIsInvalidKey) {
    Bytes wrong_type = filled_djb_key(0x55);
    wrong_type[0] = 0x00;
    Bytes too_long = filled_djb_key(0x55);
    too_long.push_back(0);
    for (const Bytes& key : {Bytes(32, 0x55), wrong_type, too_long}) {
        PreKeyMessageParts fields = well_formed_prekey_fields();
        fields.identity_key = key;
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::invalid_key);
    }
}

TEST(ParsePreKeySignalMessage, MissingFieldIsReportedBeforeABadKey) {
    PreKeyMessageParts fields = well_formed_prekey_fields();
    fields.base_key = Bytes(32, 0x22);
    fields.message.reset();
    EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::malformed);
}

TEST(ParsePreKeySignalMessage, OuterKeysAreCheckedBeforeTheInnerMessage) {
    PreKeyMessageParts fields = well_formed_prekey_fields();
    fields.base_key = Bytes(32, 0x22);
    fields.message = Bytes(5, 0x55);  // itself malformed
    EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::invalid_key);
}

TEST(ParsePreKeySignalMessage, InnerVersionDifferentFromOuterIsBadVersion) {
    for (std::uint8_t inner_version : {0x23, 0x43}) {
        SignalMessageParts inner = well_formed_signal_fields();
        inner.version_byte = inner_version;
        PreKeyMessageParts fields = well_formed_prekey_fields();
        fields.message = encode_signal_message(inner);
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::bad_version)
            << int(inner_version);
    }
}

TEST(ParsePreKeySignalMessage, InnerErrorsPropagate) {
    SignalMessageParts no_counter = well_formed_signal_fields();
    no_counter.counter.reset();
    SignalMessageParts bad_key = well_formed_signal_fields();
    bad_key.ratchet_key = Bytes(32, 0x11);
    SignalMessageParts group = well_formed_signal_fields();
    group.extra_protobuf = {0x0b};
    const std::vector<std::pair<Bytes, Error>> cases = {
        {Bytes(9, 0x55), Error::malformed},  // inner length <= 9
        {Bytes{}, Error::malformed},         // empty inner message
        {encode_signal_message(no_counter), Error::malformed},
        {encode_signal_message(bad_key), Error::invalid_key},
        {encode_signal_message(group), Error::malformed},
    };
    for (const auto& [inner, expected] : cases) {
        PreKeyMessageParts fields = well_formed_prekey_fields();
        fields.message = inner;
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), expected) << harness::to_hex(inner);
    }
}

class PreKeyMessageWrongWireType : public ::testing::TestWithParam<WrongTypeCase> {};

TEST_P(PreKeyMessageWrongWireType, KnownFieldWithAnotherWireTypeIsMalformed) {
    PreKeyMessageParts fields = well_formed_prekey_fields();
    fields.extra_protobuf = GetParam().field;
    EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::malformed);
}

INSTANTIATE_TEST_SUITE_P(
    KnownFields, PreKeyMessageWrongWireType,
    ::testing::Values(WrongTypeCase{"one_time_prekey_id_as_bytes",
                                    bytes_field(prekey_field::one_time_prekey_id, Bytes{11})},
                      WrongTypeCase{"base_key_as_varint", varint_field(prekey_field::base_key, 1)},
                      WrongTypeCase{"identity_key_as_varint",
                                    varint_field(prekey_field::identity_key, 1)},
                      WrongTypeCase{"message_as_varint", varint_field(prekey_field::message, 1)},
                      WrongTypeCase{"message_as_fixed64", fixed64_field(prekey_field::message)},
                      WrongTypeCase{"registration_id_as_bytes",
                                    bytes_field(prekey_field::registration_id, Bytes{1})},
                      WrongTypeCase{"signed_prekey_id_as_bytes",
                                    bytes_field(prekey_field::signed_prekey_id, Bytes{7})},
                      WrongTypeCase{"signed_prekey_id_as_fixed32",
                                    fixed32_field(prekey_field::signed_prekey_id)}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParsePreKeySignalMessage, UnknownFieldsAreSkippedAndRepeatedFieldsTakeTheLastValue) {
    PreKeyMessageParts fields = well_formed_prekey_fields();
    fields.extra_protobuf =
        concatenate({varint_field(7, 1), bytes_field(9, text_bytes("x")), fixed32_field(10),
                     varint_field(prekey_field::signed_prekey_id, 99),
                     bytes_field(prekey_field::base_key, filled_djb_key(0x44))});
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
        PreKeyMessageParts fields = well_formed_prekey_fields();
        fields.extra_protobuf = tail;
        EXPECT_EQ(prekey_error(encode_prekey_message(fields)), Error::malformed)
            << harness::to_hex(tail);
    }
}

// --- the field encoders and version_byte
// ----------------------------------------------------------

TEST(VersionByte, CarriesTheMessageVersionInBothNibbles) {
    // SCHEMA.md §6.4: high nibble the message version, low nibble the highest supported one; the
    // literal messages above pin the signal-v3 byte itself.
    for (std::uint8_t version : {1, 3, 4, 15}) {
        Profile profile = Profile::signal_v3();
        profile.message_version = version;
        EXPECT_EQ(wire::version_byte(profile), version * 0x11) << int(version);
    }
}

TEST(EncodeSignalMessageFields, WritesThePresentFieldsInFieldNumberOrderWithoutMac) {
    wire::SignalMessageFields fields;
    fields.version_byte = signal_v3_version_byte;
    fields.ratchet_key = filled_djb_key(0x11);
    fields.counter = 5;
    fields.previous_counter = 3;
    fields.ciphertext = Bytes(16, 0xaa);
    const std::string literal = literal_signal_message_hex();
    EXPECT_EQ(harness::to_hex(wire::encode_signal_message_fields(fields)),
              literal.substr(0, literal.size() - 2 * wire::signal_mac_bytes));
}

TEST(EncodeSignalMessageFields, AbsentFieldsAreLeftOut) {
    wire::SignalMessageFields fields;
    fields.version_byte = 0x42;
    EXPECT_EQ(wire::encode_signal_message_fields(fields), Bytes{0x42});
    fields.counter = 300;
    EXPECT_EQ(harness::to_hex(wire::encode_signal_message_fields(fields)), "4210ac02");
}

TEST(EncodeSignalMessageFields, TheSerializerIsTheEncoderOfAWellFormedMessage) {
    const RatchetPublicKey key = fresh_public_key<role::Ratchet>();
    wire::SignalMessageFields fields;
    fields.version_byte = signal_v3_version_byte;
    fields.ratchet_key = serialized(key);
    fields.counter = 0xffffffff;
    fields.previous_counter = 0;
    fields.ciphertext = Bytes(32, 0x5a);
    EXPECT_EQ(wire::serialize_signal_message_body(signal_v3_version_byte, key, 0xffffffff, 0,
                                                  Bytes(32, 0x5a)),
              wire::encode_signal_message_fields(fields));
}

TEST(EncodeSignalMessageFields, RoundTripsThroughTheParser) {
    wire::SignalMessageFields fields;
    fields.version_byte = signal_v3_version_byte;
    fields.ratchet_key = serialized(fresh_public_key<role::Ratchet>());
    fields.counter = 2001;
    fields.previous_counter = 128;
    fields.ciphertext = Bytes(48, 0x3c);
    Bytes message = wire::encode_signal_message_fields(fields);
    const Bytes mac = {8, 7, 6, 5, 4, 3, 2, 1};
    message.insert(message.end(), mac.begin(), mac.end());
    auto parsed = wire::parse_signal_message(message, message_version);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    EXPECT_EQ(parsed.value().version_byte, fields.version_byte);
    EXPECT_EQ(serialized(parsed.value().ratchet_key), *fields.ratchet_key);
    EXPECT_EQ(parsed.value().counter, *fields.counter);
    EXPECT_EQ(parsed.value().previous_counter, *fields.previous_counter);
    EXPECT_EQ(view_bytes(parsed.value().ciphertext), *fields.ciphertext);
    EXPECT_EQ(view_bytes(parsed.value().mac), mac);
    EXPECT_EQ(view_bytes(parsed.value().authenticated_bytes),
              wire::encode_signal_message_fields(fields));
}

TEST(EncodeSignalMessageFields, MissingRequiredFieldOrBadKeyGivesTheDocumentedError) {
    // L1: a missing ratchetKey, counter or ciphertext is malformed; a ratchet key that is not
    // 0x05 || 32 bytes is invalid_key.
    const Bytes mac(8, 0xee);
    const auto parse_error = [&](const wire::SignalMessageFields& fields) {
        Bytes message = wire::encode_signal_message_fields(fields);
        message.insert(message.end(), mac.begin(), mac.end());
        return signal_error(message);
    };
    const wire::SignalMessageFields valid = well_formed_signal_fields();
    ASSERT_EQ(parse_error(valid), std::nullopt);
    wire::SignalMessageFields no_key = valid;
    no_key.ratchet_key.reset();
    EXPECT_EQ(parse_error(no_key), Error::malformed);
    wire::SignalMessageFields no_counter = valid;
    no_counter.counter.reset();
    EXPECT_EQ(parse_error(no_counter), Error::malformed);
    wire::SignalMessageFields no_ciphertext = valid;
    no_ciphertext.ciphertext.reset();
    EXPECT_EQ(parse_error(no_ciphertext), Error::malformed);
    wire::SignalMessageFields bad_key = valid;
    bad_key.ratchet_key = Bytes(33, 0x11);  // type byte 0x11, not 0x05
    EXPECT_EQ(parse_error(bad_key), Error::invalid_key);
}

TEST(EncodePreKeySignalMessageFields, WritesTheFieldsInLibsignalsOrder) {
    wire::PreKeySignalMessageFields fields;
    fields.version_byte = signal_v3_version_byte;
    fields.one_time_prekey_id = 11;
    fields.base_key = filled_djb_key(0x22);
    fields.identity_key = filled_djb_key(0x55);
    fields.message = from_hex(literal_signal_message_hex());
    fields.registration_id = 1234;
    fields.signed_prekey_id = 7;
    EXPECT_EQ(harness::to_hex(wire::encode_prekey_signal_message_fields(fields)),
              literal_prekey_message_hex());
}

TEST(EncodePreKeySignalMessageFields, TheSerializerIsTheEncoderOfAWellFormedMessage) {
    const BasePublicKey base_key = fresh_public_key<role::Base>();
    const IdentityPublicKey identity_key = fresh_public_key<role::Identity>();
    const Bytes inner = from_hex(literal_signal_message_hex());
    for (std::optional<std::uint32_t> one_time :
         {std::optional<std::uint32_t>(), std::optional<std::uint32_t>(300)}) {
        wire::PreKeySignalMessageFields fields;
        fields.version_byte = signal_v3_version_byte;
        fields.one_time_prekey_id = one_time;
        fields.base_key = serialized(base_key);
        fields.identity_key = serialized(identity_key);
        fields.message = inner;
        fields.registration_id = 77;
        fields.signed_prekey_id = 9;
        EXPECT_EQ(wire::serialize_prekey_signal_message(signal_v3_version_byte, one_time, 9,
                                                        base_key, identity_key, 77, inner),
                  wire::encode_prekey_signal_message_fields(fields));
    }
}

TEST(EncodePreKeySignalMessageFields, RoundTripsThroughTheParser) {
    wire::PreKeySignalMessageFields fields;
    fields.version_byte = signal_v3_version_byte;
    fields.base_key = serialized(fresh_public_key<role::Base>());
    fields.identity_key = serialized(fresh_public_key<role::Identity>());
    fields.message = from_hex(literal_signal_message_hex());
    fields.signed_prekey_id = 0xfffffffe;
    for (std::optional<std::uint32_t> one_time :
         {std::optional<std::uint32_t>(), std::optional<std::uint32_t>(0)}) {
        fields.one_time_prekey_id = one_time;
        fields.registration_id = one_time ? std::optional<std::uint32_t>(5) : std::nullopt;
        const Bytes encoded = wire::encode_prekey_signal_message_fields(fields);
        auto parsed = wire::parse_prekey_signal_message(encoded, message_version);
        ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
        EXPECT_EQ(parsed.value().version_byte, fields.version_byte);
        EXPECT_EQ(parsed.value().one_time_prekey_id, one_time);
        EXPECT_EQ(serialized(parsed.value().base_key), *fields.base_key);
        EXPECT_EQ(serialized(parsed.value().identity_key), *fields.identity_key);
        EXPECT_EQ(view_bytes(parsed.value().message_bytes), *fields.message);
        EXPECT_EQ(parsed.value().registration_id, fields.registration_id.value_or(0));
        EXPECT_EQ(parsed.value().signed_prekey_id, *fields.signed_prekey_id);
        EXPECT_EQ(parsed.value().message.counter, 5u);
    }
}

TEST(EncodePreKeySignalMessageFields, MissingRequiredFieldOrBadKeyGivesTheDocumentedError) {
    // L2: a missing signedPreKeyId, baseKey, identityKey or message is malformed; a base or
    // identity key that is not 0x05 || 32 bytes is invalid_key.
    const wire::PreKeySignalMessageFields valid = well_formed_prekey_fields();
    const auto parse_error = [](const wire::PreKeySignalMessageFields& fields) {
        return prekey_error(wire::encode_prekey_signal_message_fields(fields));
    };
    ASSERT_EQ(parse_error(valid), std::nullopt);
    wire::PreKeySignalMessageFields missing = valid;
    missing.signed_prekey_id.reset();
    EXPECT_EQ(parse_error(missing), Error::malformed);
    missing = valid;
    missing.base_key.reset();
    EXPECT_EQ(parse_error(missing), Error::malformed);
    missing = valid;
    missing.identity_key.reset();
    EXPECT_EQ(parse_error(missing), Error::malformed);
    missing = valid;
    missing.message.reset();
    EXPECT_EQ(parse_error(missing), Error::malformed);
    wire::PreKeySignalMessageFields bad_key = valid;
    bad_key.base_key = Bytes(32, 0x22);
    EXPECT_EQ(parse_error(bad_key), Error::invalid_key);
    bad_key = valid;
    bad_key.identity_key = Bytes(34, 0x05);
    EXPECT_EQ(parse_error(bad_key), Error::invalid_key);
}

}  // namespace
}  // namespace ratchetcheck::unit
