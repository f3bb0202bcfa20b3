// The floor: the primitive calls one message of the signal-v3 protocol must make, through our
// crypto layer (crypto/primitives.hpp), with no protocol logic around them — no parsing or
// serializing, no state copies, no staging, no allocation beyond what the primitives do. An
// implementation cannot be faster than this with these primitives; ours/floor says how much the
// protocol logic costs on top. Plus the single primitives, for the profile in docs/benchmarks.md.
#include <array>
#include <cstring>

#include "bench_common.hpp"
#include "floor_steps.hpp"
#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"

namespace ratchetcheck::bench {
namespace floor_steps {

using crypto::HmacSha256;

constexpr std::uint8_t message_key_seed_input = 0x01;  // libsignal chain_key.c
constexpr std::uint8_t chain_key_seed_input = 0x02;
constexpr char message_keys_info[] = "WhisperMessageKeys";
constexpr char root_info[] = "WhisperRatchet";
const ByteView message_keys_label = text(message_keys_info, sizeof(message_keys_info) - 1);
const ByteView root_label = text(root_info, sizeof(root_info) - 1);

// The HKDF salt of the message keys is the constant 32 zero bytes: its HMAC pad states are
// computed once per process, as any implementation may do.
const HmacSha256& zero_salt() {
    static const std::array<std::uint8_t, 32> zeros{};
    static const HmacSha256 keyed(zeros);
    return keyed;
}

// chain_step: HMAC(CK, 0x01), HMAC(CK, 0x02) under one keyed state, then
// HKDF(seed, zero salt, "WhisperMessageKeys", 80) = extract + three expand blocks (RFC 5869 §2).
StepKeys chain_step(const SecretArray<32>& chain_key) {
    StepKeys keys;
    const HmacSha256 chain(chain_key.view());
    SecretArray<32> seed;
    chain.mac_into(seed.mutable_view(), {ByteView(&message_key_seed_input, 1)});
    chain.mac_into(keys.next_chain_key.mutable_view(), {ByteView(&chain_key_seed_input, 1)});
    SecretArray<32> pseudorandom_key;
    zero_salt().mac_into(pseudorandom_key.mutable_view(), {seed.view()});
    const HmacSha256 expander(pseudorandom_key.view());
    std::uint8_t counter = 1;
    expander.mac_into(keys.cipher_key.mutable_view(), {message_keys_label, ByteView(&counter, 1)});
    counter = 2;
    expander.mac_into(keys.mac_key.mutable_view(),
                      {keys.cipher_key.view(), message_keys_label, ByteView(&counter, 1)});
    counter = 3;
    std::array<std::uint8_t, 32> third;
    expander.mac_into(third, {keys.mac_key.view(), message_keys_label, ByteView(&counter, 1)});
    std::memcpy(keys.iv.data(), third.data(), keys.iv.size());
    return keys;
}

// root_step: KDF_RK = HKDF(DH output, salt = RK, "WhisperRatchet", 64) (DR §5.2).
void root_step(const SecretArray<32>& root_key, const SecretArray<32>& dh_output,
               std::array<std::uint8_t, 64>& output) {
    if (!crypto::hkdf_sha256(dh_output.view(), root_key.view(), root_label, output).ok()) {
        std::abort();
    }
}

// send_floor: chain step, AES-256-CBC, the message MAC (DR §3.4 RatchetEncrypt).
Bytes send_floor(const Fixture& fixture, const SecretArray<32>& chain_key,
                 std::array<std::uint8_t, 8>& tag) {
    const StepKeys keys = chain_step(chain_key);
    Bytes ciphertext =
        crypto::aes256_cbc_encrypt(keys.cipher_key.view(), keys.iv.view(), fixture.plaintext);
    crypto::Sha256Digest full;
    HmacSha256(keys.mac_key.view())
        .mac_into(full,
                  {fixture.sender_identity, fixture.receiver_identity, fixture.header, ciphertext});
    std::memcpy(tag.data(), full.data(), tag.size());
    return ciphertext;
}

// receive_floor: chain step, the MAC check, AES-256-CBC decryption (DR §3.5 RatchetDecrypt on a
// known chain). False if the message does not authenticate or decrypt (the floor is checked too).
bool receive_floor(const Fixture& fixture, const SecretArray<32>& chain_key, ByteView ciphertext,
                   const std::array<std::uint8_t, 8>& tag) {
    const StepKeys keys = chain_step(chain_key);
    const auto authenticated = crypto::verify_mac(
        keys.mac_key.view(),
        {fixture.sender_identity, fixture.receiver_identity, fixture.header, ciphertext}, tag,
        ciphertext);
    if (!authenticated.ok())
        return false;
    auto plaintext =
        crypto::aes256_cbc_decrypt(keys.cipher_key.view(), keys.iv.view(), authenticated.value());
    benchmark::DoNotOptimize(plaintext);
    return plaintext.ok() && plaintext.value().size() == fixture.plaintext.size();
}

}  // namespace floor_steps

namespace {

using namespace floor_steps;

void one_way(benchmark::State& state) {
    const Fixture fixture;
    std::array<std::uint8_t, 8> tag{};
    for (auto _ : state) {
        // Sender and receiver hold the same chain key, as in a session.
        const Bytes ciphertext = send_floor(fixture, fixture.sending_chain, tag);
        if (!receive_floor(fixture, fixture.sending_chain, ciphertext, tag)) {
            return state.SkipWithError("floor message did not verify");
        }
    }
}

// ping_pong: the receiver's side of a DH ratchet step (DR §3.5 DHRatchet, libsignal order):
// DH with the new ratchet key, KDF_RK, then a new key pair (randomness and a base-point
// multiplication), a second DH and KDF_RK; around it the one-way work of one message.
void ping_pong(benchmark::State& state) {
    const Fixture fixture;
    std::array<std::uint8_t, 8> tag{};
    std::array<std::uint8_t, 64> root_output{};
    // The sender's chain key is the one the receiver derives in the step (fixed inputs, so it is
    // the same every time): computed once, outside the timing.
    auto shared = crypto::x25519(fixture.own_ratchet_private, fixture.their_ratchet_public);
    if (!shared.ok())
        return state.SkipWithError("x25519 failed");
    root_step(fixture.root_key, shared.value(), root_output);
    const SecretArray<32> sender_chain(
        std::span<const std::uint8_t, 32>(root_output.data() + 32, 32));
    for (auto _ : state) {
        const Bytes ciphertext = send_floor(fixture, sender_chain, tag);
        auto receiving_dh =
            crypto::x25519(fixture.own_ratchet_private, fixture.their_ratchet_public);
        if (!receiving_dh.ok())
            return state.SkipWithError("x25519 failed");
        root_step(fixture.root_key, receiving_dh.value(), root_output);
        const SecretArray<32> receiving_chain(
            std::span<const std::uint8_t, 32>(root_output.data() + 32, 32));
        if (!receive_floor(fixture, receiving_chain, ciphertext, tag)) {
            return state.SkipWithError("floor message did not verify");
        }
        crypto::X25519Private next_private;
        crypto::fill_random(next_private.mutable_view());
        crypto::x25519_clamp(next_private.mutable_view());
        const crypto::X25519Public next_public = crypto::x25519_public_key(next_private);
        benchmark::DoNotOptimize(next_public);
        auto sending_dh = crypto::x25519(next_private, fixture.their_ratchet_public);
        if (!sending_dh.ok())
            return state.SkipWithError("x25519 failed");
        const SecretArray<32> next_root(std::span<const std::uint8_t, 32>(root_output.data(), 32));
        root_step(next_root, sending_dh.value(), root_output);
        benchmark::DoNotOptimize(root_output);
    }
}

// setup: the primitive calls of X3DH (§3.3, §3.4) and the first message in libsignal's form
// (SCHEMA.md §6.2): Alice verifies the signed prekey, generates her base and first ratchet keys,
// computes four DH terms, the X3DH HKDF, one DH and KDF_RK, and encrypts; Bob computes the four DH
// terms and the X3DH HKDF, the receiving DH and KDF_RK, decrypts, then generates his ratchet key
// with a DH and KDF_RK. Not a floor issue 3 asks for; it shows how much of setup is X25519.
void setup(benchmark::State& state) {
    const Fixture fixture;
    const std::array<std::uint8_t, 33> signed_prekey_bytes = [&] {
        std::array<std::uint8_t, 33> bytes{};
        bytes[0] = 0x05;
        std::memcpy(bytes.data() + 1, fixture.their_ratchet_public.data(), 32);
        return bytes;
    }();
    const crypto::XeddsaSignature signature =
        crypto::xeddsa_sign(fixture.own_ratchet_private, signed_prekey_bytes);
    const crypto::X25519Public identity_public =
        crypto::x25519_public_key(fixture.own_ratchet_private);
    constexpr char x3dh_info[] = "WhisperText";
    const ByteView x3dh_label = text(x3dh_info, sizeof(x3dh_info) - 1);
    std::array<std::uint8_t, 64> output{};
    // Bob's receiving chain is the same every time (fixed inputs): Alice encrypts on it.
    auto shared = crypto::x25519(fixture.own_ratchet_private, fixture.their_ratchet_public);
    if (!shared.ok())
        return state.SkipWithError("x25519 failed");
    root_step(fixture.root_key, shared.value(), output);
    const SecretArray<32> first_chain(std::span<const std::uint8_t, 32>(output.data() + 32, 32));
    std::array<std::uint8_t, 8> tag{};

    auto new_key = [] {
        crypto::X25519Private key;
        crypto::fill_random(key.mutable_view());
        crypto::x25519_clamp(key.mutable_view());
        benchmark::DoNotOptimize(crypto::x25519_public_key(key));
        return key;
    };
    // X3DH §3.3: four DH terms after 32 0xFF bytes, HKDF with a zero salt.
    auto x3dh = [&](const crypto::X25519Private& first, const crypto::X25519Private& second) {
        SecureBytes secret(32, 0xff);
        for (int term = 0; term < 4; ++term) {
            auto dh = crypto::x25519(term == 0 ? first : second, fixture.their_ratchet_public);
            if (!dh.ok())
                return false;
            secret.insert(secret.end(), dh.value().view().begin(), dh.value().view().end());
        }
        return crypto::hkdf_sha256_zero_salt(secret, x3dh_label, output).ok();
    };
    for (auto _ : state) {
        // Alice
        if (!crypto::xeddsa_verify(identity_public, signed_prekey_bytes, signature)) {
            return state.SkipWithError("signature did not verify");
        }
        const crypto::X25519Private base = new_key();
        if (!x3dh(fixture.own_ratchet_private, base))
            return state.SkipWithError("x3dh failed");
        const crypto::X25519Private alice_ratchet = new_key();
        auto alice_dh = crypto::x25519(alice_ratchet, fixture.their_ratchet_public);
        if (!alice_dh.ok())
            return state.SkipWithError("x25519 failed");
        root_step(fixture.root_key, alice_dh.value(), output);
        const Bytes ciphertext = send_floor(fixture, first_chain, tag);
        // Bob
        if (!x3dh(fixture.own_ratchet_private, fixture.own_ratchet_private)) {
            return state.SkipWithError("x3dh failed");
        }
        auto receiving_dh =
            crypto::x25519(fixture.own_ratchet_private, fixture.their_ratchet_public);
        if (!receiving_dh.ok())
            return state.SkipWithError("x25519 failed");
        root_step(fixture.root_key, receiving_dh.value(), output);
        if (!receive_floor(fixture, first_chain, ciphertext, tag)) {
            return state.SkipWithError("floor message did not verify");
        }
        const crypto::X25519Private bob_ratchet = new_key();
        auto sending_dh = crypto::x25519(bob_ratchet, fixture.their_ratchet_public);
        if (!sending_dh.ok())
            return state.SkipWithError("x25519 failed");
        root_step(fixture.root_key, sending_dh.value(), output);
        benchmark::DoNotOptimize(output);
    }
}

// --- single primitives -------------------------------------------------------------------------

void primitive_chain_step(benchmark::State& state) {
    const Fixture fixture;
    for (auto _ : state)
        benchmark::DoNotOptimize(chain_step(fixture.sending_chain));
}

void primitive_x25519(benchmark::State& state) {
    const Fixture fixture;
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            crypto::x25519(fixture.own_ratchet_private, fixture.their_ratchet_public));
    }
}

