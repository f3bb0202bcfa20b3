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

#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace ratchetcheck::fuzz {
namespace {

using Argument = std::pair<const unsigned char*, std::size_t>;

// Memo is a table in static storage, from a BLAKE2b-256 digest of a call (the function's tag, then
// each argument with its length) to that call's return value and 32 output bytes. It allocates
// nothing: libFuzzer counts mallocs against frees per input, and an input that left a new entry in
// a heap-allocated table looked like a leak, so libFuzzer ran it a second time to check
// (TryDetectingAMemoryLeak, a tenth of an op-trace target's time). Keying by a 256-bit digest
// rather than by the arguments themselves makes a wrong answer as likely as a BLAKE2b collision.
// The digest picks a bucket of `ways` slots; a call new to a full bucket overwrites one of them, so
// the table forgets only when a bucket overflows, which a run's working set of keys (hundreds of
// calls against 65,536 slots) practically never does.
class Memo {
  public:
    struct Entry {
        bool used = false;
        std::array<unsigned char, 32> digest{};
        int result = 0;
        std::array<unsigned char, 32> output{};
    };

    // find returns the entry for `function` called with `arguments`, or nullptr; the digest and
    // the slot to fill stay for remember().
    const Entry* find(unsigned char function, std::initializer_list<Argument> arguments) {
        crypto_generichash_state state;
        crypto_generichash_init(&state, nullptr, 0, digest_.size());
        crypto_generichash_update(&state, &function, 1);
        for (const auto& [data, size] : arguments) {
            const std::uint64_t length = size;
            crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(&length),
                                      sizeof length);
            crypto_generichash_update(&state, data, size);
        }
        crypto_generichash_final(&state, digest_.data(), digest_.size());
        std::uint64_t index = 0;
        std::memcpy(&index, digest_.data(), sizeof index);
        Entry* const bucket = &table_[(index % (table_.size() / ways)) * ways];
        ++statistics().lookups;
        slot_ = nullptr;
        for (std::size_t way = 0; way < ways; ++way) {
            Entry& entry = bucket[way];
            if (entry.used && entry.digest == digest_) {
                ++statistics().hits;
                return &entry;
            }
            if (!entry.used && slot_ == nullptr)
                slot_ = &entry;
        }
        if (slot_ == nullptr)  // a full bucket: the digest's next bits choose whom to replace
            slot_ = &bucket[digest_[sizeof index] % ways];
        return nullptr;
    }

    // remember stores the result (and `size` <= 32 output bytes) for the last find()'s call.
    void remember(int result, const unsigned char* output, std::size_t size) {
        slot_->used = true;
        slot_->digest = digest_;
        slot_->result = result;
        if (size != 0)
            std::memcpy(slot_->output.data(), output, size);
    }

  private:
    std::array<unsigned char, 32> digest_{};
    Entry* slot_ = nullptr;
    static constexpr std::size_t ways = 8;
    std::array<Entry, std::size_t{1} << 16> table_{};
};

// The one memo of the process (4.5 MiB of static storage), shared by the four functions, whose
// calls the digest tells apart by a tag.
Memo memo;

enum FunctionTag : unsigned char {
    x25519_tag = 1,
    x25519_base_tag = 2,
    edwards_base_tag = 3,
    verify_tag = 4,
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
using ratchetcheck::fuzz::memo;
using ratchetcheck::fuzz::x25519_bytes;

namespace {

// remembered_point answers a point operation (32 bytes out, an int result) from the memo when the
// same call came before, else runs `compute` and remembers what it wrote and returned.
template <typename Compute>
int remembered_point(unsigned char function, unsigned char* output,
                     std::initializer_list<ratchetcheck::fuzz::Argument> arguments,
                     Compute compute) {
    constexpr std::size_t output_bytes = 32;
    if (const auto* known = memo.find(function, arguments)) {
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
    return remembered_point(ratchetcheck::fuzz::x25519_tag, q,
                            {{n, x25519_bytes}, {p, x25519_bytes}},
                            [&] { return __real_crypto_scalarmult_curve25519(q, n, p); });
}

// The X25519 public key of a private key (crypto/primitives.cpp x25519_public_key).
int __wrap_crypto_scalarmult_curve25519_base(unsigned char* q, const unsigned char* n) {
    return remembered_point(ratchetcheck::fuzz::x25519_base_tag, q, {{n, x25519_bytes}},
                            [&] { return __real_crypto_scalarmult_curve25519_base(q, n); });
}

// XEdDSA signing's two base-point multiples, kB and rB (crypto/xeddsa.cpp).
int __wrap_crypto_scalarmult_ed25519_base_noclamp(unsigned char* q, const unsigned char* n) {
    return remembered_point(ratchetcheck::fuzz::edwards_base_tag, q, {{n, edwards_bytes}},
                            [&] { return __real_crypto_scalarmult_ed25519_base_noclamp(q, n); });
}

// XEdDSA verification (crypto/xeddsa.cpp xeddsa_verify): the verdict only.
int __wrap_crypto_sign_ed25519_verify_detached(const unsigned char* signature,
                                               const unsigned char* message,
                                               unsigned long long message_length,
                                               const unsigned char* public_key) {
    const auto* known = memo.find(ratchetcheck::fuzz::verify_tag,
                                  {{signature, 64},
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
