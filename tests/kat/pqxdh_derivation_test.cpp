// PQXDH's key derivation, recomputed apart from the protocol code: OpenSSL for X25519, HKDF,
// HMAC and AES-256-CBC, the constants typed here from the specification and libsignal (info
// strings, the 32 0xFF bytes, the order of the DH terms), and only the Kyber-1024 shared secret
// taken from the wrapper, whose known answers tests/kat/kyber_kat_test.cpp checks. From the keys a
// recording key source handed out, the test derives SK (PQXDH §2.2, §3.3), Alice's first sending
// chain (DR §3.3 as libsignal runs it) and the first message key, then checks the MAC of Alice's
// first message and decrypts it: a wrong info string, a wrong order of terms or a missing KEM
// secret in the implementation gives other keys, and the test fails.
//
// @evidence check=test:PqxdhDerivation.* functions=SF.KEY_AGREEMENT,SF.PER_MESSAGE_KEYS clauses=PQXDH-2.1,PQXDH-2.2,PQXDH-3.3 mechanisms=KYBER1024,HKDF-SHA256,X25519
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ratchetcheck/crypto/kyber.hpp"
#include "ratchetcheck/party.hpp"
#include "ratchetcheck/wire/signal_message.hpp"

namespace ratchetcheck {
namespace {

using ByteVector = std::vector<std::uint8_t>;

// RecordingKeySource hands out fixed scalars (each a distinct byte pattern) and fixed random
// bytes, and remembers every private key by role, so that the test can redo each DH.
class RecordingKeySource final : public KeySource {
  public:
    Result<crypto::X25519Private> next_private_key(KeyRole role) override {
        crypto::X25519Private key;
        for (std::size_t index = 0; index < 32; ++index)
            key.mutable_view()[index] = static_cast<std::uint8_t>(17 * issued_ + 3 * index + 1);
        // Clamped as every X25519 private key is stored (RFC 7748 §5).
        key.mutable_view()[0] &= 248;
        key.mutable_view()[31] &= 127;
        key.mutable_view()[31] |= 64;
        ++issued_;
        keys.emplace_back(role, ByteVector(key.view().begin(), key.view().end()));
        return key;
    }
    Result<void> fill_secret_random(RandomPurpose, std::span<std::uint8_t> output) override {
        for (std::size_t index = 0; index < output.size(); ++index)
            output[index] = static_cast<std::uint8_t>(0xa5 ^ (draws_ * 29 + index));
        ++draws_;
        return {};
    }
    // the private key of the `occurrence`-th key of `role` handed out
    ByteVector key_of(KeyRole role, std::size_t occurrence = 0) const {
        for (const auto& [issued_role, key] : keys) {
            if (issued_role == role && occurrence-- == 0)
                return key;
        }
        ADD_FAILURE() << "no such key was handed out";
        return ByteVector(32, 0);
    }
    std::vector<std::pair<KeyRole, ByteVector>> keys;

  private:
    std::size_t issued_ = 0;
    std::size_t draws_ = 0;
};

ByteVector bytes_of(std::string_view text) {
    return ByteVector(text.begin(), text.end());
}

// OpenSSL's X25519 of a private scalar and a peer's u-coordinate.
ByteVector x25519(const ByteVector& private_key, std::span<const std::uint8_t> peer_u) {
    EVP_PKEY* own = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), 32);
    EVP_PKEY* peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_u.data(), 32);
    EVP_PKEY_CTX* context = EVP_PKEY_CTX_new(own, nullptr);
    ByteVector shared(32);
    std::size_t length = shared.size();
    const bool ok = own != nullptr && peer != nullptr && context != nullptr &&
                    EVP_PKEY_derive_init(context) == 1 &&
                    EVP_PKEY_derive_set_peer(context, peer) == 1 &&
                    EVP_PKEY_derive(context, shared.data(), &length) == 1 && length == 32;
    EVP_PKEY_CTX_free(context);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(own);
    EXPECT_TRUE(ok) << "OpenSSL X25519 failed";
    return shared;
}

