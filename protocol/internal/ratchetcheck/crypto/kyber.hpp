// Kyber-1024 as submitted to round 3 of the NIST PQC process (CRYSTALS-Kyber, specification
// version 3.02), the KEM of libsignal's PQXDH for key type 0x08. It is not FIPS 203 ML-KEM: round 3
// hashes the encapsulation randomness and the ciphertext into the shared secret, ML-KEM does not,
// so the two give different secrets for the same inputs.
//
// The implementation is libcrux-ml-kem 0.0.11 (formally verified with hax / F*), called through
// the C ABI of the Rust crate protocol/kem (kyber_abi.h). Every operation is deterministic: the
// caller supplies the randomness (the protocol draws it from its KeySource, so runs replay). Sizes
// are checked here, by the types, before the Rust code is called.
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

// kyber1024_generate_key_pair derives a key pair from exactly 64 bytes of secret randomness: the
// first 32 are the IND-CPA key seed d, the last 32 the implicit-rejection value z (see
// kyber1024_key_pair_randomness_bytes). Deterministic: the same randomness gives the same pair.
// Fails with Error::wrong_randomness_length for any other length, before any work. The caller
// owns and wipes `randomness`; the secret-key copies made on the way (here and in the Rust crate)
// are wiped, and the secret key returned is wiped when dropped.
[[nodiscard]] Result<KyberKeyPair> kyber1024_generate_key_pair(ByteView randomness);

// kyber1024_encapsulate encapsulates to `public_key` with exactly 32 bytes of secret randomness
// (the message m). Deterministic. Fails with Error::wrong_randomness_length for any other length,
// before any work. The caller owns and wipes `randomness`; the shared secret returned is wiped
// when dropped, and the copies made on the way are wiped.
[[nodiscard]] Result<KyberEncapsulation> kyber1024_encapsulate(const KyberPublicKey& public_key,
                                                               ByteView randomness);

// kyber1024_decapsulate recovers the shared secret of `ciphertext` with `secret_key`. It cannot
// fail: a ciphertext that was not made for this key (tampered, or random bytes) gives the
// implicit-rejection secret, a pseudorandom function of z and the ciphertext, chosen in constant
// time (round 3's Fujisaki-Okamoto transform). The mismatch then shows only later, when the two
// sides' keys disagree and the first message fails to authenticate. The shared secret
// returned is wiped when dropped, and the copies made on the way are wiped.
KyberSharedSecret kyber1024_decapsulate(const KyberSecretKey& secret_key,
                                        const KyberCiphertext& ciphertext);

}  // namespace ratchetcheck::crypto
