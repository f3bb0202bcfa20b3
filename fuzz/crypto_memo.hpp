// The fuzzing engines' memo of public-key operations (crypto_memo.cpp): linked into the libFuzzer
// builds of the targets only, through the linker's --wrap for libsodium (sodium_memo.cpp) and by
// symbol interposition for libsignal-protocol-c (libsignal_memo.cpp).
//
// Not reentrant, and single-threaded like libFuzzer: between memo_lookup() and memo_remember() no
// other remembered call may run. None does: the remembered functions of libsodium and of
// libsignal-protocol-c call none of the others (checked in libsignal 2.3.3's disassembly).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <utility>

namespace ratchetcheck::fuzz {

// CryptoMemoStatistics counts the memo's lookups and hits over every remembered function, for
// tests (tests/kat/crypto_memo_test.cpp) and for reading a run's hit rate in a debugger.
struct CryptoMemoStatistics {
    std::size_t lookups = 0;
    std::size_t hits = 0;
};
CryptoMemoStatistics& statistics();

// MemoFunction tells apart the functions whose calls share the memo.
enum class MemoFunction : unsigned char {
    sodium_x25519 = 1,
    sodium_x25519_base = 2,
    sodium_edwards_base = 3,
    sodium_ed25519_verify = 4,
    libsignal_curve25519 = 5,
    libsignal_sign = 6,
    libsignal_verify = 7,
};

// MemoArgument is one input of a call: its bytes.
using MemoArgument = std::pair<const unsigned char*, std::size_t>;

// The sizes of the remembered functions' arguments and outputs: curve25519 scalars and points
// (Montgomery or Edwards), and XEdDSA signatures, the largest output a remembered call writes.
inline constexpr std::size_t point_bytes = 32;
inline constexpr std::size_t signature_bytes = 64;
inline constexpr std::size_t memo_max_output = signature_bytes;

// memo_lookup looks `function` called with `arguments` up. Found: copies the `output_size`
// (<= memo_max_output) remembered output bytes to `output`, stores the remembered return value
// in `result` and returns true. Not found: returns false, and the next memo_remember() stores the
// outcome of this very call.
bool memo_lookup(MemoFunction function, std::initializer_list<MemoArgument> arguments,
                 unsigned char* output, std::size_t output_size, int& result);

// memo_remember stores the return value and the `output_size` output bytes of the call the last
// memo_lookup() did not find.
void memo_remember(int result, const unsigned char* output, std::size_t output_size);

// remembered_call answers `function` on `arguments` from the memo, or runs `compute` (which
// writes `output_size` bytes to `output` and returns the library's value) and remembers it.
template <typename Compute>
int remembered_call(MemoFunction function, std::initializer_list<MemoArgument> arguments,
                    unsigned char* output, std::size_t output_size, Compute compute) {
    int result = 0;
    if (memo_lookup(function, arguments, output, output_size, result))
        return result;
    result = compute();
    memo_remember(result, output, output_size);
    return result;
}

}  // namespace ratchetcheck::fuzz
