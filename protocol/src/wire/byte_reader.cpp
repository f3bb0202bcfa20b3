#include "ratchetcheck/wire/byte_reader.hpp"

#include <algorithm>

namespace ratchetcheck::wire {

std::optional<std::uint8_t> ByteReader::read_byte() {
    if (remaining() < 1)
        return std::nullopt;
    return input_[position_++];
}

std::optional<ByteView> ByteReader::read_bytes(std::size_t count) {
    if (remaining() < count)
        return std::nullopt;
    const ByteView bytes = input_.subspan(position_, count);
    position_ += count;
    return bytes;
}

bool ByteReader::read_fixed(std::span<std::uint8_t> output) {
    const auto bytes = read_bytes(output.size());
    if (!bytes)
        return false;
    std::copy(bytes->begin(), bytes->end(), output.begin());
    return true;
}

std::optional<std::uint32_t> ByteReader::read_u32_be() {
    const auto bytes = read_bytes(4);
    if (!bytes)
        return std::nullopt;
    std::uint32_t value = 0;
    for (std::uint8_t byte : *bytes)
        value = (value << 8) | byte;
    return value;
}

std::optional<std::uint64_t> ByteReader::read_u64_be() {
    const auto bytes = read_bytes(8);
    if (!bytes)
        return std::nullopt;
    std::uint64_t value = 0;
    for (std::uint8_t byte : *bytes)
        value = (value << 8) | byte;
    return value;
}

std::optional<std::uint64_t> ByteReader::read_varint() {
    std::uint64_t value = 0;
    for (std::size_t index = 0; index < 10; ++index) {
        if (position_ + index >= input_.size())
            return std::nullopt;
        const std::uint8_t byte = input_[position_ + index];
        // The tenth byte may only contribute the 64th bit.
        if (index == 9 && (byte & 0x7e) != 0)
            return std::nullopt;
        value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * index);
        if ((byte & 0x80) == 0) {
            position_ += index + 1;
            return value;
        }
    }
    return std::nullopt;
}

}  // namespace ratchetcheck::wire
