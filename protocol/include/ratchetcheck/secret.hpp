// Zeroizing owners for secret bytes and a wiping allocator for buffers that grow.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ratchetcheck {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// secure_wipe zeroes `size` bytes at `pointer` in a way the compiler cannot remove
// (sodium_memzero). Out of line, so that this header does not need <sodium.h>.
void secure_wipe(void* pointer, std::size_t size) noexcept;

// constant_time_equal compares two equally long byte strings without data-dependent timing
// (sodium_memcmp); strings of different lengths are unequal.
bool constant_time_equal(ByteView left, ByteView right) noexcept;

// WipingAllocator zeroes every block before returning it to the heap, so a buffer that grows
// leaves no copy of its old contents behind.
template <typename T>
struct WipingAllocator {
    using value_type = T;
    WipingAllocator() = default;
    template <typename U>
    WipingAllocator(const WipingAllocator<U>&) noexcept {}
    T* allocate(std::size_t count) { return std::allocator<T>{}.allocate(count); }
    void deallocate(T* pointer, std::size_t count) noexcept {
        secure_wipe(pointer, count * sizeof(T));
        std::allocator<T>{}.deallocate(pointer, count);
    }
    template <typename U>
    bool operator==(const WipingAllocator<U>&) const noexcept {
        return true;
    }
};

// SecureBytes is a growable byte buffer whose storage is wiped when freed or reallocated.
using SecureBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

// SecretArray<N> owns N secret bytes. It is move-only (copies are explicit through clone()),
// wipes itself on destruction, and leaves a moved-from object zeroed.
template <std::size_t N>
class SecretArray {
  public:
    static constexpr std::size_t size_bytes = N;

    SecretArray() { bytes_.fill(0); }
    explicit SecretArray(std::span<const std::uint8_t, N> source) {
        std::copy(source.begin(), source.end(), bytes_.begin());
    }
    ~SecretArray() { secure_wipe(bytes_.data(), N); }
    SecretArray(SecretArray&& other) noexcept : bytes_(other.bytes_) {
        secure_wipe(other.bytes_.data(), N);
    }
    SecretArray& operator=(SecretArray&& other) noexcept {
        if (this != &other) {
            bytes_ = other.bytes_;
            secure_wipe(other.bytes_.data(), N);
        }
        return *this;
    }
    SecretArray(const SecretArray&) = delete;
    SecretArray& operator=(const SecretArray&) = delete;

    // clone returns an explicit copy; the only way to duplicate a secret.
    SecretArray clone() const { return SecretArray(std::span<const std::uint8_t, N>(bytes_)); }

    std::span<const std::uint8_t, N> view() const { return bytes_; }
    std::span<std::uint8_t, N> mutable_view() { return bytes_; }
    const std::uint8_t* data() const { return bytes_.data(); }
    std::uint8_t* data() { return bytes_.data(); }
    static constexpr std::size_t size() { return N; }

    // equals compares in constant time.
    bool equals(const SecretArray& other) const {
        return constant_time_equal(bytes_, other.bytes_);
    }

  private:
    std::array<std::uint8_t, N> bytes_;
};

}  // namespace ratchetcheck
