// Implementation of the primitives in crypto/primitives.hpp.
//
// Choice of library per primitive (measured on the target CPU, see docs/decisions.md):
// - X25519, randomness, SHA-512: libsodium.
// - SHA-256 / HMAC-SHA256: OpenSSL's SHA-256 block function, which uses the CPU's SHA
//   extensions; libsodium 1.0.18's portable SHA-256 is about three times slower. HMAC is built
//   here on the low-level SHA256_CTX so that a key's pad states are computed once per key
//   (the EVP_MAC API re-fetches and re-keys on every call).
// - AES-256-CBC: OpenSSL EVP (AES-NI); libsodium has no CBC mode.
#define OPENSSL_SUPPRESS_DEPRECATED  // SHA256_Init/Update/Final: see the note above.

#include "ratchetcheck/crypto/primitives.hpp"

#include "ratchetcheck/crypto/constant_time.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>

namespace ratchetcheck::crypto {

void initialize() {
    static const bool initialized = [] {
        if (sodium_init() < 0)
            std::abort();  // no randomness: refuse to run at all
        return true;
    }();
    (void)initialized;
}

void fill_random(std::span<std::uint8_t> output) {
    if (output.empty())
        return;  // an empty span may have a null data pointer
    initialize();
    randombytes_buf(output.data(), output.size());
}

void x25519_clamp(std::span<std::uint8_t, x25519_bytes> scalar) {
    scalar[0] &= 248;  // RFC 7748 §5 decodeScalar25519
    scalar[31] &= 127;
    scalar[31] |= 64;
}

X25519Public x25519_public_key(const X25519Private& private_key) {
    initialize();
    X25519Public public_key{};
    crypto_scalarmult_curve25519_base(public_key.data(), private_key.data());
    constant_time::declassify_public_key(public_key);  // published (X3DH §3.2, DR §3.4 header)
    return public_key;
}

Result<SecretArray<x25519_bytes>> x25519(const X25519Private& private_key,
                                         std::span<const std::uint8_t, x25519_bytes> peer_public) {
    initialize();
    SecretArray<x25519_bytes> shared;
    // libsodium returns -1 for small-order peer points and all-zero outputs; both are the
    // rejection RFC 7748 §6.1 allows (decisions D2).
    // The rejection is an error the caller sees: declassified (docs/constant-time.md).
    if (constant_time::declassify_rejection(crypto_scalarmult_curve25519(
            shared.data(), private_key.data(), peer_public.data())) != 0) {
        return Error::invalid_key;
    }
    return shared;
}

struct HmacSha256::State {
    SHA256_CTX inner;
    SHA256_CTX outer;
};
static_assert(sizeof(HmacSha256::State) <= 256);

HmacSha256::State& HmacSha256::state() {
    return *std::launder(reinterpret_cast<State*>(storage_.data()));
}
const HmacSha256::State& HmacSha256::state() const {
    return *std::launder(reinterpret_cast<const State*>(storage_.data()));
}

HmacSha256::HmacSha256(ByteView key) {
    new (storage_.data()) State{};
    // RFC 2104 §2: keys longer than the block are hashed first, shorter ones zero padded.
    std::array<std::uint8_t, SHA256_CBLOCK> block{};
    if (key.size() > block.size()) {
        SHA256(key.data(), key.size(), block.data());
    } else if (!key.empty()) {
        std::memcpy(block.data(), key.data(), key.size());
    }
    std::array<std::uint8_t, SHA256_CBLOCK> pad;
    for (std::size_t i = 0; i < block.size(); ++i)
        pad[i] = block[i] ^ 0x36;
    SHA256_Init(&state().inner);
    SHA256_Update(&state().inner, pad.data(), pad.size());
    for (std::size_t i = 0; i < block.size(); ++i)
        pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&state().outer);
    SHA256_Update(&state().outer, pad.data(), pad.size());
    sodium_memzero(block.data(), block.size());
    sodium_memzero(pad.data(), pad.size());
}

HmacSha256::~HmacSha256() {
    sodium_memzero(storage_.data(), storage_.size());
}

void HmacSha256::mac_into(std::span<std::uint8_t, sha256_bytes> output,
                          std::initializer_list<ByteView> parts) const {
    SHA256_CTX context = state().inner;
    for (ByteView part : parts)
        SHA256_Update(&context, part.data(), part.size());
    std::array<std::uint8_t, sha256_bytes> inner_digest;
    SHA256_Final(inner_digest.data(), &context);
    context = state().outer;
    SHA256_Update(&context, inner_digest.data(), inner_digest.size());
    SHA256_Final(output.data(), &context);
    sodium_memzero(&context, sizeof context);
    sodium_memzero(inner_digest.data(), inner_digest.size());
}

