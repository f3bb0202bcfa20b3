// Strong types for every key role of X3DH and the Double Ratchet. A key of one role cannot be
// passed where another is expected; conversions between roles are explicit (rebind_role).
#pragma once

#include <array>
#include <cstdint>

#include "ratchetcheck/kem_keys.hpp"
#include "ratchetcheck/key_bytes.hpp"
#include "ratchetcheck/result.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck {

// The roles an X25519 key pair plays (X3DH §2.2, DR §3.2).
namespace role {
struct Identity {};       // IK: long-term identity key
struct SignedPreKey {};   // SPK: medium-term signed prekey
struct OneTimePreKey {};  // OPK: one-time prekey
struct Base {};           // EK: the initiator's ephemeral ("base") key
struct Ratchet {};        // DHs / DHr: a Double Ratchet key
}  // namespace role

inline constexpr std::size_t serialized_public_key_bytes = 33;
inline constexpr std::uint8_t djb_key_type = 0x05;  // libsignal's type byte for Curve25519 keys
using SerializedPublicKey = std::array<std::uint8_t, serialized_public_key_bytes>;

// x25519_public_key_of returns the public u-coordinate of the clamped `private_key`
// (RFC 7748 §6.1).
crypto::X25519Public x25519_public_key_of(const crypto::X25519Private& private_key);

// x25519_agree returns the shared secret X25519(private_key, peer). Fails with Error::invalid_key
// when the peer's point has small order or the output is all zero (the check RFC 7748 §6.1 allows;
// decisions D2). The
// secret is wiped when dropped.
[[nodiscard]] Result<SecretArray<crypto::x25519_bytes>> x25519_agree(
    const crypto::X25519Private& private_key, const crypto::X25519Public& peer);

// PublicKey<Role> is a Curve25519 public key (Montgomery u-coordinate) of one role. Public data:
// copyable, compared in ordinary time.
template <typename Role>
struct PublicKey {
    crypto::X25519Public u{};

    // serialize returns libsignal's 33-byte form: 0x05 || u.
    SerializedPublicKey serialize() const {
        SerializedPublicKey out;
        out[0] = djb_key_type;
        std::copy(u.begin(), u.end(), out.begin() + 1);
        return out;
    }
    // decode parses the 33-byte form. Fails with Error::invalid_key when the length is not 33 or
    // the type byte is not 0x05.
    [[nodiscard]] static Result<PublicKey> decode(ByteView serialized) {
        if (serialized.size() != serialized_public_key_bytes || serialized[0] != djb_key_type) {
            return Error::invalid_key;
        }
        PublicKey key;
        std::copy(serialized.begin() + 1, serialized.end(), key.u.begin());
        return key;
    }
    template <typename OtherRole>
    PublicKey<OtherRole> rebind_role() const {
        return PublicKey<OtherRole>{u};
    }
    bool operator==(const PublicKey&) const = default;
    auto operator<=>(const PublicKey&) const = default;
};

// KeyPair<Role> owns a clamped X25519 private key and its public key. Move-only; the private
// key is wiped on destruction. clone() is the explicit copy.
template <typename Role>
struct KeyPair {
    PublicKey<Role> public_key;
    crypto::X25519Private private_key;

    // from_private derives the public key from `private_key` (which must already be clamped, as
    // libsignal stores them).
    static KeyPair from_private(crypto::X25519Private private_key) {
        KeyPair pair;
        pair.public_key.u = x25519_public_key_of(private_key);
        pair.private_key = std::move(private_key);
        return pair;
    }
    KeyPair clone() const { return KeyPair{public_key, private_key.clone()}; }
    template <typename OtherRole>
    KeyPair<OtherRole> rebind_role() const {
        return KeyPair<OtherRole>{public_key.template rebind_role<OtherRole>(),
                                  private_key.clone()};
    }
};

