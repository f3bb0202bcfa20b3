// XEdDSA signatures with X25519 keys (Signal's "The XEdDSA and VXEdDSA Signature Schemes",
// Revision 1, 2016). Signal uses them for the signed prekey (X3DH §3.3).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "ratchetcheck/crypto/primitives.hpp"

namespace ratchetcheck::crypto {

inline constexpr std::size_t xeddsa_signature_bytes = 64;
inline constexpr std::size_t xeddsa_nonce_bytes = 64;
using XeddsaSignature = std::array<std::uint8_t, xeddsa_signature_bytes>;

// xeddsa_sign signs `message` with the X25519 private key `private_key` (XEdDSA §3) using the
// 64 bytes of secret randomness `random`. Scalar and point operations are libsodium's
// constant-time ones. Intermediate secrets are wiped.
XeddsaSignature xeddsa_sign(const X25519Private& private_key, ByteView message,
                            std::span<const std::uint8_t, xeddsa_nonce_bytes> random);

// xeddsa_sign draws its randomness from fill_random.
XeddsaSignature xeddsa_sign(const X25519Private& private_key, ByteView message);

// xeddsa_verify returns true only when `signature` is a valid XEdDSA signature of `message` by
// the X25519 public key `public_key` (XEdDSA §3). Rejects a non-canonical u (u >= p), u = -1
// (no Edwards image), non-canonical s, and small-order points. Works on public values only.
bool xeddsa_verify(std::span<const std::uint8_t, x25519_bytes> public_key, ByteView message,
                   std::span<const std::uint8_t, xeddsa_signature_bytes> signature);

}  // namespace ratchetcheck::crypto
