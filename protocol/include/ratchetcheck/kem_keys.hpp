// The Kyber-1024 (round 3, CRYSTALS-Kyber 3.02) key, ciphertext and shared-secret types that the
// public API carries: a Kyber prekey record and a PreKeyBundle's Kyber prekey (PQXDH §3.2). The
// operations on them (key generation, encapsulation, decapsulation) are internal to the library
// (crypto/kyber.hpp, over libcrux-ml-kem).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "ratchetcheck/result.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::crypto {

inline constexpr std::size_t kyber1024_public_key_bytes = 1568;
inline constexpr std::size_t kyber1024_secret_key_bytes = 3168;
inline constexpr std::size_t kyber1024_ciphertext_bytes = 1568;
inline constexpr std::size_t kyber1024_shared_secret_bytes = 32;
// Key generation draws d (32 bytes, the IND-CPA key seed) and then z (32 bytes, the
// implicit-rejection value): the order of the round-3 reference implementation's
// crypto_kem_keypair, which the known answers check (tests/kat/kyber_kat_test.cpp).
inline constexpr std::size_t kyber1024_key_pair_randomness_bytes = 64;
// Encapsulation draws the 32-byte message m (hashed with H before use, as round 3 does).
inline constexpr std::size_t kyber1024_encapsulation_randomness_bytes = 32;

// KyberPublicKey is a Kyber-1024 public key: exactly 1568 bytes, the encoding round 3 defines
// (t in the NTT domain, then the 32-byte seed rho). A public value: copyable, compared bytewise.
// Its size is part of its type, so every KyberPublicKey is a whole one.
class KyberPublicKey {
  public:
    explicit KyberPublicKey(std::span<const std::uint8_t, kyber1024_public_key_bytes> bytes) {
        std::copy(bytes.begin(), bytes.end(), bytes_.begin());
    }
    // from_bytes copies `bytes` into a public key. Fails with Error::invalid_key when `bytes` is
    // not exactly 1568 bytes (a key of the wrong size, as for an X25519 key). The coefficients
    // are not checked against q: round 3 defines no such check (FIPS 203's is ML-KEM's).
    static Result<KyberPublicKey> from_bytes(ByteView bytes);

    std::span<const std::uint8_t, kyber1024_public_key_bytes> view() const { return bytes_; }
    bool operator==(const KyberPublicKey&) const = default;

  private:
    std::array<std::uint8_t, kyber1024_public_key_bytes> bytes_{};
};

// KyberSecretKey is a Kyber-1024 secret key: exactly 3168 bytes (the IND-CPA secret key, the
// public key, H(public key) and z). It owns its bytes in a SecretArray: move-only (clone() is the
// explicit copy), wiped on destruction, a moved-from key is all zero.
class KyberSecretKey {
  public:
    explicit KyberSecretKey(SecretArray<kyber1024_secret_key_bytes> bytes)
        : bytes_(std::move(bytes)) {}
    // from_bytes copies `bytes` into a secret key (e.g. when a saved state is loaded). Fails with
    // Error::invalid_key when `bytes` is not exactly 3168 bytes; nothing is copied then. The
    // caller still owns `bytes` and wipes its own copy.
    static Result<KyberSecretKey> from_bytes(ByteView bytes);

    // clone returns an explicit copy; the only way to duplicate a secret key.
    KyberSecretKey clone() const { return KyberSecretKey(bytes_.clone()); }
    std::span<const std::uint8_t, kyber1024_secret_key_bytes> view() const { return bytes_.view(); }

  private:
    SecretArray<kyber1024_secret_key_bytes> bytes_;
};

// KyberCiphertext is a Kyber-1024 ciphertext: exactly 1568 bytes (the compressed u, then v). A
// public value sent on the wire: copyable, compared bytewise.
class KyberCiphertext {
  public:
    explicit KyberCiphertext(std::span<const std::uint8_t, kyber1024_ciphertext_bytes> bytes) {
        std::copy(bytes.begin(), bytes.end(), bytes_.begin());
    }
    // from_bytes copies `bytes` into a ciphertext. Fails with Error::malformed when `bytes` is
    // not exactly 1568 bytes (a message field that cannot be what it claims). Any 1568 bytes are
    // accepted: decapsulation handles invalid ones by implicit rejection.
    static Result<KyberCiphertext> from_bytes(ByteView bytes);

    std::span<const std::uint8_t, kyber1024_ciphertext_bytes> view() const { return bytes_; }
    bool operator==(const KyberCiphertext&) const = default;

  private:
    std::array<std::uint8_t, kyber1024_ciphertext_bytes> bytes_{};
};

// KyberSharedSecret is the 32-byte shared secret, wiped when dropped.
using KyberSharedSecret = SecretArray<kyber1024_shared_secret_bytes>;

// KyberKeyPair is a freshly generated key pair; the secret key is wiped when the pair is dropped.
struct KyberKeyPair {
    KyberPublicKey public_key;
    KyberSecretKey secret_key;
};

// KyberEncapsulation is what the encapsulating side gets: the ciphertext to send and the shared
// secret to keep (wiped when dropped).
struct KyberEncapsulation {
    KyberCiphertext ciphertext;
    KyberSharedSecret shared_secret;
};

}  // namespace ratchetcheck::crypto
