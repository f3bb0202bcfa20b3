/* The C ABI of the Rust crate protocol/kem (Kyber-1024, round 3, from libcrux-ml-kem 0.0.11):
 * the declarations of the functions protocol/kem/src/lib.rs exports, for kyber.cpp and for the
 * tests that call the ABI directly. Everything else uses ratchetcheck/crypto/kyber.hpp.
 *
 * Every function checks each pointer for NULL and each length against the exact size before it
 * reads or writes anything, writes its outputs only when it returns RATCHETCHECK_KYBER_OK, and
 * never unwinds (the crate is built with panic = "abort"). The caller owns every buffer; the
 * outputs must not overlap each other or the inputs. The functions are deterministic: all
 * randomness is the caller's. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sizes (round-3 Kyber-1024: k = 4, du = 11, dv = 5). */
#define RATCHETCHECK_KYBER1024_PUBLIC_KEY_BYTES 1568
#define RATCHETCHECK_KYBER1024_SECRET_KEY_BYTES 3168
#define RATCHETCHECK_KYBER1024_CIPHERTEXT_BYTES 1568
#define RATCHETCHECK_KYBER1024_SHARED_SECRET_BYTES 32
#define RATCHETCHECK_KYBER1024_KEYPAIR_RANDOMNESS_BYTES 64
#define RATCHETCHECK_KYBER1024_ENCAPSULATE_RANDOMNESS_BYTES 32

/* Status codes (the RC_KYBER_* constants of lib.rs). */
#define RATCHETCHECK_KYBER_OK 0
#define RATCHETCHECK_KYBER_NULL_POINTER 1
#define RATCHETCHECK_KYBER_BAD_RANDOMNESS_LENGTH 2
#define RATCHETCHECK_KYBER_BAD_PUBLIC_KEY_LENGTH 3
#define RATCHETCHECK_KYBER_BAD_SECRET_KEY_LENGTH 4
#define RATCHETCHECK_KYBER_BAD_CIPHERTEXT_LENGTH 5
#define RATCHETCHECK_KYBER_BAD_SHARED_SECRET_LENGTH 6

/* Key pair from 64 bytes of randomness: d (the IND-CPA key seed) then z (the implicit-rejection
 * value). Writes the public key and the secret key. */
int32_t ratchetcheck_kyber1024_keypair(const uint8_t* randomness, size_t randomness_length,
                                       uint8_t* public_key_out, size_t public_key_length,
                                       uint8_t* secret_key_out, size_t secret_key_length);

/* Encapsulation to `public_key` with 32 bytes of randomness (the message m). Writes the
 * ciphertext and the shared secret. */
int32_t ratchetcheck_kyber1024_encapsulate(const uint8_t* public_key, size_t public_key_length,
                                           const uint8_t* randomness, size_t randomness_length,
                                           uint8_t* ciphertext_out, size_t ciphertext_length,
                                           uint8_t* shared_secret_out, size_t shared_secret_length);

/* Decapsulation of `ciphertext` with `secret_key`. A ciphertext that does not decrypt and
 * re-encrypt to itself gives the implicit-rejection secret, not an error. Writes the shared
 * secret. */
int32_t ratchetcheck_kyber1024_decapsulate(const uint8_t* secret_key, size_t secret_key_length,
                                           const uint8_t* ciphertext, size_t ciphertext_length,
                                           uint8_t* shared_secret_out, size_t shared_secret_length);

#ifdef __cplusplus
}
#endif
