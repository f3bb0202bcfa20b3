// The valgrind client requests behind crypto/constant_time.hpp. Without valgrind's headers the
// functions compile to nothing (and is_poisoned is always false): the library does not depend on
// valgrind, only the `ct` checks do (tests/ct).
#include "ratchetcheck/crypto/constant_time.hpp"

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define RATCHETCHECK_HAVE_MEMCHECK 1
#else
#define RATCHETCHECK_HAVE_MEMCHECK 0
#endif

#include <algorithm>
#include <array>

namespace ratchetcheck::constant_time {
namespace {

// mark_defined is the one place that turns secret-derived bytes into public ones; only the named
// declassifications call it.
void mark_defined([[maybe_unused]] const void* address,
                  [[maybe_unused]] std::size_t size) noexcept {
#if RATCHETCHECK_HAVE_MEMCHECK
    if (size != 0)
        (void)VALGRIND_MAKE_MEM_DEFINED(address, size);
#endif
}

}  // namespace

void poison([[maybe_unused]] ByteView bytes) noexcept {
#if RATCHETCHECK_HAVE_MEMCHECK
    if (!bytes.empty())
        (void)VALGRIND_MAKE_MEM_UNDEFINED(bytes.data(), bytes.size());
#endif
}

void unpoison(ByteView bytes) noexcept {
    mark_defined(bytes.data(), bytes.size());
}

bool running_under_memcheck() noexcept {
#if RATCHETCHECK_HAVE_MEMCHECK
    return RUNNING_ON_VALGRIND != 0;
#else
    return false;
#endif
}

bool is_poisoned([[maybe_unused]] ByteView bytes) noexcept {
#if RATCHETCHECK_HAVE_MEMCHECK
    if (!running_under_memcheck())
        return false;
    // VALGRIND_GET_VBITS copies memcheck's validity bits: a set bit is an undefined bit.
    std::array<std::uint8_t, 64> validity{};
    for (std::size_t offset = 0; offset < bytes.size(); offset += validity.size()) {
        const std::size_t chunk = std::min(validity.size(), bytes.size() - offset);
        if (VALGRIND_GET_VBITS(bytes.data() + offset, validity.data(), chunk) != 1)
            return false;
        for (std::size_t index = 0; index < chunk; ++index) {
            if (validity[index] != 0)
                return true;
        }
    }
#endif
    return false;
}

unsigned memcheck_error_count() noexcept {
#if RATCHETCHECK_HAVE_MEMCHECK
    return static_cast<unsigned>(VALGRIND_COUNT_ERRORS);
#else
    return 0;
#endif
}

void declassify_public_key(ByteView public_key) noexcept {
    mark_defined(public_key.data(), public_key.size());
}

int declassify_rejection(int status) noexcept {
    mark_defined(&status, sizeof status);
    return status;
}

void declassify_ciphertext(ByteView ciphertext) noexcept {
    mark_defined(ciphertext.data(), ciphertext.size());
}

void declassify_sent_mac(ByteView tag) noexcept {
    mark_defined(tag.data(), tag.size());
}

bool declassify_mac_check(bool verdict) noexcept {
    mark_defined(&verdict, sizeof verdict);
    return verdict;
}

std::size_t declassify_padding_length(const crypto::AuthenticatedCiphertext&,
                                      std::size_t length) noexcept {
    mark_defined(&length, sizeof length);
    return length;
}

void declassify_authenticated_plaintext(ByteView plaintext) noexcept {
    mark_defined(plaintext.data(), plaintext.size());
}

void declassify_signature(ByteView signature) noexcept {
    mark_defined(signature.data(), signature.size());
}

}  // namespace ratchetcheck::constant_time
