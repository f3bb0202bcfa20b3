// The steps the floors of ratchet_bench are made of (defined in bench_floor.cpp): one chain step,
// one root step, and one message sent and received, through our crypto layer and nothing else.
// Shared by the signal-v3 floors (bench_floor.cpp) and the PQXDH floor (pqxdh_benchmark.cpp), so
// that both floors count the symmetric work of the first message the same way.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "bench_common.hpp"
#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::bench::floor_steps {

// A SignalMessage's MAC input besides the ciphertext: both 33-byte identities, the version byte
// and the protobuf header (ratchet key field 35 bytes, counter 3, previous counter 2, ciphertext
// tag and length 2): SCHEMA.md §6.4.
inline constexpr std::size_t header_bytes = 1 + 35 + 3 + 2 + 2;

// text views the first `length` bytes of a character array (a label without its terminator).
inline ByteView text(const char* bytes, std::size_t length) {
    return {reinterpret_cast<const std::uint8_t*>(bytes), length};
}

// StepKeys are the message keys of one chain step (DR §5.2 KDF_CK, libsignal's instantiation).
struct StepKeys {
    SecretArray<32> next_chain_key;
    SecretArray<32> cipher_key;
    SecretArray<32> mac_key;
    SecretArray<16> iv;
};

// Fixture holds the fixed inputs of a message: identities, header bytes, keys. Their values do
// not change the cost, so they are drawn once.
struct Fixture {
    std::array<std::uint8_t, 33> sender_identity{};
    std::array<std::uint8_t, 33> receiver_identity{};
    std::array<std::uint8_t, header_bytes> header{};
    SecretArray<32> sending_chain;
    SecretArray<32> receiving_chain;
    SecretArray<32> root_key;
    crypto::X25519Private own_ratchet_private;
    crypto::X25519Public their_ratchet_public{};
    Bytes plaintext = message_plaintext();

    Fixture() {
        crypto::fill_random(sender_identity);
        crypto::fill_random(receiver_identity);
        crypto::fill_random(header);
        crypto::fill_random(sending_chain.mutable_view());
        crypto::fill_random(receiving_chain.mutable_view());
        crypto::fill_random(root_key.mutable_view());
        crypto::fill_random(own_ratchet_private.mutable_view());
        crypto::x25519_clamp(own_ratchet_private.mutable_view());
        crypto::X25519Private their_private;
        crypto::fill_random(their_private.mutable_view());
        crypto::x25519_clamp(their_private.mutable_view());
        their_ratchet_public = crypto::x25519_public_key(their_private);
    }
};

// chain_step: HMAC(CK, 0x01), HMAC(CK, 0x02) under one keyed state, then
// HKDF(seed, zero salt, "WhisperMessageKeys", 80) = extract + three expand blocks (RFC 5869 §2).
StepKeys chain_step(const SecretArray<32>& chain_key);

// root_step: KDF_RK = HKDF(DH output, salt = RK, "WhisperRatchet", 64) (DR §5.2).
void root_step(const SecretArray<32>& root_key, const SecretArray<32>& dh_output,
               std::array<std::uint8_t, 64>& output);

// send_floor: chain step, AES-256-CBC, the message MAC (DR §3.4 RatchetEncrypt). Returns the
// ciphertext and sets `tag`.
Bytes send_floor(const Fixture& fixture, const SecretArray<32>& chain_key,
                 std::array<std::uint8_t, 8>& tag);

// receive_floor: chain step, the MAC check, AES-256-CBC decryption (DR §3.5 RatchetDecrypt on a
// known chain). False if the message does not authenticate or decrypt (the floor is checked too).
bool receive_floor(const Fixture& fixture, const SecretArray<32>& chain_key, ByteView ciphertext,
                   const std::array<std::uint8_t, 8>& tag);

}  // namespace ratchetcheck::bench::floor_steps
