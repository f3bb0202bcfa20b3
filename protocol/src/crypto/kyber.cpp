// Implementation of crypto/kyber.hpp over the C ABI of the Rust crate protocol/kem
// (kyber_abi.h). The types fix every size, so the only length this file has to check is the
// caller's randomness; the crate checks all of them again and a refusal there is a bug here, on
// which the process aborts rather than hand out a key it did not make.
#include "ratchetcheck/crypto/kyber.hpp"

#include "ratchetcheck/crypto/kyber_abi.h"

#include <cstdio>
#include <cstdlib>

namespace ratchetcheck::crypto {
namespace {

static_assert(kyber1024_public_key_bytes == RATCHETCHECK_KYBER1024_PUBLIC_KEY_BYTES);
static_assert(kyber1024_secret_key_bytes == RATCHETCHECK_KYBER1024_SECRET_KEY_BYTES);
static_assert(kyber1024_ciphertext_bytes == RATCHETCHECK_KYBER1024_CIPHERTEXT_BYTES);
static_assert(kyber1024_shared_secret_bytes == RATCHETCHECK_KYBER1024_SHARED_SECRET_BYTES);
static_assert(kyber1024_key_pair_randomness_bytes ==
              RATCHETCHECK_KYBER1024_KEYPAIR_RANDOMNESS_BYTES);
static_assert(kyber1024_encapsulation_randomness_bytes ==
              RATCHETCHECK_KYBER1024_ENCAPSULATE_RANDOMNESS_BYTES);

// require_ok aborts when the crate refused a call whose sizes the types guarantee.
void require_ok(std::int32_t status, const char* function) {
    if (status != RATCHETCHECK_KYBER_OK) {
        std::fprintf(stderr, "ratchetcheck: %s refused sizes fixed by the types (status %d)\n",
                     function, static_cast<int>(status));
        std::abort();
    }
}

}  // namespace

Result<KyberPublicKey> KyberPublicKey::from_bytes(ByteView bytes) {
    if (bytes.size() != kyber1024_public_key_bytes)
        return Error::invalid_key;
    return KyberPublicKey(bytes.first<kyber1024_public_key_bytes>());
}

Result<KyberSecretKey> KyberSecretKey::from_bytes(ByteView bytes) {
    if (bytes.size() != kyber1024_secret_key_bytes)
        return Error::invalid_key;
    return KyberSecretKey(
        SecretArray<kyber1024_secret_key_bytes>(bytes.first<kyber1024_secret_key_bytes>()));
}

Result<KyberCiphertext> KyberCiphertext::from_bytes(ByteView bytes) {
    if (bytes.size() != kyber1024_ciphertext_bytes)
        return Error::malformed;
    return KyberCiphertext(bytes.first<kyber1024_ciphertext_bytes>());
}

Result<KyberKeyPair> kyber1024_generate_key_pair(ByteView randomness) {
    if (randomness.size() != kyber1024_key_pair_randomness_bytes)
        return Error::wrong_randomness_length;
    std::array<std::uint8_t, kyber1024_public_key_bytes> public_key{};
    SecretArray<kyber1024_secret_key_bytes> secret_key;
    require_ok(ratchetcheck_kyber1024_keypair(randomness.data(), randomness.size(),
                                              public_key.data(), public_key.size(),
                                              secret_key.data(), kyber1024_secret_key_bytes),
               "ratchetcheck_kyber1024_keypair");
    return KyberKeyPair{.public_key = KyberPublicKey(public_key),
                        .secret_key = KyberSecretKey(std::move(secret_key))};
}

Result<KyberEncapsulation> kyber1024_encapsulate(const KyberPublicKey& public_key,
                                                 ByteView randomness) {
    if (randomness.size() != kyber1024_encapsulation_randomness_bytes)
        return Error::wrong_randomness_length;
    std::array<std::uint8_t, kyber1024_ciphertext_bytes> ciphertext{};
    KyberSharedSecret shared_secret;
    require_ok(ratchetcheck_kyber1024_encapsulate(
                   public_key.view().data(), public_key.view().size(), randomness.data(),
                   randomness.size(), ciphertext.data(), ciphertext.size(), shared_secret.data(),
                   kyber1024_shared_secret_bytes),
               "ratchetcheck_kyber1024_encapsulate");
    return KyberEncapsulation{.ciphertext = KyberCiphertext(ciphertext),
                              .shared_secret = std::move(shared_secret)};
}

KyberSharedSecret kyber1024_decapsulate(const KyberSecretKey& secret_key,
                                        const KyberCiphertext& ciphertext) {
    KyberSharedSecret shared_secret;
    require_ok(ratchetcheck_kyber1024_decapsulate(
                   secret_key.view().data(), secret_key.view().size(), ciphertext.view().data(),
                   ciphertext.view().size(), shared_secret.data(), kyber1024_shared_secret_bytes),
               "ratchetcheck_kyber1024_decapsulate");
    return shared_secret;
}

}  // namespace ratchetcheck::crypto