// agree computes X25519(own.private, peer) for keys of any roles; Error::invalid_key on a
// small-order peer key or all-zero output.
template <typename OwnRole, typename PeerRole>
[[nodiscard]] Result<SecretArray<32>> agree(const KeyPair<OwnRole>& own,
                                            const PublicKey<PeerRole>& peer) {
    return x25519_agree(own.private_key, peer.u);
}

using IdentityKeyPair = KeyPair<role::Identity>;
using IdentityPublicKey = PublicKey<role::Identity>;
using RatchetKeyPair = KeyPair<role::Ratchet>;
using RatchetPublicKey = PublicKey<role::Ratchet>;
using BaseKeyPair = KeyPair<role::Base>;
using BasePublicKey = PublicKey<role::Base>;

// SignedPreKeyRecord is a signed prekey with its id and XEdDSA signature (X3DH §3.3).
struct SignedPreKeyRecord {
    std::uint32_t id = 0;
    KeyPair<role::SignedPreKey> key_pair;
    std::array<std::uint8_t, 64> signature{};
    SignedPreKeyRecord clone() const { return {id, key_pair.clone(), signature}; }
};

// OneTimePreKeyRecord is a one-time prekey with its id (X3DH §3.2).
struct OneTimePreKeyRecord {
    std::uint32_t id = 0;
    KeyPair<role::OneTimePreKey> key_pair;
    OneTimePreKeyRecord clone() const { return {id, key_pair.clone()}; }
};

// libsignal's serialized Kyber-1024 public key and ciphertext: the type byte 0x08, then the 1568
// bytes (PQXDH §2.1 EncodeKEM as libsignal instantiates it, kem.rs KeyType::Kyber1024).
inline constexpr std::uint8_t kyber1024_key_type = 0x08;
inline constexpr std::size_t serialized_kyber_public_key_bytes =
    1 + crypto::kyber1024_public_key_bytes;
inline constexpr std::size_t serialized_kyber_ciphertext_bytes =
    1 + crypto::kyber1024_ciphertext_bytes;
using SerializedKyberPublicKey = std::array<std::uint8_t, serialized_kyber_public_key_bytes>;

// serialize_kyber_public_key returns 0x08 || key, the bytes the prekey signature covers.
SerializedKyberPublicKey serialize_kyber_public_key(const crypto::KyberPublicKey& key);

// KyberPreKeyRecord is a signed Kyber-1024 prekey with its id (PQXDH §2.5, §3.2): the key pair,
// the identity key's XEdDSA signature over serialize_kyber_public_key(public_key), and whether it
// is a last-resort key (kept after use, may serve several sessions) or a one-time key (deleted
// after its first successful use). Move-only; the secret key is wiped on destruction.
struct KyberPreKeyRecord {
    std::uint32_t id = 0;
    crypto::KyberPublicKey public_key;
    crypto::KyberSecretKey secret_key;
    std::array<std::uint8_t, 64> signature{};
    bool last_resort = false;
    KyberPreKeyRecord clone() const {
        return {id, public_key, secret_key.clone(), signature, last_resort};
    }
};

// RootKey is the Double Ratchet root key RK (DR §3.2). Wiped on destruction.
struct RootKey {
    SecretArray<32> key;
};

// ChainKey is a sending or receiving chain key CK with the index of the next message key it
// produces (DR §3.2). Wiped on destruction.
struct ChainKey {
    SecretArray<32> key;
    std::uint32_t index = 0;
    ChainKey clone() const { return {key.clone(), index}; }
};

// MessageKeys are the keys of one message, derived from a chain's message-key seed: AES-256 key,
// HMAC key and CBC IV (libsignal's "WhisperMessageKeys" expansion), plus the counter they belong
// to. Wiped on destruction.
struct MessageKeys {
    SecretArray<32> cipher_key;
    SecretArray<32> mac_key;
    SecretArray<16> iv;
    std::uint32_t counter = 0;
    MessageKeys clone() const { return {cipher_key.clone(), mac_key.clone(), iv.clone(), counter}; }
};

}  // namespace ratchetcheck