void primitive_x25519_public_key(benchmark::State& state) {
    const Fixture fixture;
    for (auto _ : state)
        benchmark::DoNotOptimize(crypto::x25519_public_key(fixture.own_ratchet_private));
}

void primitive_hmac_keyed(benchmark::State& state) {
    const Fixture fixture;
    for (auto _ : state) {
        const HmacSha256 keyed(fixture.sending_chain.view());
        benchmark::DoNotOptimize(keyed.mac(ByteView(&message_key_seed_input, 1)));
    }
}

void primitive_hmac_prekeyed(benchmark::State& state) {
    const Fixture fixture;
    const HmacSha256 keyed(fixture.sending_chain.view());
    for (auto _ : state)
        benchmark::DoNotOptimize(keyed.mac(ByteView(&message_key_seed_input, 1)));
}

void primitive_hkdf_message_keys(benchmark::State& state) {
    const Fixture fixture;
    std::array<std::uint8_t, 80> output{};
    for (auto _ : state) {
        if (!crypto::hkdf_sha256_zero_salt(fixture.sending_chain.view(), message_keys_label, output)
                 .ok()) {
            return state.SkipWithError("hkdf failed");
        }
        benchmark::DoNotOptimize(output);
    }
}

void primitive_aes256_cbc_encrypt(benchmark::State& state) {
    const Fixture fixture;
    const StepKeys keys = chain_step(fixture.sending_chain);
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            crypto::aes256_cbc_encrypt(keys.cipher_key.view(), keys.iv.view(), fixture.plaintext));
    }
}

