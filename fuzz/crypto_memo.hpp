// The fuzzing engines' memo of libsodium's public-key operations (crypto_memo.cpp): linked into
// the libFuzzer builds of the targets only, through the linker's --wrap.
#pragma once

#include <cstddef>

namespace ratchetcheck::fuzz {

// CryptoMemoStatistics counts the memo's lookups and hits over all four wrapped functions, for
// tests (tests/kat/crypto_memo_test.cpp) and for reading a run's hit rate in a debugger.
struct CryptoMemoStatistics {
    std::size_t lookups = 0;
    std::size_t hits = 0;
};
CryptoMemoStatistics& statistics();

}  // namespace ratchetcheck::fuzz
