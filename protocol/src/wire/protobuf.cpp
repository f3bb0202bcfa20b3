#include "ratchetcheck/wire/protobuf.hpp"

namespace ratchetcheck::wire {

Result<std::optional<ProtobufField>> next_protobuf_field(ByteReader& reader,
                                                         ProtobufDialect dialect) {
    if (reader.empty())
        return std::optional<ProtobufField>{};
    const auto tag = reader.read_varint();
    if (!tag)
        return Error::malformed;
    const std::uint64_t number = *tag >> 3;
    // Field number 0 is invalid protobuf, but the protobuf-c bundled with libsignal-protocol-c
    // skips it as an unknown field (seen in live interop), and version 3 does the same; prost,
    // libsignal's decoder, refuses it, and version 4 does the same (E78).
    if (number > 0x1fffffff || (number == 0 && dialect == ProtobufDialect::prost))
        return Error::malformed;
    ProtobufField field;
    field.number = static_cast<std::uint32_t>(number);
    switch (*tag & 7) {
        case 0: {
            const auto value = reader.read_varint();
            if (!value)
                return Error::malformed;
            field.type = WireType::varint;
            field.varint = *value;
            break;
        }
        case 1:
            if (!reader.read_bytes(8))
                return Error::malformed;
            field.type = WireType::fixed64;
            break;
        case 2: {
            const auto length = reader.read_varint();
            if (!length || *length > reader.remaining())
                return Error::malformed;
            field.type = WireType::length_delimited;
            field.bytes = *reader.read_bytes(static_cast<std::size_t>(*length));
            break;
        }
        case 5:
            if (!reader.read_bytes(4))
                return Error::malformed;
            field.type = WireType::fixed32;
            break;
        default:  // 3 and 4 (groups) are not used by these messages; 6 and 7 do not exist
            return Error::malformed;
    }
    return std::optional<ProtobufField>(field);
}

void write_varint_field(ByteWriter& writer, std::uint32_t number, std::uint64_t value) {
    writer.write_varint((static_cast<std::uint64_t>(number) << 3) | 0);
    writer.write_varint(value);
}

void write_bytes_field(ByteWriter& writer, std::uint32_t number, ByteView value) {
    writer.write_varint((static_cast<std::uint64_t>(number) << 3) | 2);
    writer.write_varint(value.size());
    writer.write_bytes(value);
}

}  // namespace ratchetcheck::wire
