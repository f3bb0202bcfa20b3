// ByteReader and ByteWriter: the one bounds-checked reader and one writer through which all wire
// and state parsing goes. Nothing else in the protocol indexes raw input buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::wire {

// ByteReader consumes a borrowed byte string from the front. Every read either succeeds and
// advances, or fails (returns nullopt/false) and leaves the position unchanged. It never reads
// outside the view; the caller keeps the viewed bytes alive.
class ByteReader {
  public:
    explicit ByteReader(ByteView input) : input_(input) {}

    std::size_t remaining() const { return input_.size() - position_; }
    bool empty() const { return remaining() == 0; }
    std::size_t position() const { return position_; }

    // read_byte returns the next byte, or nullopt at the end.
    std::optional<std::uint8_t> read_byte();
    // read_bytes returns a view of the next `count` bytes, or nullopt if fewer remain.
    std::optional<ByteView> read_bytes(std::size_t count);
    // read_fixed copies exactly output.size() bytes; false if fewer remain.
    bool read_fixed(std::span<std::uint8_t> output);
    // read_u32_be / read_u64_be read big-endian fixed-width integers.
    std::optional<std::uint32_t> read_u32_be();
    std::optional<std::uint64_t> read_u64_be();
    // read_varint reads a protobuf base-128 varint of at most 10 bytes whose value fits 64 bits.
    std::optional<std::uint64_t> read_varint();

  private:
    ByteView input_;
    std::size_t position_ = 0;
};

// ByteWriter appends to an owned buffer, which may be a wiping SecureBytes for secret output.
template <typename Buffer>
class BasicByteWriter {
  public:
    void write_byte(std::uint8_t value) { buffer_.push_back(value); }
    // Grow, then copy in one block: `insert` from a span copies byte by byte into a buffer with a
    // custom allocator (SecureBytes), which was about 8 % of the session_state fuzz target's time.
    void write_bytes(ByteView bytes) {
        if (bytes.empty())
            return;
        const std::size_t offset = buffer_.size();
        buffer_.resize(offset + bytes.size());
        std::memcpy(buffer_.data() + offset, bytes.data(), bytes.size());
    }
    void write_u32_be(std::uint32_t value) {
        for (int shift = 24; shift >= 0; shift -= 8)
            write_byte(static_cast<std::uint8_t>(value >> shift));
    }
    void write_u64_be(std::uint64_t value) {
        for (int shift = 56; shift >= 0; shift -= 8)
            write_byte(static_cast<std::uint8_t>(value >> shift));
    }
    void write_varint(std::uint64_t value) {
        while (value >= 0x80) {
            write_byte(static_cast<std::uint8_t>(value | 0x80));
            value >>= 7;
        }
        write_byte(static_cast<std::uint8_t>(value));
    }
    void reserve(std::size_t size) { buffer_.reserve(size); }
    const Buffer& buffer() const { return buffer_; }
    Buffer take() { return std::move(buffer_); }

  private:
    Buffer buffer_;
};

using ByteWriter = BasicByteWriter<Bytes>;
using SecureByteWriter = BasicByteWriter<SecureBytes>;

}  // namespace ratchetcheck::wire
