// The narrow cryptographic interface of the protocol. Every primitive the protocol uses is
// declared here and nowhere else; the implementations choose libsodium or OpenSSL libcrypto by
// measured speed (see docs/decisions.md) and every one is checked by the same KATs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ratchetcheck/crypto/authenticated.hpp"
#include "ratchetcheck/key_bytes.hpp"
#include "ratchetcheck/result.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::crypto {

inline constexpr std::size_t sha256_bytes = 32;
inline constexpr std::size_t sha512_bytes = 64;
inline constexpr std::size_t aes256_key_bytes = 32;
inline constexpr std::size_t aes_block_bytes = 16;
inline constexpr std::size_t hkdf_sha256_max_output = 255 * sha256_bytes;

using Sha256Digest = std::array<std::uint8_t, sha256_bytes>;
using Sha512Digest = std::array<std::uint8_t, sha512_bytes>;

// initialize prepares the underlying libraries (sodium_init). It is idempotent and thread-safe;
// every other function calls it on first use, so callers need not. It aborts the process if
// libsodium cannot initialise (no usable randomness), as continuing would be unsafe.
void initialize();

// fill_random fills `output` with bytes from the operating system's CSPRNG (libsodium).
void fill_random(std::span<std::uint8_t> output);

// x25519_clamp applies the RFC 7748 §5 clamping to a 32-byte scalar in place.
void x25519_clamp(std::span<std::uint8_t, x25519_bytes> scalar);

// x25519_public_key computes the public u-coordinate of `private_key` (RFC 7748 §6.1).
X25519Public x25519_public_key(const X25519Private& private_key);

// x25519 computes the shared secret X25519(private_key, peer_public) (RFC 7748 §5). The scalar
// is clamped and the peer's top bit ignored, as the RFC requires. Fails with
// Error::invalid_key when the peer's point has small order or the output is all zero
// (RFC 7748 §6.1 allows implementations to check for the all-zero output and abort; decisions
// D2). The result is wiped when dropped.
[[nodiscard]] Result<SecretArray<x25519_bytes>> x25519(
    const X25519Private& private_key, std::span<const std::uint8_t, x25519_bytes> peer_public);

// HmacSha256 is HMAC-SHA256 (RFC 2104) keyed once and used for any number of messages: the
// key's inner and outer pad states are computed at construction, so a chain step that takes two
// MACs under one key hashes the key once. The keyed state is wiped on destruction.
class HmacSha256 {
  public:
    explicit HmacSha256(ByteView key);
    ~HmacSha256();
    HmacSha256(const HmacSha256&) = delete;
    HmacSha256& operator=(const HmacSha256&) = delete;

    // mac returns HMAC(key, first || second) (the two parts are concatenated; `second` may be
    // empty). Pure: the keyed state is not changed.
    Sha256Digest mac(ByteView first, ByteView second = {}) const;
    // mac_into writes HMAC(key, parts...) into `output`; used where the tag is secret.
    void mac_into(std::span<std::uint8_t, sha256_bytes> output,
                  std::initializer_list<ByteView> parts) const;

    struct State;  // the keyed inner and outer SHA-256 states (opaque)

  private:
    alignas(16) std::array<std::uint8_t, 256> storage_;
    State& state();
    const State& state() const;
};

// hmac_sha256 is the one-shot HMAC-SHA256 of `message` under `key`.
Sha256Digest hmac_sha256(ByteView key, ByteView message);

// hkdf_sha256 fills `output` with HKDF-SHA256(salt, ikm, info) (RFC 5869 §2). An empty salt
// means HashLen zero bytes (RFC 5869 §2.2). Fails with Error::malformed when `output` is longer
// than 255 * 32 bytes (RFC 5869 §2.3). Intermediate values are wiped.
[[nodiscard]] Result<void> hkdf_sha256(ByteView input_key_material, ByteView salt, ByteView info,
                                       std::span<std::uint8_t> output);

// hkdf_sha256_zero_salt is hkdf_sha256 with the salt of HashLen (32) zero bytes, as X3DH (§2.2)
// and libsignal's message keys use it. A separate entry point, so that the general form never
// has to inspect its salt (which may be secret: KDF_RK passes the root key) to find the case
// whose extractor state can be computed once. Same failure and wiping as hkdf_sha256.
[[nodiscard]] Result<void> hkdf_sha256_zero_salt(ByteView input_key_material, ByteView info,
                                                 std::span<std::uint8_t> output);

// sha512 returns SHA-512 of the concatenation of `parts` (libsodium).
Sha512Digest sha512(std::initializer_list<ByteView> parts);

// The longest AES-256-CBC input: OpenSSL's EVP lengths are ints, so a ciphertext is at most
// INT_MAX bytes, and a plaintext leaves room for its padding block.
inline constexpr std::size_t aes256_cbc_max_ciphertext_bytes = 2147483647;  // INT_MAX
inline constexpr std::size_t aes256_cbc_max_plaintext_bytes =
    aes256_cbc_max_ciphertext_bytes - aes_block_bytes;

// aes256_cbc_encrypt returns AES-256-CBC(key, iv) of `plaintext` with PKCS#7 padding; the
// output is 16 to 16 + |plaintext| bytes long (an empty plaintext gives one block). The plaintext
// must be at most aes256_cbc_max_plaintext_bytes long (a longer one aborts): callers refuse it
// first with Error::plaintext_too_large (Party::encrypt does).
Bytes aes256_cbc_encrypt(std::span<const std::uint8_t, aes256_key_bytes> key,
                         std::span<const std::uint8_t, aes_block_bytes> iv, ByteView plaintext);

// aes256_cbc_decrypt decrypts and strips PKCS#7 padding of a ciphertext whose MAC verify_mac
// has checked (authenticated.hpp): there is no overload for unauthenticated bytes. Fails with
// Error::authentication_failed when the ciphertext is empty, not a multiple of 16 bytes, longer
// than aes256_cbc_max_ciphertext_bytes, or the padding is invalid (one opaque error: no padding
// oracle). The plaintext buffer is wiped when freed.
[[nodiscard]] Result<SecureBytes> aes256_cbc_decrypt(
    std::span<const std::uint8_t, aes256_key_bytes> key,
    std::span<const std::uint8_t, aes_block_bytes> iv,
    const AuthenticatedCiphertext& authenticated);

}  // namespace ratchetcheck::crypto
