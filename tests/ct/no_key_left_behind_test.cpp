// No key left behind (label `ct`, docs/constant-time.md): this binary replaces the global
// operator new and delete (every form) and, on every free, scans the block for key material. It
// runs the same deterministic scenario twice:
//   1. learning: with the scanner off, it records every private key the key sources hand out and,
//      after every step, every secret in both parties' saved states; from those it recomputes,
//      through the crypto layer, the keys that never reach a saved state (the X3DH shared
//      secrets, root and chain key, every KDF_RK output for the ratchet keys of both sides, and
//      message keys and chain keys several steps along every chain);
//   2. scanning: the very same steps (same keys, same messages) with the scanner on. Any freed
//      block holding the first 16 bytes of a known secret is a finding, and the test fails.
// The scenario has X3DH, DH ratchet steps, skipped keys, the eviction of skipped keys, receiving
// chains and archived sessions, rejected messages, save and restore, and destruction. A second
// test checks that moved-from secret objects are wiped. A positive control (a key copied into a
// plain std::vector) shows the scanner finds what it looks for.
//
// Blocks freed by libsodium and OpenSSL with free() are not seen (only operator delete is
// replaced); both wipe their own key material (sodium_memzero, OPENSSL_clear_free).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/party.hpp"
#include "ratchetcheck/wire/byte_reader.hpp"

namespace ratchetcheck {
namespace {

// --- The known secrets -----------------------------------------------------------------------
//
// Kept in static storage (never on the heap, so the scanner never meets its own copies) and
// looked up by their first 16 bytes.

constexpr std::size_t prefix_bytes = 16;
constexpr std::size_t max_secrets = 1 << 18;

struct KnownSecret {
    std::array<std::uint8_t, prefix_bytes> prefix;
    std::array<char, 48> label;
};

KnownSecret known[max_secrets];
std::size_t known_count = 0;
bool known_sorted = false;

bool prefix_less(const KnownSecret& left, const KnownSecret& right) {
    return std::memcmp(left.prefix.data(), right.prefix.data(), prefix_bytes) < 0;
}

bool is_all_zero(ByteView bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t byte) { return byte == 0; });
}

// remember records a secret (at least 16 bytes; an all-zero value is no secret to look for).
void remember(ByteView secret, std::string_view label) {
    if (secret.size() < prefix_bytes || is_all_zero(secret.first(prefix_bytes)))
        return;
    if (known_count == max_secrets)
        std::abort();  // raise max_secrets
    KnownSecret& entry = known[known_count++];
    std::copy_n(secret.begin(), prefix_bytes, entry.prefix.begin());
    entry.label.fill('\0');
    std::copy_n(label.begin(), std::min(label.size(), entry.label.size() - 1), entry.label.begin());
    known_sorted = false;
}

void sort_known() {
    std::sort(known, known + known_count, prefix_less);
    known_sorted = true;
}

// find_secret returns the first known secret whose prefix occurs in `bytes`, and its offset.
const KnownSecret* find_secret(ByteView bytes, std::size_t& offset) {
    if (!known_sorted)
        std::abort();
    KnownSecret probe{};
    for (offset = 0; offset + prefix_bytes <= bytes.size(); ++offset) {
        std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), prefix_bytes,
                    probe.prefix.begin());
        const KnownSecret* found = std::lower_bound(known, known + known_count, probe, prefix_less);
        if (found != known + known_count &&
            std::memcmp(found->prefix.data(), probe.prefix.data(), prefix_bytes) == 0) {
            return found;
        }
    }
    return nullptr;
}

// --- The scanner, called by the replaced operator delete -------------------------------------

bool scanning = false;
bool inside_scanner = false;
const char* current_step = "setup";
std::size_t scanned_blocks = 0;
std::size_t findings = 0;

void scan_freed_block(const void* pointer, std::size_t size) {
    if (!scanning || inside_scanner || pointer == nullptr)
        return;
    inside_scanner = true;
    ++scanned_blocks;
    std::size_t offset = 0;
    const KnownSecret* found =
        find_secret({static_cast<const std::uint8_t*>(pointer), size}, offset);
    if (found != nullptr) {
        ++findings;
        // fprintf, not iostream: nothing here may allocate.
        std::fprintf(stderr,
                     "no-key-left-behind: a freed block of %zu bytes still holds %s at offset %zu "
                     "(step: %s)\n",
                     size, found->label.data(), offset, current_step);
    }
    inside_scanner = false;
}

