// The libFuzzer builds' memo of public-key operations (docs/fuzzing.md, "Speed"; docs/decisions.md
// E34, E37): the table. The functions it remembers are libsodium's, reached through the linker's
// --wrap (sodium_memo.cpp), and libsignal-protocol-c's, reached by symbol interposition
// (libsignal_memo.cpp). Linked only into the fuzz targets built with a fuzzing engine (the fuzz
// preset, OSS-Fuzz and ClusterFuzzLite) and into the memo's tests; protocol/ itself is unchanged
// and has no fuzzing mode.
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

// Memo is a table in static storage, from a BLAKE2b-256 digest of a call (the function's tag, then
// each argument with its length) to that call's return value and output bytes. It allocates
// nothing: libFuzzer counts mallocs against frees per input, and an input that left a new entry in
// a heap-allocated table looked like a leak, so libFuzzer ran it a second time to check
// (TryDetectingAMemoryLeak, a tenth of an op-trace target's time). Keying by a 256-bit digest
// rather than by the arguments themselves makes a wrong answer as likely as a BLAKE2b collision.
// The digest picks a bucket of `ways` slots; a call new to a full bucket overwrites one of them, so
// the table forgets only when a bucket overflows, which a run's working set of keys (hundreds of
// calls against 65,536 slots) practically never does.
class Memo {
  public:
    bool lookup(MemoFunction function, std::initializer_list<MemoArgument> arguments,
                unsigned char* output, std::size_t output_size, int& result) {
        crypto_generichash_state state;
        crypto_generichash_init(&state, nullptr, 0, digest_.size());
        const auto tag = static_cast<unsigned char>(function);
        crypto_generichash_update(&state, &tag, 1);
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
                if (output_size != 0)
                    std::memcpy(output, entry.output.data(), output_size);
                result = entry.result;
                return true;
            }
            if (!entry.used && slot_ == nullptr)
                slot_ = &entry;
        }
        if (slot_ == nullptr)  // a full bucket: the digest's next bits choose whom to replace
            slot_ = &bucket[digest_[sizeof index] % ways];
        return false;
    }

    void remember(int result, const unsigned char* output, std::size_t output_size) {
        slot_->used = true;
        slot_->digest = digest_;
        slot_->result = result;
        if (output_size != 0)
            std::memcpy(slot_->output.data(), output, output_size);
    }

  private:
    struct Entry {
        bool used = false;
        std::array<unsigned char, 32> digest{};
        int result = 0;
        std::array<unsigned char, memo_max_output> output{};
    };
    static constexpr std::size_t ways = 8;

    std::array<unsigned char, 32> digest_{};
    Entry* slot_ = nullptr;
    std::array<Entry, std::size_t{1} << 16> table_{};
};

// The one memo of the process (6.5 MiB of static storage), shared by every remembered function,
// whose calls the digest tells apart by their MemoFunction tag.
Memo memo;

}  // namespace

CryptoMemoStatistics& statistics() {
    static CryptoMemoStatistics counts;
    return counts;
}

bool memo_lookup(MemoFunction function, std::initializer_list<MemoArgument> arguments,
                 unsigned char* output, std::size_t output_size, int& result) {
    return memo.lookup(function, arguments, output, output_size, result);
}

void memo_remember(int result, const unsigned char* output, std::size_t output_size) {
    memo.remember(result, output, output_size);
}

}  // namespace ratchetcheck::fuzz
