// The counting shim of work_count.hpp: --wrap targets for SHA256_Final and
// crypto_scalarmult_curve25519, and the replaced global operator new and delete.
#include <openssl/sha.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "work_count.hpp"

namespace {
std::atomic<std::size_t> sha256_finals{0};
std::atomic<std::size_t> x25519_operations{0};
std::atomic<std::size_t> allocations{0};

void* allocate(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* const block = std::malloc(size == 0 ? 1 : size))
        return block;
    throw std::bad_alloc();
}
}  // namespace

// The linker's --wrap names (reserved identifiers by the linker's own convention).
// NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
extern "C" {
int __real_SHA256_Final(unsigned char* digest, SHA256_CTX* context);
int __wrap_SHA256_Final(unsigned char* digest, SHA256_CTX* context) {
    sha256_finals.fetch_add(1, std::memory_order_relaxed);
    return __real_SHA256_Final(digest, context);
}
int __real_crypto_scalarmult_curve25519(unsigned char* shared, const unsigned char* scalar,
                                        const unsigned char* point);
int __wrap_crypto_scalarmult_curve25519(unsigned char* shared, const unsigned char* scalar,
                                        const unsigned char* point) {
    x25519_operations.fetch_add(1, std::memory_order_relaxed);
    return __real_crypto_scalarmult_curve25519(shared, scalar, point);
}
}
// NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)

void* operator new(std::size_t size) {
    return allocate(size);
}
void* operator new[](std::size_t size) {
    return allocate(size);
}
void operator delete(void* block) noexcept {
    std::free(block);
}
void operator delete[](void* block) noexcept {
    std::free(block);
}
void operator delete(void* block, std::size_t) noexcept {
    std::free(block);
}
void operator delete[](void* block, std::size_t) noexcept {
    std::free(block);
}

namespace ratchetcheck::unit {
WorkCount work_done() {
    return {sha256_finals.load(), x25519_operations.load(), allocations.load()};
}
}  // namespace ratchetcheck::unit