Sha256Digest HmacSha256::mac(ByteView first, ByteView second) const {
    Sha256Digest tag;
    mac_into(tag, {first, second});
    return tag;
}

Sha256Digest hmac_sha256(ByteView key, ByteView message) {
    return HmacSha256(key).mac(message);
}

namespace {

// hkdf_expand is RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i), counter from 1.
void hkdf_expand(const SecretArray<sha256_bytes>& pseudorandom_key, ByteView info,
                 std::span<std::uint8_t> output) {
    const HmacSha256 expander(pseudorandom_key.view());
    SecretArray<sha256_bytes> block;
    std::size_t written = 0;
    for (std::uint8_t counter = 1; written < output.size(); ++counter) {
        const ByteView previous = counter == 1 ? ByteView{} : ByteView(block.view());
        SecretArray<sha256_bytes> next;
        expander.mac_into(next.mutable_view(), {previous, info, ByteView(&counter, 1)});
        block = std::move(next);
        const std::size_t take = std::min(output.size() - written, sha256_bytes);
        std::memcpy(output.data() + written, block.data(), take);
        written += take;
    }
}
}  // namespace

Result<void> hkdf_sha256(ByteView input_key_material, ByteView salt, ByteView info,
                         std::span<std::uint8_t> output) {
    if (output.size() > hkdf_sha256_max_output)
        return Error::malformed;  // RFC 5869 §2.3
    // RFC 5869 §2.2: PRK = HMAC(salt, IKM); an absent salt is HashLen zeros, which HMAC's zero
    // padding of short keys makes identical to the empty key. The salt is never inspected: KDF_RK
    // passes the root key here (docs/constant-time.md); the zero salt has its own entry point.
    SecretArray<sha256_bytes> pseudorandom_key;
    HmacSha256(salt).mac_into(pseudorandom_key.mutable_view(), {input_key_material});
    hkdf_expand(pseudorandom_key, info, output);
    return {};
}

Result<void> hkdf_sha256_zero_salt(ByteView input_key_material, ByteView info,
                                   std::span<std::uint8_t> output) {
    if (output.size() > hkdf_sha256_max_output)
        return Error::malformed;  // RFC 5869 §2.3
    // RFC 5869 §2.2 with salt = HashLen zeros, which HMAC's zero padding of short keys makes the
    // empty key. Its keyed state is the same for every call (the Signal key schedule extracts with
    // it for every message key), so it is computed once (docs/decisions.md E2).
    static const HmacSha256 zero_salt_mac{ByteView{}};
    SecretArray<sha256_bytes> pseudorandom_key;
    zero_salt_mac.mac_into(pseudorandom_key.mutable_view(), {input_key_material});
    hkdf_expand(pseudorandom_key, info, output);
    return {};
}

Sha512Digest sha512(std::initializer_list<ByteView> parts) {
    initialize();
    crypto_hash_sha512_state context;
    crypto_hash_sha512_init(&context);
    for (ByteView part : parts)
        crypto_hash_sha512_update(&context, part.data(), part.size());
    Sha512Digest digest;
    crypto_hash_sha512_final(&context, digest.data());
    sodium_memzero(&context, sizeof context);
    return digest;
}

