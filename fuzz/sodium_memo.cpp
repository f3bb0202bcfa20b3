// The memo (crypto_memo.hpp) for libsodium's public-key operations, in the libFuzzer builds of
// the fuzz targets (docs/fuzzing.md, "Speed"; docs/decisions.md E34). They are linked with the
// linker's --wrap (RATCHETCHECK_CRYPTO_MEMO_LINK_OPTIONS, fuzz/CMakeLists.txt): every call the
// protocol makes to one of the four functions below reaches the __wrap_ function here, which
// returns the remembered result for the same arguments or calls the library (__real_) and
// remembers it.
#include <cstddef>

#include "crypto_memo.hpp"

using ratchetcheck::fuzz::MemoFunction;
using ratchetcheck::fuzz::point_bytes;
using ratchetcheck::fuzz::remembered_call;
using ratchetcheck::fuzz::signature_bytes;

// The linker's --wrap fixes these names: __wrap_NAME receives the calls to NAME, __real_NAME is
// the library's NAME. They are reserved identifiers by the letter of the standard.
//
// NOLINTBEGIN(bugprone-reserved-identifier)
extern "C" {

int __real_crypto_scalarmult_curve25519(unsigned char* q, const unsigned char* n,
                                        const unsigned char* p);
int __real_crypto_scalarmult_curve25519_base(unsigned char* q, const unsigned char* n);
int __real_crypto_scalarmult_ed25519_base_noclamp(unsigned char* q, const unsigned char* n);
int __real_crypto_sign_ed25519_verify_detached(const unsigned char* signature,
                                               const unsigned char* message,
                                               unsigned long long message_length,
                                               const unsigned char* public_key);

// X25519 (crypto/primitives.cpp x25519): the output, and -1 for a small-order point.
int __wrap_crypto_scalarmult_curve25519(unsigned char* q, const unsigned char* n,
                                        const unsigned char* p) {
    return remembered_call(MemoFunction::sodium_x25519, {{n, point_bytes}, {p, point_bytes}}, q,
                           point_bytes,
                           [&] { return __real_crypto_scalarmult_curve25519(q, n, p); });
}

// The X25519 public key of a private key (crypto/primitives.cpp x25519_public_key).
int __wrap_crypto_scalarmult_curve25519_base(unsigned char* q, const unsigned char* n) {
    return remembered_call(MemoFunction::sodium_x25519_base, {{n, point_bytes}}, q, point_bytes,
                           [&] { return __real_crypto_scalarmult_curve25519_base(q, n); });
}

// XEdDSA signing's two base-point multiples, kB and rB (crypto/xeddsa.cpp).
int __wrap_crypto_scalarmult_ed25519_base_noclamp(unsigned char* q, const unsigned char* n) {
    return remembered_call(MemoFunction::sodium_edwards_base, {{n, point_bytes}}, q, point_bytes,
                           [&] { return __real_crypto_scalarmult_ed25519_base_noclamp(q, n); });
}

// XEdDSA verification (crypto/xeddsa.cpp xeddsa_verify): the verdict only.
int __wrap_crypto_sign_ed25519_verify_detached(const unsigned char* signature,
                                               const unsigned char* message,
                                               unsigned long long message_length,
                                               const unsigned char* public_key) {
    return remembered_call(MemoFunction::sodium_ed25519_verify,
                           {{signature, signature_bytes},
                            {public_key, point_bytes},
                            {message, static_cast<std::size_t>(message_length)}},
                           nullptr, 0, [&] {
                               return __real_crypto_sign_ed25519_verify_detached(
                                   signature, message, message_length, public_key);
                           });
}

}  // extern "C"
// NOLINTEND(bugprone-reserved-identifier)
