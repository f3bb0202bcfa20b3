// The libsodium calls behind secret.hpp, kept here so that no public header includes <sodium.h>.
#include "ratchetcheck/secret.hpp"

#include <sodium.h>

namespace ratchetcheck {

void secure_wipe(void* pointer, std::size_t size) noexcept {
    sodium_memzero(pointer, size);
}

bool constant_time_equal(ByteView left, ByteView right) noexcept {
    if (left.size() != right.size())
        return false;
    // sodium_memcmp's pointers are declared non-null; empty views may carry null pointers. Not
    // `empty() || memcmp == 0`: without optimization (clang -O0, the coverage build) the `||`
    // compiles to a jump on the comparison's result, which the ct label's memcheck run reported
    // as a branch on a secret; `== 0` compiles to a flag set, not a jump.
    if (left.empty())
        return true;
    return sodium_memcmp(left.data(), right.data(), left.size()) == 0;
}

}  // namespace ratchetcheck
