// Counting the work a receive does (tests/unit/work_count_test.cpp): the test binary is linked
// with -Wl,--wrap=SHA256_Final -Wl,--wrap=crypto_scalarmult_curve25519 and replaces the global
// operator new, so that every SHA-256 finalization (two per HMAC; a chain step is several
// HMACs), every X25519 and every allocation through operator new made by the protocol library is
// counted, as the fuzz memo wraps libsodium (fuzz/crypto_memo.hpp).
#pragma once

#include <cstddef>

namespace ratchetcheck::unit {

struct WorkCount {
    std::size_t sha256_finals = 0;
    std::size_t x25519 = 0;
    std::size_t allocations = 0;
};

// work_done returns the counts since the process started.
WorkCount work_done();

// work_between: what was done between two readings.
inline WorkCount work_between(const WorkCount& before, const WorkCount& after) {
    return {after.sha256_finals - before.sha256_finals, after.x25519 - before.x25519,
            after.allocations - before.allocations};
}

}  // namespace ratchetcheck::unit