// Each block carries a 16-byte (or alignment-sized) header: the distance back to the start of the
// malloc'ed region and the requested size, so that a free knows how much to scan.
struct BlockHeader {
    std::size_t offset;
    std::size_t size;
};
static_assert(sizeof(BlockHeader) == 16);

void* allocate(std::size_t size, std::size_t alignment) noexcept {
    alignment = std::max(alignment, alignof(std::max_align_t));
    const std::size_t header = std::max(alignment, sizeof(BlockHeader));
    void* region = nullptr;
    if (posix_memalign(&region, alignment, header + std::max<std::size_t>(size, 1)) != 0)
        return nullptr;
    auto* block = static_cast<std::uint8_t*>(region) + header;
    const BlockHeader info{header, size};
    std::memcpy(block - sizeof(BlockHeader), &info, sizeof info);
    return block;
}

void release(void* pointer) noexcept {
    if (pointer == nullptr)
        return;
    BlockHeader info{};
    std::memcpy(&info, static_cast<std::uint8_t*>(pointer) - sizeof(BlockHeader), sizeof info);
    scan_freed_block(pointer, info.size);
    std::free(static_cast<std::uint8_t*>(pointer) - info.offset);
}

void* allocate_or_throw(std::size_t size, std::size_t alignment) {
    void* block = allocate(size, alignment);
    if (block == nullptr)
        throw std::bad_alloc();
    return block;
}

}  // namespace
}  // namespace ratchetcheck

