// AuthenticatedCiphertext: the proof, as a type, that a ciphertext's MAC was verified. Decrypting
// and unpadding accept nothing else, so the order encrypt-then-MAC needs (DR §3.5: the message is
// authenticated before its plaintext is believed) is a property of the code, not of a review: a
// decrypt or a padding check placed before the MAC check does not compile (the tests in
// tests/unit/compile_fail show it), which is what stops a padding oracle (Vaudenay 2002; Lucky 13).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>

#include "ratchetcheck/result.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::crypto {

class AuthenticatedCiphertext;

// verify_mac computes HMAC-SHA256(mac_key, authenticated_parts...), compares its first
// |received_tag| bytes (1 to 32) with `received_tag` in constant time, and on a match returns
// `ciphertext` as an AuthenticatedCiphertext. `ciphertext` must lie inside one of the
// authenticated parts (the bytes the MAC covers); anything else is a programming error and aborts.
// Fails with Error::authentication_failed on a mismatch. The verdict is declassified (the message
// is accepted or not); the expected tag is wiped and never leaves the function.
[[nodiscard]] Result<AuthenticatedCiphertext> verify_mac(
    std::span<const std::uint8_t, 32> mac_key, std::initializer_list<ByteView> authenticated_parts,
    ByteView received_tag, ByteView ciphertext);

// AuthenticatedCiphertext is a view of a ciphertext that verify_mac has authenticated; only
// verify_mac makes one. It owns nothing: the bytes it views must outlive it.
class AuthenticatedCiphertext {
  public:
    ByteView bytes() const noexcept { return bytes_; }

  private:
    explicit AuthenticatedCiphertext(ByteView bytes) noexcept : bytes_(bytes) {}
    friend Result<AuthenticatedCiphertext> verify_mac(std::span<const std::uint8_t, 32>,
                                                      std::initializer_list<ByteView>, ByteView,
                                                      ByteView);
    ByteView bytes_;
};

}  // namespace ratchetcheck::crypto