// OpenSSL's HKDF-SHA256 (RFC 5869); an empty salt is HashLen zero bytes.
ByteVector hkdf(const ByteVector& input, const ByteVector& salt, std::string_view info,
                std::size_t length) {
    EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
    const ByteVector zero_salt(32, 0);
    const ByteVector& used_salt = salt.empty() ? zero_salt : salt;
    ByteVector output(length);
    std::size_t output_length = length;
    const bool ok =
        context != nullptr && EVP_PKEY_derive_init(context) == 1 &&
        EVP_PKEY_CTX_set_hkdf_md(context, EVP_sha256()) == 1 &&
        EVP_PKEY_CTX_set1_hkdf_salt(context, used_salt.data(),
                                    static_cast<int>(used_salt.size())) == 1 &&
        EVP_PKEY_CTX_set1_hkdf_key(context, input.data(), static_cast<int>(input.size())) == 1 &&
        EVP_PKEY_CTX_add1_hkdf_info(context, reinterpret_cast<const unsigned char*>(info.data()),
                                    static_cast<int>(info.size())) == 1 &&
        EVP_PKEY_derive(context, output.data(), &output_length) == 1;
    EVP_PKEY_CTX_free(context);
    EXPECT_TRUE(ok) << "OpenSSL HKDF failed";
    return output;
}

ByteVector hmac_sha256(const ByteVector& key, const ByteVector& message) {
    ByteVector output(32);
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(), message.size(),
         output.data(), &length);
    return output;
}

ByteVector aes256_cbc_decrypt(const ByteVector& key, const ByteVector& iv,
                              std::span<const std::uint8_t> ciphertext) {
    EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
    ByteVector plaintext(ciphertext.size() + 16);
    int length = 0;
    int final_length = 0;
    const bool ok =
        context != nullptr &&
        EVP_DecryptInit_ex(context, EVP_aes_256_cbc(), nullptr, key.data(), iv.data()) == 1 &&
        EVP_DecryptUpdate(context, plaintext.data(), &length, ciphertext.data(),
                          static_cast<int>(ciphertext.size())) == 1 &&
        EVP_DecryptFinal_ex(context, plaintext.data() + length, &final_length) == 1;
    EVP_CIPHER_CTX_free(context);
    if (!ok)
        return {};
    plaintext.resize(static_cast<std::size_t>(length + final_length));
    return plaintext;
}

ByteVector slice(const ByteVector& bytes, std::size_t from, std::size_t length) {
    return ByteVector(bytes.begin() + static_cast<std::ptrdiff_t>(from),
                      bytes.begin() + static_cast<std::ptrdiff_t>(from + length));
}

void append(ByteVector& to, std::span<const std::uint8_t> bytes) {
    to.insert(to.end(), bytes.begin(), bytes.end());
}

// The first message of a PQXDH session, and every key the test needs to redo its derivation.
struct FirstMessage {
    RecordingKeySource alice_keys;
    RecordingKeySource bob_keys;
    std::optional<KyberPreKeyRecord> kyber_prekey;
    PreKeyBundle bundle;
    OutgoingMessage message;
    IdentityPublicKey alice_identity;
};

void make_first_message(FirstMessage& first, bool with_one_time_prekey, std::string_view text) {
    const Profile profile = Profile::signal_v4_pqxdh();
    auto alice_identity = generate_identity_key_pair(first.alice_keys);
    auto bob_identity = generate_identity_key_pair(first.bob_keys);
    auto signed_prekey = generate_signed_prekey(bob_identity.value(), 5, first.bob_keys);
    auto one_time_prekey = generate_one_time_prekey(6, first.bob_keys);
    auto kyber = generate_kyber_prekey(bob_identity.value(), 7, false, first.bob_keys);
    ASSERT_TRUE(alice_identity.ok() && bob_identity.ok() && signed_prekey.ok() &&
                one_time_prekey.ok() && kyber.ok());
    first.kyber_prekey.emplace(std::move(kyber).value());
    first.bundle = make_prekey_bundle(9, 1, bob_identity.value().public_key, signed_prekey.value(),
                                      with_one_time_prekey ? &one_time_prekey.value() : nullptr,
                                      &*first.kyber_prekey);
    first.alice_identity = alice_identity.value().public_key;
    Party alice(std::move(alice_identity).value(), 8, first.bundle.identity_key, first.alice_keys,
                profile);
    ASSERT_TRUE(alice.initiate_session(first.bundle).ok());
    const ByteVector plaintext = bytes_of(text);
    auto sent = alice.encrypt(plaintext);
    ASSERT_TRUE(sent.ok());
    first.message = std::move(sent).value();
}