// The replaced global allocation functions ([replacement.functions]): every form, so that no
// allocation of the library or the standard library bypasses the scanner.
void* operator new(std::size_t size) {
    return ratchetcheck::allocate_or_throw(size, 0);
}
void* operator new[](std::size_t size) {
    return ratchetcheck::allocate_or_throw(size, 0);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return ratchetcheck::allocate(size, 0);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return ratchetcheck::allocate(size, 0);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
    return ratchetcheck::allocate_or_throw(size, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
    return ratchetcheck::allocate_or_throw(size, static_cast<std::size_t>(alignment));
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return ratchetcheck::allocate(size, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return ratchetcheck::allocate(size, static_cast<std::size_t>(alignment));
}
void operator delete(void* pointer) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete[](void* pointer) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete(void* pointer, std::size_t) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete[](void* pointer, std::size_t) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete(void* pointer, std::align_val_t) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete[](void* pointer, std::align_val_t) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete(void* pointer, std::size_t, std::align_val_t) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete[](void* pointer, std::size_t, std::align_val_t) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete(void* pointer, const std::nothrow_t&) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete[](void* pointer, const std::nothrow_t&) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete(void* pointer, std::align_val_t, const std::nothrow_t&) noexcept {
    ratchetcheck::release(pointer);
}
void operator delete[](void* pointer, std::align_val_t, const std::nothrow_t&) noexcept {
    ratchetcheck::release(pointer);
}

namespace ratchetcheck {
namespace {

const char* rerun_command() {
    const char* command = std::getenv("RATCHETCHECK_CT_RERUN");
    return command != nullptr ? command
                              : "ctest --test-dir build/default -R ^no_key_left_behind$ "
                                "--output-on-failure";
}

ByteView text_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// --- Learning: the keys of the key sources, the saved states, and what follows from them ------

bool learning = false;

// A public key with the private key behind it, for the KDF_RK and X3DH recomputation.
struct KnownKeyPair {
    KeyRole role;
    char owner;  // 'a' or 'b'
    crypto::X25519Public public_key;
    SecretArray<32> private_key;
};
std::array<std::optional<KnownKeyPair>, 256> key_pairs;
std::size_t key_pair_count = 0;

// RecordingKeySource hands out deterministic keys (HMAC-SHA256(owner, counter), clamped) and, while
// learning, records each one.
class RecordingKeySource final : public KeySource {
  public:
    explicit RecordingKeySource(char owner) : owner_(owner) {}
    [[nodiscard]] Result<crypto::X25519Private> next_private_key(KeyRole role) override {
        std::array<std::uint8_t, 9> input{};
        input[0] = static_cast<std::uint8_t>(owner_);
        for (std::size_t index = 0; index < 8; ++index)
            input[1 + index] = static_cast<std::uint8_t>(issued_ >> (8 * index));
        ++issued_;
        const crypto::Sha256Digest digest =
            crypto::HmacSha256(text_bytes("no-key-left-behind")).mac(input);
        crypto::X25519Private key{std::span<const std::uint8_t, 32>(digest)};
        crypto::x25519_clamp(key.mutable_view());
        if (learning) {
            remember(key.view(), std::string(1, owner_) +
                                     std::string(" private key #").append(std::to_string(issued_)));
            if (key_pair_count == key_pairs.size())
                std::abort();
            key_pairs[key_pair_count++] =
                KnownKeyPair{role, owner_, crypto::x25519_public_key(key), key.clone()};
        }
        return key;
    }

  private:
    char owner_;
    std::uint64_t issued_ = 0;
};

// Chain and root keys seen or recomputed while learning, to step along afterwards.
std::array<std::optional<SecretArray<32>>, 16384> chain_keys;
std::size_t chain_key_count = 0;
std::array<std::optional<SecretArray<32>>, 16384> root_keys;
std::size_t root_key_count = 0;

bool contains(const std::array<std::optional<SecretArray<32>>, 16384>& keys, std::size_t count,
              ByteView key) {
    for (std::size_t index = 0; index < count; ++index) {
        if (std::equal(key.begin(), key.end(), keys[index]->view().begin()))
            return true;
    }
    return false;
}

void learn_chain_key(ByteView key, std::string_view label) {
    if (contains(chain_keys, chain_key_count, key))
        return;
    remember(key, label);
    if (chain_key_count == chain_keys.size())
        std::abort();  // raise the capacity
    chain_keys[chain_key_count++] =
        SecretArray<32>(std::span<const std::uint8_t, 32>(key.data(), 32));
}

void learn_root_key(ByteView key, std::string_view label) {
    for (std::size_t index = 0; index < root_key_count; ++index) {
        if (std::equal(key.begin(), key.end(), root_keys[index]->view().begin()))
            return;
    }
    remember(key, label);
    if (root_key_count == root_keys.size())
        std::abort();  // raise the capacity
    root_keys[root_key_count++] =
        SecretArray<32>(std::span<const std::uint8_t, 32>(key.data(), 32));
}

// learn_state reads a saved state (docs/state-format.md) and remembers every secret in it.
void learn_state(ByteView state, char owner) {
    const std::string who(1, owner);
    wire::ByteReader reader(state);
    auto skip = [&](std::size_t count) { ASSERT_TRUE(reader.read_bytes(count).has_value()); };
    auto secret = [&](std::size_t count) {
        const auto bytes = reader.read_bytes(count);
        EXPECT_TRUE(bytes.has_value());
        return bytes.value_or(ByteView{});
    };
    auto u32 = [&] { return reader.read_u32_be().value_or(0); };
    auto flag = [&] { return reader.read_byte().value_or(0) == 1; };
    skip(5);
    skip(reader.read_byte().value_or(0));  // profile name
    skip(4 + 32);
    remember(secret(32), who + " identity private key (state)");
    if (flag())
        skip(32);
    for (std::uint32_t count = u32(); count > 0; --count) {
        skip(4 + 32);
        remember(secret(32), who + " signed prekey private key (state)");
        skip(64);
    }
    for (std::uint32_t count = u32(); count > 0; --count) {
        skip(4 + 32);
        remember(secret(32), who + " one-time prekey private key (state)");
    }
    auto session = [&] {
        skip(32 + 32 + 8);
        learn_root_key(secret(32), who + " root key (state)");
        skip(32);
        remember(secret(32), who + " sending ratchet private key (state)");
        learn_chain_key(secret(32), who + " sending chain key (state)");
        skip(4 + 4);
        if (flag())
            skip(1 + 4 + 4 + 32);
        skip(32);
        for (std::uint32_t chains = u32(); chains > 0; --chains) {
            skip(32);
            learn_chain_key(secret(32), who + " receiving chain key (state)");
            skip(4);
            for (std::uint32_t skipped = u32(); skipped > 0; --skipped) {
                skip(4);
                remember(secret(32), who + " skipped cipher key (state)");
                remember(secret(32), who + " skipped MAC key (state)");
                remember(secret(16), who + " skipped IV (state)");
            }
        }
    };
    if (flag())
        session();
    for (std::uint32_t archived = u32(); archived > 0; --archived)
        session();
    EXPECT_TRUE(reader.empty()) << "the state format changed: update learn_state";
}

// learn_derived recomputes, through the crypto layer, what the saved states do not show.
void learn_derived() {
    const auto dh = [](const KnownKeyPair& own, const KnownKeyPair& peer) {
        auto shared = crypto::x25519(own.private_key, peer.public_key);
        EXPECT_TRUE(shared.ok());
        return std::move(shared).value();
    };
    // X3DH (§3.3): every (identity, base) of one side with every (identity, signed prekey,
    // one-time prekey) of the other; with and without the one-time prekey.
    for (std::size_t a = 0; a < key_pair_count; ++a) {
        const KnownKeyPair& base = *key_pairs[a];
        if (base.role != KeyRole::base)
            continue;
        for (std::size_t i = 0; i < key_pair_count; ++i) {
            const KnownKeyPair& initiator = *key_pairs[i];
            if (initiator.role != KeyRole::identity || initiator.owner != base.owner)
                continue;
            for (std::size_t r = 0; r < key_pair_count; ++r) {
                const KnownKeyPair& responder = *key_pairs[r];
                if (responder.role != KeyRole::identity || responder.owner == base.owner)
                    continue;
                for (std::size_t s = 0; s < key_pair_count; ++s) {
                    const KnownKeyPair& signed_prekey = *key_pairs[s];
                    if (signed_prekey.role != KeyRole::signed_prekey ||
                        signed_prekey.owner != responder.owner)
                        continue;
                    // F || DH1 || DH2 || DH3 [|| DH4] (X3DH §3.3, §2.2).
                    SecureBytes input(32, 0xff);
                    const SecretArray<32> dh1 = dh(initiator, signed_prekey);
                    const SecretArray<32> dh2 = dh(base, responder);
                    const SecretArray<32> dh3 = dh(base, signed_prekey);
                    for (const SecretArray<32>* term : {&dh1, &dh2, &dh3}) {
                        remember(term->view(), "X3DH DH output");
                        input.insert(input.end(), term->view().begin(), term->view().end());
                    }
                    auto derive = [&](const SecureBytes& secret_input) {
                        SecretArray<64> output;
                        ASSERT_TRUE(crypto::hkdf_sha256_zero_salt(secret_input,
                                                                  text_bytes("WhisperText"),
                                                                  output.mutable_view())
                                        .ok());
                        learn_root_key(output.view().first<32>(), "X3DH root key (recomputed)");
                        learn_chain_key(output.view().last<32>(), "X3DH chain key (recomputed)");
                    };
                    derive(input);
                    for (std::size_t o = 0; o < key_pair_count; ++o) {
                        const KnownKeyPair& one_time = *key_pairs[o];
                        if (one_time.role != KeyRole::one_time_prekey ||
                            one_time.owner != responder.owner)
                            continue;
                        const SecretArray<32> dh4 = dh(base, one_time);
                        remember(dh4.view(), "X3DH DH output");
                        SecureBytes with_one_time = input;
                        with_one_time.insert(with_one_time.end(), dh4.view().begin(),
                                             dh4.view().end());
                        derive(with_one_time);
                    }
                }
            }
        }
    }
    // KDF_RK (DR §3.5, HKDF(DH, salt = RK, "WhisperRatchet")) of every known root key with the DH
    // output of every ratchet key of one side with every one of the other (a signed prekey is the
    // responder's first ratchet key). One round suffices: a DH step derives RK' = KDF_RK(RK, ...)
    // with RK in the state before and RK'' = KDF_RK(RK', ...) in the state after; only RK' and
    // the receiving chain key derived with it are never saved.
    std::array<std::optional<SecretArray<32>>, 1024> dh_outputs;
    std::size_t dh_count = 0;
    for (std::size_t own = 0; own < key_pair_count; ++own) {
        for (std::size_t peer = 0; peer < key_pair_count; ++peer) {
            const KnownKeyPair& mine = *key_pairs[own];
            const KnownKeyPair& theirs = *key_pairs[peer];
            const auto ratchet_like = [](KeyRole role) {
                return role == KeyRole::ratchet || role == KeyRole::signed_prekey;
            };
            if (mine.owner != 'a' || theirs.owner != 'b' || !ratchet_like(mine.role) ||
                !ratchet_like(theirs.role) || dh_count == dh_outputs.size())
                continue;
            dh_outputs[dh_count] = dh(mine, theirs);
            remember(dh_outputs[dh_count]->view(), "ratchet DH output");
            ++dh_count;
        }
    }
    const std::size_t roots = root_key_count;
    for (std::size_t root = 0; root < roots; ++root) {
        for (std::size_t index = 0; index < dh_count; ++index) {
            SecretArray<64> output;
            ASSERT_TRUE(crypto::hkdf_sha256(dh_outputs[index]->view(), root_keys[root]->view(),
                                            text_bytes("WhisperRatchet"), output.mutable_view())
                            .ok());
            learn_root_key(output.view().first<32>(), "root key (KDF_RK, recomputed)");
            learn_chain_key(output.view().last<32>(), "chain key (KDF_RK, recomputed)");
        }
    }
    // KDF_CK (DR §5.2) and the message keys, 8 steps along every chain key: further than any
    // jump of the scenario (6).
    const std::size_t chains = chain_key_count;
    for (std::size_t chain = 0; chain < chains; ++chain) {
        SecretArray<32> key = chain_keys[chain]->clone();
        for (int step = 0; step < 8; ++step) {
            const crypto::HmacSha256 mac(key.view());
            const std::uint8_t message_input = 0x01;
            const std::uint8_t chain_input = 0x02;
            SecretArray<32> seed;
            mac.mac_into(seed.mutable_view(), {ByteView(&message_input, 1)});
            SecretArray<80> message_keys;
            ASSERT_TRUE(crypto::hkdf_sha256_zero_salt(seed.view(), text_bytes("WhisperMessageKeys"),
                                                      message_keys.mutable_view())
                            .ok());
            remember(seed.view(), "message key seed (recomputed)");
            remember(message_keys.view().subspan(0, 32), "cipher key (recomputed)");
            remember(message_keys.view().subspan(32, 32), "MAC key (recomputed)");
            remember(message_keys.view().subspan(64, 16), "IV (recomputed)");
            SecretArray<32> next;
            mac.mac_into(next.mutable_view(), {ByteView(&chain_input, 1)});
            remember(next.view(), "chain key (KDF_CK, recomputed)");
            key = std::move(next);
        }
    }
}

// --- The scenario ------------------------------------------------------------------------------

// Small bounds, so that every eviction happens within a few messages.
constexpr Profile small_profile() {
    Profile profile;
    profile.name = "no-key-left-behind";
    profile.max_forward_jump = 10;
    profile.max_skipped_keys_per_chain = 3;
    profile.max_skipped_keys_total = 4;
    profile.max_receiving_chains = 2;
    profile.max_archived_sessions = 1;
    return profile;
}

struct World {
    RecordingKeySource alice_keys{'a'};
    RecordingKeySource bob_keys{'b'};
    std::optional<Party> alice;
    std::optional<Party> bob;
    std::optional<IdentityKeyPair> bob_identity;
    std::optional<SignedPreKeyRecord> bob_signed_prekey;
    std::uint32_t next_one_time_id = 100;
};

void step(World& world, const char* name) {
    current_step = name;
    if (learning) {
        const SecureBytes alice_state = world.alice->serialize();
        const SecureBytes bob_state = world.bob->serialize();
        learn_state(alice_state, 'a');
        learn_state(bob_state, 'b');
    }
}

OutgoingMessage send(Party& sender, std::string_view text) {
    auto message = sender.encrypt(text_bytes(text));
    EXPECT_TRUE(message.ok());
    return message.ok() ? std::move(message).value() : OutgoingMessage{};
}

void expect_received(Party& receiver, const OutgoingMessage& message, bool accepted) {
    auto plaintext = receiver.decrypt(message.type, message.bytes);
    EXPECT_EQ(plaintext.ok(), accepted) << "step " << current_step;
}

// A new bundle from Bob with a fresh one-time prekey, and Alice starting a session on it.
void new_session(World& world) {
    auto one_time = generate_one_time_prekey(world.next_one_time_id++, world.bob_keys);
    ASSERT_TRUE(one_time.ok());
    const PreKeyBundle bundle = make_prekey_bundle(2, 1, world.bob_identity->public_key,
                                                   *world.bob_signed_prekey, &one_time.value());
    world.bob->add_one_time_prekey(std::move(one_time).value());
    ASSERT_TRUE(world.alice->initiate_session(bundle).ok());
}

void run_scenario() {
    current_step = "setup";
    World world;
    {
        auto alice_identity = generate_identity_key_pair(world.alice_keys);
        auto bob_identity = generate_identity_key_pair(world.bob_keys);
        ASSERT_TRUE(alice_identity.ok() && bob_identity.ok());
        auto signed_prekey = generate_signed_prekey(bob_identity.value(), 7, world.bob_keys);
        ASSERT_TRUE(signed_prekey.ok());
        world.bob_identity = bob_identity.value().clone();
        world.bob_signed_prekey = signed_prekey.value().clone();
        world.alice.emplace(std::move(alice_identity).value(), 1, std::nullopt, world.alice_keys,
                            small_profile());
        world.bob.emplace(std::move(bob_identity).value(), 2, std::nullopt, world.bob_keys,
                          small_profile());
        world.bob->add_signed_prekey(std::move(signed_prekey).value());
    }
    new_session(world);
    step(world, "X3DH initiate");

    // First message (X3DH respond), then a jump of five with one evicted skipped key (3 per
    // chain), a late message from a stored key, a replay and a forgery.
    expect_received(*world.bob, send(*world.alice, "m1"), true);
    step(world, "first message");
    OutgoingMessage late[5];
    for (auto& message : late)
        message = send(*world.alice, "late");
    const OutgoingMessage jump = send(*world.alice, "jump");
    expect_received(*world.bob, jump, true);
    step(world, "jump with skipped keys and an eviction");
    expect_received(*world.bob, late[3], true);
    expect_received(*world.bob, late[3], false);
    expect_received(*world.bob, late[0], false);  // evicted
    step(world, "late, replayed and evicted messages");

    // DH steps both ways, with skipped keys left on old chains; more receiving chains than the
    // profile keeps, so old chains (and their skipped keys) are evicted.
    for (int round = 0; round < 4; ++round) {
        const OutgoingMessage bob_skipped = send(*world.bob, "b skipped");
        expect_received(*world.alice, send(*world.bob, "b"), true);
        step(world, "DH step at Alice");
        const OutgoingMessage alice_skipped = send(*world.alice, "a skipped");
        expect_received(*world.bob, send(*world.alice, "a"), true);
        step(world, "DH step at Bob");
        if (round == 1) {
            expect_received(*world.alice, bob_skipped, true);
            expect_received(*world.bob, alice_skipped, true);
            step(world, "late messages of old chains");
            // A forgery (a SignalMessage with a MAC byte flipped) fails after its keys were
            // derived, on a new chain (DH step staged) and on an existing one.
            OutgoingMessage forged = send(*world.bob, "forged");
            forged.bytes.back() ^= 0x01;
            expect_received(*world.alice, forged, false);
            forged = send(*world.alice, "forged");
            forged.bytes.back() ^= 0x01;
            expect_received(*world.bob, forged, false);
            step(world, "forged messages");
        }
    }

    // Save and restore both parties (the old objects are destroyed), then go on.
    {
        const SecureBytes alice_state = world.alice->serialize();
        const SecureBytes bob_state = world.bob->serialize();
        world.alice.reset();
        world.bob.reset();
        auto alice = Party::deserialize(alice_state, world.alice_keys, small_profile());
        auto bob = Party::deserialize(bob_state, world.bob_keys, small_profile());
        ASSERT_TRUE(alice.ok() && bob.ok());
        world.alice.emplace(std::move(alice).value());
        world.bob.emplace(std::move(bob).value());
        // A corrupt state is rejected, freeing whatever it had read.
        SecureBytes truncated = bob_state;
        truncated.resize(truncated.size() - 5);
        EXPECT_FALSE(Party::deserialize(truncated, world.bob_keys, small_profile()).ok());
    }
    step(world, "save and restore");
    expect_received(*world.bob, send(*world.alice, "after restore"), true);
    expect_received(*world.alice, send(*world.bob, "reply after restore"), true);
    step(world, "DH steps after restore");

    // Two more sessions: the first is archived, then evicted from the archive (one kept).
    for (int session = 0; session < 2; ++session) {
        new_session(world);
        step(world, "new session (archive)");
        expect_received(*world.bob, send(*world.alice, "new session"), true);
        expect_received(*world.alice, send(*world.bob, "new session reply"), true);
        step(world, "new session established");
    }

    // Destruction.
    current_step = "destruction";
}

// --- The tests -----------------------------------------------------------------------------------

// @evidence check=test:no_key_left_behind functions=SF.ZEROIZATION clauses=DR-6.1
TEST(NoKeyLeftBehind, ThePositiveControlIsFound) {
    std::printf("re-run: %s\n", rerun_command());
    // A key copied into a plain std::vector, freed unwiped, must be reported.
    learning = true;
    RecordingKeySource source('c');
    auto key = source.next_private_key(KeyRole::identity);
    ASSERT_TRUE(key.ok());
    learning = false;
    sort_known();
    const std::size_t findings_before = findings;
    scanning = true;
    current_step = "positive control";
    {
        const Bytes plain_copy(key.value().view().begin(), key.value().view().end());
        EXPECT_EQ(plain_copy.size(), 32u);
    }
    scanning = false;
    EXPECT_EQ(findings, findings_before + 1) << "the scanner missed a key left in a freed vector";
    findings = findings_before;
}

TEST(NoKeyLeftBehind, SessionsLeaveNoKeyInFreedMemory) {
    std::printf("re-run: %s\n", rerun_command());
    learning = true;
    run_scenario();
    learn_derived();
    learning = false;
    sort_known();
    std::printf(
        "no-key-left-behind: %zu known secrets (%zu key pairs, %zu root keys, %zu chain "
        "keys)\n",
        known_count, key_pair_count, root_key_count, chain_key_count);
    ASSERT_GT(key_pair_count, 20u);
    ASSERT_GT(root_key_count, 10u);

    const std::size_t findings_before = findings;
    scanned_blocks = 0;
    scanning = true;
    run_scenario();
    scanning = false;
    std::printf("no-key-left-behind: scanned %zu freed blocks\n", scanned_blocks);
    EXPECT_GT(scanned_blocks, 150u);  // the scenario frees about 200 blocks
    EXPECT_EQ(findings, findings_before)
        << "freed memory still held key material (listed above); re-run: " << rerun_command();
}

// Moved-from secret objects are wiped at once, not only when destroyed: the heap copy of each is
// inspected right after the move.
template <typename T>
void expect_moved_from_is_wiped(T (*make)(), const char* name) {
    alignas(T) std::array<std::uint8_t, sizeof(T)> storage{};
    T* source = new (storage.data()) T(make());
    const T moved_to(std::move(*source));
    std::size_t offset = 0;
    EXPECT_EQ(find_secret(storage, offset), nullptr) << name << " move construction left a key";
    T assigned_to = make();
    *source = make();
    assigned_to = std::move(*source);
    EXPECT_EQ(find_secret(storage, offset), nullptr) << name << " move assignment left a key";
    source->~T();
}

SecretArray<32> test_key(std::uint8_t label) {
    std::array<std::uint8_t, 32> bytes{};
    bytes.fill(label);
    bytes[0] = 0x5a;
    return SecretArray<32>(std::span<const std::uint8_t, 32>(bytes));
}

TEST(NoKeyLeftBehind, MovedFromSecretsAreWiped) {
    std::printf("re-run: %s\n", rerun_command());
    for (std::uint8_t label : {0xa1, 0xa2, 0xa3, 0xa4})
        remember(test_key(label).view(), "test key");
    sort_known();
    expect_moved_from_is_wiped<SecretArray<32>>([] { return test_key(0xa1); }, "SecretArray");
    expect_moved_from_is_wiped<RootKey>([] { return RootKey{test_key(0xa1)}; }, "RootKey");
    expect_moved_from_is_wiped<ChainKey>([] { return ChainKey{test_key(0xa2), 3}; }, "ChainKey");
    expect_moved_from_is_wiped<MessageKeys>(
        [] {
            SecretArray<16> iv;
            std::copy_n(test_key(0xa4).view().begin(), 16, iv.mutable_view().begin());
            return MessageKeys{test_key(0xa2), test_key(0xa3), std::move(iv), 5};
        },
        "MessageKeys");
    expect_moved_from_is_wiped<IdentityKeyPair>(
        [] {
            return IdentityKeyPair{{}, test_key(0xa1)};
        },
        "KeyPair");
    expect_moved_from_is_wiped<SignedPreKeyRecord>(
        [] {
            return SignedPreKeyRecord{1, {{}, test_key(0xa2)}, {}};
        },
        "SignedPreKeyRecord");
    expect_moved_from_is_wiped<OneTimePreKeyRecord>(
        [] {
            return OneTimePreKeyRecord{1, {{}, test_key(0xa3)}};
        },
        "OneTimePreKeyRecord");
}

}  // namespace
}  // namespace ratchetcheck
