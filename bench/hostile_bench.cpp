// hostile_bench: the worst-case cost of one hostile message per kind, on this implementation and
// on libsignal-protocol-c 2.3.3 (peers/libsignal_peer.hpp), side by side (issue 22 part 4). The
// receiver keeps the most archived sessions both allow (40), so a forgery is tried on 41
// sessions. Benchmarks are "hostile_<kind>/<implementation>"; bench/hostile.sh runs them and
// writes bench/results/hostile-messages.json, which the evidence pack reads (analysis.cpp).
//
// Each benchmark also reports, measured outside the timed loop on one message:
//   peak_bytes     the most heap bytes in use above the level before the message (this binary
//                  interposes malloc, calloc, realloc and free, which operator new and libsignal
//                  both call, and counts malloc_usable_size);
//   x25519, sha256_finals   ours only: calls counted through the linker's --wrap
//                  (tests/unit/work_count.hpp does the same); one chain step
//                  is 12 SHA-256 finalizations (KDF_CK and the stored key's HKDF).
// Every kind leaves the receiver's state unchanged (rejections are transactional in both), so
// the same message is decrypted again on every iteration.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bench_common.hpp"
#include "libsignal_peer.hpp"
#include "ratchetcheck/party.hpp"

// --- counting ------------------------------------------------------------------------------------

namespace {
std::atomic<std::int64_t> heap_in_use{0};
std::atomic<std::int64_t> heap_peak{0};
std::atomic<std::size_t> sha256_finals{0};
std::atomic<std::size_t> x25519_calls{0};

void note_allocated(void* block) {
    if (block == nullptr)
        return;
    const auto now = heap_in_use.fetch_add(static_cast<std::int64_t>(malloc_usable_size(block))) +
                     static_cast<std::int64_t>(malloc_usable_size(block));
    auto peak = heap_peak.load();
    while (now > peak && !heap_peak.compare_exchange_weak(peak, now)) {
    }
}
void note_freed(void* block) {
    if (block != nullptr)
        heap_in_use.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(block)));
}
}  // namespace

// glibc's own entry points; the executable's malloc family is found first by every shared
// library (ELF symbol interposition), libsignal's included.
// NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* block, std::size_t size);
void __libc_free(void* block);

void* malloc(std::size_t size) {
    void* const block = __libc_malloc(size);
    note_allocated(block);
    return block;
}
void* calloc(std::size_t count, std::size_t size) {
    void* const block = __libc_calloc(count, size);
    note_allocated(block);
    return block;
}
void* realloc(void* block, std::size_t size) {
    note_freed(block);
    void* const moved = __libc_realloc(block, size);
    note_allocated(moved != nullptr ? moved : (size == 0 ? nullptr : block));
    return moved;
}
void free(void* block) {
    note_freed(block);
    __libc_free(block);
}

int __real_SHA256_Final(unsigned char* digest, SHA256_CTX* context);
int __wrap_SHA256_Final(unsigned char* digest, SHA256_CTX* context) {
    sha256_finals.fetch_add(1, std::memory_order_relaxed);
    return __real_SHA256_Final(digest, context);
}
int __real_crypto_scalarmult_curve25519(unsigned char* shared, const unsigned char* scalar,
                                        const unsigned char* point);
int __wrap_crypto_scalarmult_curve25519(unsigned char* shared, const unsigned char* scalar,
                                        const unsigned char* point) {
    x25519_calls.fetch_add(1, std::memory_order_relaxed);
    return __real_crypto_scalarmult_curve25519(shared, scalar, point);
}
}
// NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)

