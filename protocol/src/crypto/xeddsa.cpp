// XEdDSA (Signal's XEdDSA and VXEdDSA specification, Revision 1) on libsodium's Ed25519
// arithmetic. Signing uses only libsodium's constant-time scalar and point operations; the
// Montgomery-to-Edwards conversion in verification works on public values only, so it uses
// OpenSSL's BN modular inverse.
#include "ratchetcheck/crypto/xeddsa.hpp"

#include "ratchetcheck/crypto/constant_time.hpp"

#include <openssl/bn.h>
#include <sodium.h>

#include <cstdlib>
#include <memory>

namespace ratchetcheck::crypto {
namespace {

constexpr std::size_t scalar_bytes = crypto_core_ed25519_SCALARBYTES;
constexpr std::size_t point_bytes = crypto_core_ed25519_BYTES;

// reduce_wide returns the 64-byte little-endian value `wide` reduced modulo the group order q.
void reduce_wide(std::span<std::uint8_t, scalar_bytes> output, const Sha512Digest& wide) {
    std::array<std::uint8_t, sha512_bytes> copy = wide;
    crypto_core_ed25519_scalar_reduce(output.data(), copy.data());
    sodium_memzero(copy.data(), copy.size());
}

struct BigNumberDeleter {
    void operator()(BIGNUM* number) const { BN_free(number); }
};
struct BigNumberContextDeleter {
    void operator()(BN_CTX* context) const { BN_CTX_free(context); }
};
using BigNumber = std::unique_ptr<BIGNUM, BigNumberDeleter>;

// montgomery_to_edwards converts a Montgomery u-coordinate to the Edwards y-coordinate
// y = (u - 1) / (u + 1) mod p (XEdDSA §2.3, convert_mont), little-endian, sign bit clear.
// Returns false when u >= p or u = -1 (u + 1 has no inverse).
bool montgomery_to_edwards(std::span<const std::uint8_t, x25519_bytes> u_bytes,
                           std::span<std::uint8_t, point_bytes> y_bytes) {
    std::unique_ptr<BN_CTX, BigNumberContextDeleter> context(BN_CTX_new());
    BigNumber prime(BN_new()), u(BN_new()), numerator(BN_new()), denominator(BN_new()), y(BN_new());
    if (!context || !prime || !u || !numerator || !denominator || !y)
        std::abort();
    // p = 2^255 - 19
    BN_set_bit(prime.get(), 255);
    BN_sub_word(prime.get(), 19);
    BN_lebin2bn(u_bytes.data(), static_cast<int>(u_bytes.size()), u.get());
    if (BN_cmp(u.get(), prime.get()) >= 0)
        return false;  // XEdDSA §3 xeddsa_verify: reject u >= p
    BN_mod_sub(numerator.get(), u.get(), BN_value_one(), prime.get(), context.get());
    BN_mod_add(denominator.get(), u.get(), BN_value_one(), prime.get(), context.get());
    if (BN_is_zero(denominator.get()))
        return false;
    if (BN_mod_inverse(denominator.get(), denominator.get(), prime.get(), context.get()) ==
        nullptr) {
        return false;
    }
    BN_mod_mul(y.get(), numerator.get(), denominator.get(), prime.get(), context.get());
    return BN_bn2lebinpad(y.get(), y_bytes.data(), static_cast<int>(y_bytes.size())) ==
           static_cast<int>(y_bytes.size());
}

// edwards_base_multiple writes scalar·B (Ed25519 base point) to `point`; aborts in the
// impossible case that the result is the identity (a scalar of 0 mod q). Its own function, never
// inlined, because libsodium's crypto_scalarmult_ed25519_base_noclamp branches on whether its
// secret result is the identity: the one memcheck suppression of the constant-time checks names
// this frame, and nothing else (docs/constant-time.md, finding S1).
[[gnu::noinline]] void edwards_base_multiple(std::span<std::uint8_t, point_bytes> point,
                                             std::span<const std::uint8_t, scalar_bytes> scalar) {
    // The outcome aborts the process, so it is public (declassify_rejection).
    if (constant_time::declassify_rejection(
            crypto_scalarmult_ed25519_base_noclamp(point.data(), scalar.data())) != 0) {
        std::abort();  // k = 0 mod q: impossible for a clamped scalar, probability 2^-252 for r
    }
}

}  // namespace

XeddsaSignature xeddsa_sign(const X25519Private& private_key, ByteView message,
                            std::span<const std::uint8_t, xeddsa_nonce_bytes> random) {
    initialize();
    // XEdDSA §2.3 calculate_key_pair: E = kB; A = E with sign bit 0; a = -k if E's sign was 1.
    std::array<std::uint8_t, point_bytes> edwards_public{};
    edwards_base_multiple(edwards_public, private_key.view());
    // E's sign bit is secret (the public u-coordinate determines E only up to sign), so the
    // negation is a masked select between k and -k, never a branch on it.
    const auto negate_mask = static_cast<std::uint8_t>(0u - (edwards_public[31] >> 7));
    edwards_public[31] &= 0x7f;

    SecretArray<64> wide_private;
    std::copy(private_key.view().begin(), private_key.view().end(), wide_private.data());
    SecretArray<scalar_bytes> private_scalar;
    crypto_core_ed25519_scalar_reduce(private_scalar.data(), wide_private.data());
    SecretArray<scalar_bytes> negated;
    crypto_core_ed25519_scalar_negate(negated.data(), private_scalar.data());
    for (std::size_t index = 0; index < scalar_bytes; ++index) {
        private_scalar.data()[index] ^=
            negate_mask & (private_scalar.data()[index] ^ negated.data()[index]);
    }

    // XEdDSA §3: r = hash_1(a || M || Z) mod q, where hash_1 (§2.5) prefixes 2^256 - 2 (0xFE
    // 0xFF..).
    std::array<std::uint8_t, 32> hash1_prefix;
    hash1_prefix.fill(0xff);
    hash1_prefix[0] = 0xfe;
    SecretArray<scalar_bytes> nonce;
    {
        Sha512Digest wide_nonce = sha512({hash1_prefix, private_scalar.view(), message, random});
        reduce_wide(nonce.mutable_view(), wide_nonce);
        sodium_memzero(wide_nonce.data(), wide_nonce.size());
    }
    XeddsaSignature signature{};
    // R = rB
    edwards_base_multiple(std::span<std::uint8_t, point_bytes>(signature.data(), point_bytes),
                          nonce.view());
    // h = hash(R || A || M) mod q; s = r + h a mod q
    std::array<std::uint8_t, scalar_bytes> challenge;
    reduce_wide(challenge,
                sha512({ByteView(signature.data(), point_bytes), edwards_public, message}));
    SecretArray<scalar_bytes> product;
    crypto_core_ed25519_scalar_mul(product.data(), challenge.data(), private_scalar.data());
    crypto_core_ed25519_scalar_add(signature.data() + point_bytes, product.data(), nonce.data());
    constant_time::declassify_signature(signature);  // published in the prekey bundle
    return signature;
}

XeddsaSignature xeddsa_sign(const X25519Private& private_key, ByteView message) {
    SecretArray<xeddsa_nonce_bytes> random;
    fill_random(random.mutable_view());
    return xeddsa_sign(private_key, message, random.view());
}

bool xeddsa_verify(std::span<const std::uint8_t, x25519_bytes> public_key, ByteView message,
                   std::span<const std::uint8_t, xeddsa_signature_bytes> signature) {
    initialize();
    std::array<std::uint8_t, point_bytes> edwards_public{};
    if (!montgomery_to_edwards(public_key, edwards_public))
        return false;
    // libsignal (curve25519_verify) takes the Edwards sign bit from the top bit of s, which
    // XEdDSA signatures always leave 0 (s < q < 2^253); an older Signal signer stored A's sign
    // there. Doing the same keeps both kinds verifiable; the bit is cleared before the check.
    std::array<std::uint8_t, xeddsa_signature_bytes> plain_signature;
    std::copy(signature.begin(), signature.end(), plain_signature.begin());
    edwards_public[31] |= plain_signature[63] & 0x80;
    plain_signature[63] &= 0x7f;
    // An empty view may carry a null pointer; libsodium is given a valid one (as secret.cpp does
    // for sodium_memcmp), which it reads nothing from.
    static constexpr std::uint8_t no_message_byte = 0;
    const std::uint8_t* const message_bytes = message.empty() ? &no_message_byte : message.data();
    // libsodium checks s < q, rejects small-order A and R, and compares sB - hA with R.
    return crypto_sign_ed25519_verify_detached(plain_signature.data(), message_bytes,
                                               message.size(), edwards_public.data()) == 0;
}

}  // namespace ratchetcheck::crypto