namespace {

// The AES-256-CBC implementation is fetched once; implicit fetching on every EVP init costs
// more than encrypting a short message.
const EVP_CIPHER* aes256_cbc() {
    static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
    if (cipher == nullptr)
        std::abort();
    return cipher;
}

struct CipherContextDeleter {
    void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

// One cipher context per thread, re-keyed by every call: allocating a context costs more
// than encrypting a short message. Each call fully re-initialises it (key and IV).
EVP_CIPHER_CTX* thread_cipher_context() {
    thread_local const CipherContext context(EVP_CIPHER_CTX_new());
    if (!context)
        throw std::bad_alloc();
    return context.get();
}

}  // namespace

Bytes aes256_cbc_encrypt(std::span<const std::uint8_t, aes256_key_bytes> key,
                         std::span<const std::uint8_t, aes_block_bytes> iv, ByteView plaintext) {
    if (plaintext.size() > aes256_cbc_max_plaintext_bytes)
        std::abort();  // a precondition: Party::encrypt refuses it with plaintext_too_large
    EVP_CIPHER_CTX* const context = thread_cipher_context();
    Bytes ciphertext(plaintext.size() + aes_block_bytes);
    int written = 0;
    int final_written = 0;
    // With valid key/IV sizes and a buffer of |plaintext| + one block these calls cannot fail.
    // The shared context keeps its padding setting from the last call: decryption turns it off.
    if (EVP_EncryptInit_ex2(context, aes256_cbc(), key.data(), iv.data(), nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(context, 1) != 1 ||
        EVP_EncryptUpdate(context, ciphertext.data(), &written, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(context, ciphertext.data() + written, &final_written) != 1) {
        std::abort();
    }
    ciphertext.resize(static_cast<std::size_t>(written) + static_cast<std::size_t>(final_written));
    constant_time::declassify_ciphertext(ciphertext);  // sent on the wire
    return ciphertext;
}

namespace {

// pkcs7_padding_length returns the PKCS#7 padding length of the last block of `plaintext`
// (RFC 5652 §6.3: the last byte p is 1 to 16 and the last p bytes all equal p), or 0 when the
// padding is invalid. Constant time: no branch and no memory index depends on the plaintext,
// which is secret until the caller declassifies the result.
std::size_t pkcs7_padding_length(const SecureBytes& plaintext) {
    const std::size_t last = plaintext.size() - 1;
    const std::uint32_t padding = plaintext[last];
    // The top bit of an unsigned 32-bit difference of two small values is set when it wrapped.
    std::uint32_t bad = ((padding - 1) >> 31) | ((std::uint32_t{aes_block_bytes} - padding) >> 31);
    for (std::uint32_t index = 0; index < aes_block_bytes; ++index) {
        const std::uint32_t in_padding = 0u - (((index - padding) >> 31) & 1u);
        bad |= in_padding & (plaintext[last - index] ^ padding);
    }
    const std::uint32_t valid = ((bad - 1) >> 31) & 1u;  // 1 exactly when bad == 0
    return padding & (0u - valid);
}

}  // namespace

Result<AuthenticatedCiphertext> verify_mac(std::span<const std::uint8_t, 32> mac_key,
                                           std::initializer_list<ByteView> authenticated_parts,
                                           ByteView received_tag, ByteView ciphertext) {
    // The ciphertext must be among the bytes the MAC covers, or the proof would be of something
    // else (public pointers: no secret is compared).
    const bool covered =
        std::any_of(authenticated_parts.begin(), authenticated_parts.end(), [&](ByteView part) {
            return std::less_equal<>()(part.data(), ciphertext.data()) &&
                   std::less_equal<>()(ciphertext.data() + ciphertext.size(),
                                       part.data() + part.size());
        });
    if (!covered || received_tag.empty() || received_tag.size() > sha256_bytes)
        std::abort();
    SecretArray<sha256_bytes> expected;
    HmacSha256(ByteView(mac_key.data(), mac_key.size()))
        .mac_into(expected.mutable_view(), authenticated_parts);
    // The verdict is public (the message is accepted or not); the expected tag stays secret.
    if (!constant_time::declassify_mac_check(constant_time_equal(
            ByteView(expected.view().data(), received_tag.size()), received_tag))) {
        return Error::authentication_failed;
    }
    return AuthenticatedCiphertext(ciphertext);
}

Result<SecureBytes> aes256_cbc_decrypt(std::span<const std::uint8_t, aes256_key_bytes> key,
                                       std::span<const std::uint8_t, aes_block_bytes> iv,
                                       const AuthenticatedCiphertext& authenticated) {
    const ByteView ciphertext = authenticated.bytes();
    // A length EVP's int cannot hold is refused like any other ciphertext this cannot decrypt.
    if (ciphertext.empty() || ciphertext.size() % aes_block_bytes != 0 ||
        ciphertext.size() > aes256_cbc_max_ciphertext_bytes) {
        return Error::authentication_failed;
    }
    EVP_CIPHER_CTX* const context = thread_cipher_context();
    SecureBytes plaintext(ciphertext.size());
    int written = 0;
    int final_written = 0;
    // OpenSSL's own unpadding branches on the decrypted padding bytes (docs/constant-time.md), so
    // it is turned off and done here in constant time. With whole blocks these calls cannot fail.
    if (EVP_DecryptInit_ex2(context, aes256_cbc(), key.data(), iv.data(), nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(context, 0) != 1 ||
        EVP_DecryptUpdate(context, plaintext.data(), &written, ciphertext.data(),
                          static_cast<int>(ciphertext.size())) != 1 ||
        EVP_DecryptFinal_ex(context, plaintext.data() + written, &final_written) != 1 ||
        static_cast<std::size_t>(written) + static_cast<std::size_t>(final_written) !=
            ciphertext.size()) {
        std::abort();
    }
    // Only an authenticated ciphertext gets here (encrypt-then-MAC, DR §3.5), so whether the
    // padding is valid and how long the plaintext is are public (docs/constant-time.md).
    const std::size_t padding =
        constant_time::declassify_padding_length(authenticated, pkcs7_padding_length(plaintext));
    if (padding == 0)
        return Error::authentication_failed;
    plaintext.resize(ciphertext.size() - padding);
    return plaintext;
}

}  // namespace ratchetcheck::crypto