// Recomputes everything from the recorded keys and checks Alice's first message with it.
void check_independently(const FirstMessage& first, bool with_one_time_prekey,
                         std::string_view text) {
    const Profile profile = Profile::signal_v4_pqxdh();
    auto parsed = wire::parse_prekey_signal_message(first.message.bytes, profile.message_version,
                                                    profile.mac_bytes, profile.key_agreement);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    const wire::PreKeySignalMessage& prekey_message = parsed.value();

    const ByteVector identity_alice = first.alice_keys.key_of(KeyRole::identity);
    const ByteVector base = first.alice_keys.key_of(KeyRole::base);
    const ByteVector ratchet = first.alice_keys.key_of(KeyRole::ratchet);

    // PQXDH §3.3: DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B),
    // DH4 = DH(EK_A, OPK_B); SK = KDF(DH1 || DH2 || DH3 [|| DH4] || SS), with the 32 0xFF bytes
    // first (§2.2) and the info string naming curve, hash and KEM (§2.1, libsignal).
    ByteVector secret_input(32, 0xff);
    append(secret_input, x25519(identity_alice, first.bundle.signed_prekey.u));
    append(secret_input, x25519(base, first.bundle.identity_key.u));
    append(secret_input, x25519(base, first.bundle.signed_prekey.u));
    if (with_one_time_prekey)
        append(secret_input, x25519(base, first.bundle.one_time_prekey->key.u));
    ASSERT_TRUE(prekey_message.kyber_ciphertext.has_value());
    const crypto::KyberSharedSecret shared = crypto::kyber1024_decapsulate(
        first.kyber_prekey->secret_key, *prekey_message.kyber_ciphertext);
    append(secret_input, shared.view());
    const ByteVector root_and_chain =
        hkdf(secret_input, {}, "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024", 64);
    const ByteVector root_key = slice(root_and_chain, 0, 32);

    // The initiator's first DH ratchet step on Bob's signed prekey (DR §3.3, libsignal's
    // RatchetInitAlice): (RK', CKs) = HKDF(DH(ratchet, SPK_B), salt RK, "WhisperRatchet").
    const ByteVector step =
        hkdf(x25519(ratchet, first.bundle.signed_prekey.u), root_key, "WhisperRatchet", 64);
    const ByteVector sending_chain = slice(step, 32, 32);
    // KDF_CK and the message keys of counter 0 (DR §5.2 as libsignal runs it).
    const ByteVector seed = hmac_sha256(sending_chain, ByteVector{0x01});
    const ByteVector message_keys = hkdf(seed, {}, "WhisperMessageKeys", 80);
    const ByteVector cipher_key = slice(message_keys, 0, 32);
    const ByteVector mac_key = slice(message_keys, 32, 32);
    const ByteVector iv = slice(message_keys, 64, 16);

    const wire::SignalMessage& inner = prekey_message.message;
    EXPECT_EQ(inner.counter, 0u);
    // The MAC: HMAC(mac key, IK_A || IK_B || version || protobuf), its first 8 bytes.
    ByteVector mac_input;
    append(mac_input, first.alice_identity.serialize());
    append(mac_input, first.bundle.identity_key.serialize());
    append(mac_input, inner.authenticated_bytes);
    const ByteVector mac = hmac_sha256(mac_key, mac_input);
    EXPECT_EQ(ByteVector(inner.mac.begin(), inner.mac.end()), slice(mac, 0, 8))
        << "the message's MAC is not the one the independently derived keys give";
    EXPECT_EQ(aes256_cbc_decrypt(cipher_key, iv, inner.ciphertext), bytes_of(text))
        << "the independently derived keys do not decrypt the message";
}

TEST(PqxdhDerivation, FirstMessageDecryptsUnderIndependentlyDerivedKeys) {
    FirstMessage first;
    make_first_message(first, true, "derived apart");
    check_independently(first, true, "derived apart");
}

TEST(PqxdhDerivation, WithoutOneTimePrekeyThereIsNoDh4) {
    FirstMessage first;
    make_first_message(first, false, "no DH4");
    check_independently(first, false, "no DH4");
}

}  // namespace
}  // namespace ratchetcheck
