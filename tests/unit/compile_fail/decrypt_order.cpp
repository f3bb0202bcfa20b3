// Decryption after authentication is a property of the types (protocol/internal/ratchetcheck/
// crypto/authenticated.hpp). Compiled with -fsyntax-only by tests/unit/CMakeLists.txt, once per
// CASE: the swapped orders must not compile, each with the diagnostic that says why; the right
// order (CASE 0) must compile, so that the others fail for that reason and not a typo.
#include <array>
#include <cstdint>

#include "ratchetcheck/crypto/constant_time.hpp"
#include "ratchetcheck/crypto/primitives.hpp"

// @evidence check=test:decrypt_before_mac_does_not_compile functions=SF.CONSTANT_TIME,SF.TRANSACTIONAL_RECEIVE clauses=DR-3.5 mechanisms=AES-256-CBC,HMAC-SHA256
// @evidence check=test:padding_declassified_only_after_mac functions=SF.CONSTANT_TIME clauses=DR-3.5 mechanisms=AES-256-CBC

namespace crypto = ratchetcheck::crypto;
using ratchetcheck::ByteView;

void decrypt(ByteView message, ByteView tag, ByteView ciphertext) {
    const std::array<std::uint8_t, 32> key{};
    const std::array<std::uint8_t, 16> iv{};
#if CASE == 0
    // The MAC first, then decryption of what it authenticated.
    const auto authenticated = crypto::verify_mac(key, {message}, tag, ciphertext);
    if (authenticated.ok())
        (void)crypto::aes256_cbc_decrypt(key, iv, authenticated.value());
#elif CASE == 1
    // Decrypting (and so unpadding) the received bytes before, or without, the MAC check.
    (void)message;
    (void)tag;
    (void)crypto::aes256_cbc_decrypt(key, iv, ciphertext);
#elif CASE == 2
    // Making the proof without the MAC check.
    (void)message;
    (void)tag;
    const crypto::AuthenticatedCiphertext forged(ciphertext);
    (void)crypto::aes256_cbc_decrypt(key, iv, forged);
#elif CASE == 3
    // Declassifying the padding length without an authenticated ciphertext.
    (void)message;
    (void)tag;
    (void)ciphertext;
    (void)key;
    (void)iv;
    (void)ratchetcheck::constant_time::declassify_padding_length(16);
#endif
}