namespace ratchetcheck::bench {
namespace {

constexpr std::uint32_t archived_sessions = 40;  // both: the most archived sessions kept
constexpr std::uint32_t max_jump = 2000;         // both: the largest forward jump accepted
constexpr std::uint32_t signed_prekey_id = 7;
constexpr std::uint8_t olm_version = 0x03;  // libolm's message version byte

// --- the wire format, by hand (SCHEMA.md §6.4, §6.5), so that one forgery fits both ------------

void put_varint(Bytes& out, std::uint64_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<std::uint8_t>(value | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(value));
}
void put_bytes(Bytes& out, std::uint8_t field, ByteView bytes) {
    out.push_back(static_cast<std::uint8_t>(field << 3 | 2));
    put_varint(out, bytes.size());
    out.insert(out.end(), bytes.begin(), bytes.end());
}
void put_number(Bytes& out, std::uint8_t field, std::uint64_t value) {
    out.push_back(static_cast<std::uint8_t>(field << 3));
    put_varint(out, value);
}

// SignalFields are the fields of a SignalMessage this benchmark reads and rewrites.
struct SignalFields {
    Bytes ratchet_key;
    std::uint32_t counter = 0;
    std::uint32_t previous_counter = 0;
    Bytes ciphertext;
};

std::uint64_t get_varint(ByteView bytes, std::size_t& at) {
    std::uint64_t value = 0;
    for (int shift = 0; at < bytes.size(); shift += 7) {
        const std::uint8_t byte = bytes[at++];
        value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0)
            break;
    }
    return value;
}

// parse_signal reads a genuine SignalMessage (version, protobuf, 8-byte MAC).
SignalFields parse_signal(ByteView message) {
    SignalFields fields;
    std::size_t at = 1;
    const std::size_t end = message.size() - 8;
    while (at < end) {
        const auto key = get_varint(message, at);
        if ((key & 7) == 2) {
            const auto length = get_varint(message, at);
            Bytes value(message.begin() + static_cast<std::ptrdiff_t>(at),
                        message.begin() + static_cast<std::ptrdiff_t>(at + length));
            at += length;
            if (key >> 3 == 1)
                fields.ratchet_key = value;
            else if (key >> 3 == 4)
                fields.ciphertext = value;
        } else {
            const auto value = static_cast<std::uint32_t>(get_varint(message, at));
            if (key >> 3 == 2)
                fields.counter = value;
            else if (key >> 3 == 3)
                fields.previous_counter = value;
        }
    }
    return fields;
}

// forge_signal encodes a SignalMessage with an arbitrary (wrong) MAC. olm's format is the same
// protobuf without the previous counter, a version byte of 3 and a 32-byte ratchet key.
Bytes forge_signal(const SignalFields& fields, std::uint8_t version = 0x33) {
    Bytes out = {version};
    put_bytes(out, 1, fields.ratchet_key);
    put_number(out, 2, fields.counter);
    if (version != olm_version)
        put_number(out, 3, fields.previous_counter);
    put_bytes(out, 4, fields.ciphertext);
    out.insert(out.end(), 8, 0xa5);
    return out;
}

// fresh_public_key is 0x05 || the public key of a random scalar: a point nobody has seen.
Bytes fresh_public_key() {
    std::uint8_t scalar[32];
    randombytes_buf(scalar, sizeof scalar);
    Bytes key(33, 0x05);
    crypto_scalarmult_curve25519_base(key.data() + 1, scalar);
    sodium_memzero(scalar, sizeof scalar);
    return key;
}

// forge_prekey wraps `inner` in a PreKeySignalMessage from `identity` with a fresh base key.
Bytes forge_prekey(std::uint32_t registration_id, ByteView identity, ByteView inner) {
    Bytes out = {0x33};
    put_number(out, 5, registration_id);
    put_number(out, 6, signed_prekey_id);
    put_bytes(out, 2, fresh_public_key());
    put_bytes(out, 3, identity);
    put_bytes(out, 4, inner);
    return out;
}

// --- the kinds of hostile message ----------------------------------------------------------------

enum class Kind { forged_max_jump, forged_prekey, too_far_ahead, replay };

const char* kind_name(Kind kind) {
    switch (kind) {
        case Kind::forged_max_jump:
            return "forged_max_jump";
        case Kind::forged_prekey:
            return "forged_prekey";
        case Kind::too_far_ahead:
            return "too_far_ahead";
        case Kind::replay:
            return "replay";
    }
    return "?";
}

struct Hostile {
    MessageType type;
    Bytes bytes;
};

// hostile_message builds one message of `kind` from the last genuine SignalMessage the receiver
// accepted (`delivered`) and the sender's registration id and serialized identity key:
//   forged_max_jump  a ratchet key no session has seen, counter max_jump (the largest a new
//                    chain accepts), a wrong MAC: every one of the 41 sessions does one X25519,
//                    max_jump + 1 chain steps and one MAC check;
//   forged_prekey    that forgery inside a PreKeySignalMessage with a fresh base key and the
//                    sender's identity: X3DH, then the same tries;
//   too_far_ahead    the delivered message with its counter max_jump + 1 past its chain;
//   replay           the delivered message again.
Hostile hostile_message(Kind kind, const OutgoingMessage& delivered, std::uint32_t registration_id,
                        ByteView identity) {
    SignalFields fields = parse_signal(delivered.bytes);
    const std::uint8_t version = delivered.bytes.front();
    switch (kind) {
        case Kind::replay:
            return {MessageType::signal_message, delivered.bytes};
        case Kind::too_far_ahead:
            fields.counter += max_jump + 2;
            return {MessageType::signal_message, forge_signal(fields, version)};
        case Kind::forged_max_jump:
        case Kind::forged_prekey:
            break;
    }
    fields.ratchet_key = fresh_public_key();
    if (version == olm_version)  // olm's keys have no 0x05 type byte
        fields.ratchet_key.erase(fields.ratchet_key.begin());
    fields.counter = max_jump;
    fields.previous_counter = 0;
    if (kind == Kind::forged_max_jump)
        return {MessageType::signal_message, forge_signal(fields, version)};
    return {MessageType::prekey_message,
            forge_prekey(registration_id, identity, forge_signal(fields))};
}

// Receiver is one implementation's receiving party with 41 sessions for the same sender, and the
// last genuine message it accepted.
struct Receiver {
    std::function<bool(MessageType, ByteView)> decrypt;  // true when accepted
    std::function<std::size_t()> archived;  // archived sessions, where the implementation says
    OutgoingMessage delivered;
    std::uint32_t sender_registration_id = 0;
    Bytes sender_identity;
    std::shared_ptr<void> keep_alive;
};

std::optional<Receiver> ours_receiver() {
    KeySource& keys = SodiumKeySource::instance();
    auto alice_identity = generate_identity_key_pair(keys);
    auto bob_identity = generate_identity_key_pair(keys);
    if (!alice_identity.ok() || !bob_identity.ok())
        return std::nullopt;
    auto signed_prekey = generate_signed_prekey(bob_identity.value(), signed_prekey_id, keys);
    if (!signed_prekey.ok())
        return std::nullopt;
    const PreKeyBundle bundle = make_prekey_bundle(2222, 1, bob_identity.value().public_key,
                                                   signed_prekey.value(), nullptr);
    const auto alice_public = alice_identity.value().public_key;
    struct Pair {
        Party alice;
        Party bob;
    };
    auto pair = std::make_shared<Pair>(
        Pair{Party(std::move(alice_identity).value(), 1111, bob_identity.value().public_key, keys),
             Party(std::move(bob_identity).value(), 2222, alice_public, keys)});
    pair->bob.add_signed_prekey(std::move(signed_prekey).value());
    const auto send = [](Party& from, Party& to) -> std::optional<OutgoingMessage> {
        auto message = from.encrypt(Bytes(100, 0x5a));
        if (!message.ok() || !to.decrypt(message.value().type, message.value().bytes).ok())
            return std::nullopt;
        return std::move(message).value();
    };
    for (std::uint32_t session = 0; session <= archived_sessions; ++session) {
        if (!pair->alice.initiate_session(bundle).ok() || !send(pair->alice, pair->bob))
            return std::nullopt;
    }
    if (!send(pair->bob, pair->alice))
        return std::nullopt;
    auto delivered = send(pair->alice, pair->bob);
    if (!delivered)
        return std::nullopt;
    const SerializedPublicKey identity = alice_public.serialize();
    Receiver receiver;
    receiver.decrypt = [pair](MessageType type, ByteView bytes) {
        return pair->bob.decrypt(type, bytes).ok();
    };
    receiver.archived = [pair] { return pair->bob.view().archived.size(); };
    receiver.delivered = std::move(*delivered);
    receiver.sender_registration_id = 1111;
    receiver.sender_identity = Bytes(identity.begin(), identity.end());
    receiver.keep_alive = pair;
    return receiver;
}

std::optional<Receiver> libsignal_receiver() {
    using peers::LibsignalParty;
    auto alice = LibsignalParty::create(1111);
    auto bob = LibsignalParty::create(2222);
    if (!alice.ok() || !bob.ok())
        return std::nullopt;
    auto bundle = bob.value->publish_prekeys(signed_prekey_id, std::nullopt);
    if (!bundle.ok())
        return std::nullopt;
    alice.value->trust_peer(bob.value->identity_public_key());
    bob.value->trust_peer(alice.value->identity_public_key());
    struct Pair {
        std::unique_ptr<LibsignalParty> alice;
        std::unique_ptr<LibsignalParty> bob;
    };
    auto pair = std::make_shared<Pair>(Pair{std::move(alice.value), std::move(bob.value)});
    const auto send = [](LibsignalParty& from,
                         LibsignalParty& to) -> std::optional<OutgoingMessage> {
        auto message = from.encrypt(Bytes(100, 0x5a));
        if (!message.ok() || !to.decrypt(message.value.type, message.value.bytes).ok())
            return std::nullopt;
        return std::move(message.value);
    };
    for (std::uint32_t session = 0; session <= archived_sessions; ++session) {
        if (pair->alice->initiate_session(bundle.value) < 0 || !send(*pair->alice, *pair->bob))
            return std::nullopt;
    }
    if (!send(*pair->bob, *pair->alice))
        return std::nullopt;
    auto delivered = send(*pair->alice, *pair->bob);
    if (!delivered)
        return std::nullopt;
    const SerializedPublicKey identity = pair->alice->identity_public_key().serialize();
    Receiver receiver;
    receiver.decrypt = [pair](MessageType type, ByteView bytes) {
        return pair->bob->decrypt(type, bytes).ok();
    };
    receiver.archived = [] { return std::size_t{archived_sessions}; };  // not exposed; as set up
    receiver.delivered = std::move(*delivered);
    receiver.sender_registration_id = 1111;
    receiver.sender_identity = Bytes(identity.begin(), identity.end());
    receiver.keep_alive = pair;
    return receiver;
}

// olm's pair (bench_olm.cpp) behind the same interface: messages cross it as raw bytes and are
// base64-encoded (olm's wire form, without padding) on the way in. olm keeps one session and no
// archive, so its figures are those of one session.
std::optional<Receiver> olm_as_receiver() {
    auto olm = olm_receiver();
    if (!olm)
        return std::nullopt;
    Bytes delivered(olm->delivered.size());
    std::size_t length = 0;
    if (sodium_base642bin(delivered.data(), delivered.size(), olm->delivered.data(),
                          olm->delivered.size(), nullptr, &length, nullptr,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
        return std::nullopt;
    }
    delivered.resize(length);
    auto shared = std::make_shared<OlmReceiver>(std::move(*olm));
    Receiver receiver;
    receiver.decrypt = [shared](MessageType type, ByteView bytes) {
        std::string base64(
            sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL_NO_PADDING),
            '\0');
        sodium_bin2base64(base64.data(), base64.size(), bytes.data(), bytes.size(),
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
        base64.resize(std::strlen(base64.c_str()));
        return shared->decrypt(type == MessageType::prekey_message ? 0 : 1, base64);
    };
    receiver.archived = [] { return std::size_t{0}; };
    receiver.delivered = {MessageType::signal_message, std::move(delivered)};
    receiver.keep_alive = shared;
    return receiver;
}

enum class Implementation { ours, libsignal, olm };

const char* implementation_name(Implementation implementation) {
    switch (implementation) {
        case Implementation::ours:
            return "ours";
        case Implementation::libsignal:
            return "libsignal";
        case Implementation::olm:
            return "olm";
    }
    return "?";
}

void run(benchmark::State& state, Kind kind, Implementation implementation) {
    const bool ours = implementation == Implementation::ours;
    auto receiver = ours                                          ? ours_receiver()
                    : implementation == Implementation::libsignal ? libsignal_receiver()
                                                                  : olm_as_receiver();
    if (!receiver)
        return state.SkipWithError("session setup failed");
    if (implementation != Implementation::olm && receiver->archived() != archived_sessions)
        return state.SkipWithError("the receiver does not hold 40 archived sessions");
    const Hostile hostile = hostile_message(
        kind, receiver->delivered, receiver->sender_registration_id, receiver->sender_identity);
    // One message, counted outside the timing.
    const std::int64_t heap_before = heap_in_use.load();
    heap_peak.store(heap_before);
    const std::size_t sha256_before = sha256_finals.load();
    const std::size_t x25519_before = x25519_calls.load();
    const bool accepted = receiver->decrypt(hostile.type, hostile.bytes);
    state.counters["peak_bytes"] = static_cast<double>(heap_peak.load() - heap_before);
    if (ours) {
        state.counters["x25519"] = static_cast<double>(x25519_calls.load() - x25519_before);
        state.counters["sha256_finals"] = static_cast<double>(sha256_finals.load() - sha256_before);
    }
    state.counters["accepted"] = accepted ? 1 : 0;
    state.counters["archived_sessions"] = static_cast<double>(receiver->archived());
    for (auto _ : state)
        benchmark::DoNotOptimize(receiver->decrypt(hostile.type, hostile.bytes));
}

}  // namespace
}  // namespace ratchetcheck::bench

