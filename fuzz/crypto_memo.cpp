// The libFuzzer builds' memo of libsodium's public-key operations (docs/fuzzing.md, "Speed";
// docs/decisions.md E34). Linked only into the fuzz targets built with a fuzzing engine (the fuzz
// preset, OSS-Fuzz and ClusterFuzzLite), with the linker's --wrap (fuzz/CMakeLists.txt): every call
// the protocol makes to one of the four functions below reaches the __wrap_ function here, which
// returns the remembered result for the same arguments or calls the library (__real_) and
// remembers it. protocol/ itself is unchanged and has no fuzzing mode.
//
// Why: the targets draw every key from SeededKeySource, so the same scalar meets the same point in
// input after input, and X25519 and the Ed25519 arithmetic of XEdDSA were most of an op-trace
// target's time per input. BoringSSL's fuzzer mode shortcuts its crypto for the same reason; unlike
// that, a remembered result is byte for byte what libsodium returned for the same arguments, so no
// property a target checks changes, and a crash replays without the memo (the g++ replay builds
// have none). The table keeps secrets in plain memory, which a fuzzing process may.
#include "crypto_memo.hpp"

#include <cstring>
#include <string>
#include <unordered_map>

namespace ratchetcheck::fuzz {
namespace {

// Memo maps the concatenated arguments of one function to its return value and output bytes.
class Memo {
  public:
    struct Entry {
        int result = 0;
        std::string output;
    };

    // find returns the entry for the arguments `parts`, or nullptr; the key stays for remember().
    const Entry* find(std::initializer_list<std::pair<const unsigned char*, std::size_t>> parts) {
        key_.clear();
        for (const auto& [data, size] : parts)
            key_.append(reinterpret_cast<const char*>(data), size);
        const auto found = entries_.find(key_);
        ++statistics().lookups;
        if (found == entries_.end())
            return nullptr;
        ++statistics().hits;
        return &found->second;
    }

    // remember stores the result for the last find()'s arguments. Bounded: a full table starts
    // again (a run's working set of keys is far smaller).
    void remember(int result, const unsigned char* output, std::size_t size) {
        if (entries_.size() >= max_entries)
            entries_.clear();
        entries_.insert_or_assign(
            key_, Entry{result, std::string(reinterpret_cast<const char*>(output), size)});
    }

  private:
    static constexpr std::size_t max_entries = 1 << 16;
    std::string key_;
    std::unordered_map<std::string, Entry> entries_;
};

constexpr std::size_t x25519_bytes = 32;
constexpr std::size_t edwards_bytes = 32;

}  // namespace

CryptoMemoStatistics& statistics() {
    static CryptoMemoStatistics counts;
    return counts;
}

}  // namespace ratchetcheck::fuzz

using ratchetcheck::fuzz::edwards_bytes;
using ratchetcheck::fuzz::Memo;
using ratchetcheck::fuzz::x25519_bytes;

namespace {

// remembered_point answers a point operation (32 bytes out, an int result) from `memo` when the
// same `arguments` came before, else runs `compute` and remembers what it wrote and returned.
template <typename Compute>
int remembered_point(Memo& memo, unsigned char* output,
                     std::initializer_list<std::pair<const unsigned char*, std::size_t>> arguments,
                     Compute compute) {
    constexpr std::size_t output_bytes = 32;
    if (const Memo::Entry* known = memo.find(arguments)) {
        std::memcpy(output, known->output.data(), output_bytes);
        return known->result;
    }
    const int result = compute();
    memo.remember(result, output, output_bytes);
    return result;
}

}  // namespace

// The linker's --wrap fixes these names: __wrap_NAME receives the calls to NAME, __real_NAME is
// the library's NAME. They are reserved identifiers by the letter of the standard.
//
// NOLINTBEGIN(bugprone-reserved-identifier)
extern "C" {

int __real_crypto_scalarmult_curve25519(unsigned char* q, const unsigned char* n,
                                        const unsigned char* p);
int __real_crypto_scalarmult_curve25519_base(unsigned char* q, const unsigned char* n);
int __real_crypto_scalarmult_ed25519_base_noclamp(unsigned char* q, const unsigned char* n);
int __real_crypto_sign_ed25519_verify_detached(const unsigned char* signature,
                                               const unsigned char* message,
                                               unsigned long long message_length,
                                               const unsigned char* public_key);

// X25519 (crypto/primitives.cpp x25519): the output, and -1 for a small-order point.
int __wrap_crypto_scalarmult_curve25519(unsigned char* q, const unsigned char* n,
                                        const unsigned char* p) {
    static Memo memo;
    return remembered_point(memo, q, {{n, x25519_bytes}, {p, x25519_bytes}},
                            [&] { return __real_crypto_scalarmult_curve25519(q, n, p); });
}

// The X25519 public key of a private key (crypto/primitives.cpp x25519_public_key).
int __wrap_crypto_scalarmult_curve25519_base(unsigned char* q, const unsigned char* n) {
    static Memo memo;
    return remembered_point(memo, q, {{n, x25519_bytes}},
                            [&] { return __real_crypto_scalarmult_curve25519_base(q, n); });
}

// XEdDSA signing's two base-point multiples, kB and rB (crypto/xeddsa.cpp).
int __wrap_crypto_scalarmult_ed25519_base_noclamp(unsigned char* q, const unsigned char* n) {
    static Memo memo;
    return remembered_point(memo, q, {{n, edwards_bytes}},
                            [&] { return __real_crypto_scalarmult_ed25519_base_noclamp(q, n); });
}

// XEdDSA verification (crypto/xeddsa.cpp xeddsa_verify): the verdict only.
int __wrap_crypto_sign_ed25519_verify_detached(const unsigned char* signature,
                                               const unsigned char* message,
                                               unsigned long long message_length,
                                               const unsigned char* public_key) {
    static Memo memo;
    const Memo::Entry* known = memo.find({{signature, 64},
                                          {public_key, edwards_bytes},
                                          {message, static_cast<std::size_t>(message_length)}});
    if (known != nullptr)
        return known->result;
    const int result =
        __real_crypto_sign_ed25519_verify_detached(signature, message, message_length, public_key);
    memo.remember(result, nullptr, 0);
    return result;
}

}  // extern "C"
// NOLINTEND(bugprone-reserved-identifier)
