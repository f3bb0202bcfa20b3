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

#include "ratchetcheck/kem_keys.hpp"
#include "ratchetcheck/result.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::crypto {

// The key, ciphertext and secret types (KyberPublicKey, KyberSecretKey, KyberCiphertext,
// KyberSharedSecret, KyberKeyPair, KyberEncapsulation) and their sizes are public, in
// ratchetcheck/kem_keys.hpp: a Kyber prekey record and a bundle carry them.

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