int main(int argc, char** argv) {
    using ratchetcheck::bench::Implementation;
    using ratchetcheck::bench::Kind;
    if (sodium_init() < 0)
        return 1;
    for (Kind kind :
         {Kind::forged_max_jump, Kind::forged_prekey, Kind::too_far_ahead, Kind::replay}) {
        for (Implementation implementation :
             {Implementation::ours, Implementation::libsignal, Implementation::olm}) {
            // olm's pre-key messages start a session through another call
            // (olm_create_inbound_session), not through decrypt: no forged_prekey for olm.
            if (implementation == Implementation::olm && kind == Kind::forged_prekey)
                continue;
            const std::string name = std::string("hostile_") +
                                     ratchetcheck::bench::kind_name(kind) + "/" +
                                     ratchetcheck::bench::implementation_name(implementation);
            benchmark::RegisterBenchmark(name.c_str(), [kind,
                                                        implementation](benchmark::State& state) {
                ratchetcheck::bench::run(state, kind, implementation);
            })->Unit(benchmark::kMicrosecond);
        }
    }
    benchmark::AddCustomContext(
        "note",
        "Receivers: ours and libsignal hold 40 archived sessions besides the current one; olm "
        "keeps one session per pair and no archive, so its figures are one session's, taken "
        "after its receiver answered (olm accepts a new ratchet key only then), and it has no "
        "forged_prekey row (olm starts sessions outside decrypt). olm answers every rejection "
        "inside decrypt as BAD_MESSAGE_MAC: no distinct duplicate or too-far answer. The peak "
        "bytes of olm are the benchmark's own buffers: olm allocates nothing.");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