void primitive_aes256_cbc_decrypt(benchmark::State& state) {
    const Fixture fixture;
    const StepKeys keys = chain_step(fixture.sending_chain);
    const Bytes ciphertext =
        crypto::aes256_cbc_encrypt(keys.cipher_key.view(), keys.iv.view(), fixture.plaintext);
    const auto authenticated =
        crypto::verify_mac(keys.mac_key.view(), {ciphertext},
                           crypto::hmac_sha256(keys.mac_key.view(), ciphertext), ciphertext);
    if (!authenticated.ok())
        std::abort();
    for (auto _ : state) {
        benchmark::DoNotOptimize(crypto::aes256_cbc_decrypt(keys.cipher_key.view(), keys.iv.view(),
                                                            authenticated.value()));
    }
}

void primitive_xeddsa_verify(benchmark::State& state) {
    const Fixture fixture;
    const crypto::X25519Public public_key = crypto::x25519_public_key(fixture.own_ratchet_private);
    const crypto::XeddsaSignature signature =
        crypto::xeddsa_sign(fixture.own_ratchet_private, fixture.header);
    for (auto _ : state) {
        benchmark::DoNotOptimize(crypto::xeddsa_verify(public_key, fixture.header, signature));
    }
}

}  // namespace

void register_floor() {
    add("setup", "floor", setup);
    add("one_way", "floor", one_way);
    add("ping_pong", "floor", ping_pong);
    add("primitive", "chain_step", primitive_chain_step);
    add("primitive", "x25519", primitive_x25519);
    add("primitive", "x25519_public_key", primitive_x25519_public_key);
    add("primitive", "hmac_sha256_keyed", primitive_hmac_keyed);
    add("primitive", "hmac_sha256_prekeyed", primitive_hmac_prekeyed);
    add("primitive", "hkdf_sha256_80", primitive_hkdf_message_keys);
    add("primitive", "aes256_cbc_encrypt_100", primitive_aes256_cbc_encrypt);
    add("primitive", "aes256_cbc_decrypt_112", primitive_aes256_cbc_decrypt);
    add("primitive", "xeddsa_verify", primitive_xeddsa_verify);
}

}  // namespace ratchetcheck::bench
