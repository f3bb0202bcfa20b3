// Constant-time verification under valgrind memcheck (the ctgrind technique, Botan's CT::poison):
// a secret is marked as undefined memory, memcheck propagates undefinedness through every value
// computed from it, and reports any conditional branch or memory address that depends on it. Every
// function here is a no-op outside valgrind (a few instructions of valgrind's client-request
// sequence) and never changes a byte.
//
// The tests poison; the library only declassifies, and only through the named functions below,
// each at a point where the protocol itself makes the value public. docs/constant-time.md lists
// every one with its reason; a new declassification needs a new named function and a row there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ratchetcheck/crypto/authenticated.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::constant_time {

// poison marks `bytes` as secret (undefined to memcheck): any branch or memory index that later
// depends on them is a memcheck error. For tests and checks only; the bytes are unchanged.
void poison(ByteView bytes) noexcept;

// unpoison marks `bytes` as public (defined to memcheck) again. For tests only, to look at a
// value the test owns; the library uses the named declassifications below.
void unpoison(ByteView bytes) noexcept;

// running_under_memcheck is true when the process runs under valgrind (RUNNING_ON_VALGRIND);
// outside valgrind poisoning does nothing, so a constant-time check must refuse to pass there.
bool running_under_memcheck() noexcept;

// is_poisoned is true when any bit of `bytes` is undefined to memcheck, i.e. derived from a
// poisoned secret and not declassified (VALGRIND_GET_VBITS). Always false outside valgrind. Lets a
// check show that a secret really did reach the value it looks at.
bool is_poisoned(ByteView bytes) noexcept;

// memcheck_error_count is the number of errors memcheck has reported so far in this process
// (VALGRIND_COUNT_ERRORS); 0 outside valgrind.
unsigned memcheck_error_count() noexcept;

// --- Declassifications: where the protocol makes a secret-derived value public -----------------

// declassify_public_key: an X25519 public key, computed from its private key, is published.
void declassify_public_key(ByteView public_key) noexcept;

// declassify_rejection: whether a computation on secret data was rejected (an X25519 output that
// is all zero, an Ed25519 base-point multiple that is the identity). The outcome is an error the
// caller sees, or an abort; it says only that the secret was one of the excluded values. Returns
// `status` unchanged.
int declassify_rejection(int status) noexcept;

// declassify_ciphertext: AES-256-CBC output is sent on the wire.
void declassify_ciphertext(ByteView ciphertext) noexcept;

// declassify_sent_mac: the MAC tag of an outgoing message is sent on the wire.
void declassify_sent_mac(ByteView tag) noexcept;

// declassify_mac_check: whether a received message authenticated is public (the message is
// accepted or rejected, DR §3.5). Only the verdict, never the expected tag. Returns `verdict`.
bool declassify_mac_check(bool verdict) noexcept;

// declassify_padding_length: the PKCS#7 padding length of a decrypted message, i.e. the
// plaintext's length. Legal only after the MAC check (encrypt-then-MAC, DR §3.5): then the length
// is that of a plaintext the caller receives, and whether the padding is valid tells an attacker
// nothing (no padding oracle). The AuthenticatedCiphertext it was decrypted from is the proof,
// checked by the compiler; it must be that very ciphertext (decrypted_from). Returns `length`.
std::size_t declassify_padding_length(const crypto::AuthenticatedCiphertext& decrypted_from,
                                      std::size_t length) noexcept;

// declassify_authenticated_plaintext: a plaintext is handed to the caller once its message has
// authenticated.
void declassify_authenticated_plaintext(ByteView plaintext) noexcept;

// declassify_signature: an XEdDSA signature is published (X3DH §3.2: the signed prekey's
// signature is part of the bundle).
void declassify_signature(ByteView signature) noexcept;

}  // namespace ratchetcheck::constant_time
