// A minimal protobuf (proto2) field reader and writer over ByteReader/ByteWriter, enough for the
// libsignal message formats: varint and length-delimited fields, unknown fields skipped.
#pragma once

#include <cstdint>
#include <optional>

#include "ratchetcheck/result.hpp"
#include "ratchetcheck/wire/byte_reader.hpp"

namespace ratchetcheck::wire {

enum class WireType : std::uint8_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

// ProtobufField is one decoded field: its number, wire type and value (varint value or a view
// into the input for length-delimited fields).
struct ProtobufField {
    std::uint32_t number = 0;
    WireType type = WireType::varint;
    std::uint64_t varint = 0;
    ByteView bytes;
};

// ProtobufDialect is whose decoder a message version follows where decoders differ: version 3 is
// libsignal-protocol-c's protobuf-c, version 4 libsignal's prost (docs/decisions.md E78).
enum class ProtobufDialect {
    protobuf_c,  // field number 0 is skipped like an unknown field
    prost,       // field number 0 is invalid protobuf
};

// dialect_of_version returns the dialect of messages of `message_version`.
constexpr ProtobufDialect dialect_of_version(std::uint8_t message_version) {
    return message_version >= 4 ? ProtobufDialect::prost : ProtobufDialect::protobuf_c;
}

// next_protobuf_field decodes the next field from `reader`. Returns nullopt at a clean end of
// input, Error::malformed for a bad tag, a field number above 2^29 - 1, a group wire type, a
// truncated value or an over-long varint. Field number 0 is returned like any unknown field under
// protobuf_c (libsignal-protocol-c skips it) and is malformed under prost (libsignal refuses it).
// Fixed-width fields are skipped over and reported with empty values.
[[nodiscard]] Result<std::optional<ProtobufField>> next_protobuf_field(
    ByteReader& reader, ProtobufDialect dialect = ProtobufDialect::protobuf_c);

// write_varint_field / write_bytes_field append one field in protobuf encoding.
void write_varint_field(ByteWriter& writer, std::uint32_t number, std::uint64_t value);
void write_bytes_field(ByteWriter& writer, std::uint32_t number, ByteView value);

}  // namespace ratchetcheck::wire
