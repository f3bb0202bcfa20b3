// The fixed-size byte types of X25519 keys. Public because the public key types (keys.hpp) and
// the key source (key_source.hpp) are made of them; the crypto interface that operates on them
// (ratchetcheck/crypto/primitives.hpp) is internal to the library and uses these same types, so
// a key handed out by a KeySource goes into the protocol unconverted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::crypto {

// x25519_bytes is the length of an X25519 scalar, u-coordinate and shared secret (RFC 7748 §5).
inline constexpr std::size_t x25519_bytes = 32;

// X25519Public is a public u-coordinate (little-endian, RFC 7748 §5). Public data: copyable.
using X25519Public = std::array<std::uint8_t, x25519_bytes>;

// X25519Private is a private scalar: move-only, wiped on destruction (secret.hpp).
using X25519Private = SecretArray<x25519_bytes>;

}  // namespace ratchetcheck::crypto
