// Constant-time checks (label `ct`, docs/constant-time.md): each test poisons the secrets it hands
// to one secret-handling operation (constant_time::poison, i.e. VALGRIND_MAKE_MEM_UNDEFINED) and
// runs it under valgrind's memcheck. A branch or memory index that depends on a secret is then a
// memcheck error, which fails the test (the fixture compares memcheck's error count before and
// after) and valgrind's exit status (--error-exitcode). Outside valgrind every test fails: a
// poison that does nothing would make them pass for no reason.
//
// Each test also shows that the poison reached what it checks (is_poisoned on a derived secret)
// and that the values the protocol publishes come out declassified.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "ratchetcheck/crypto/constant_time.hpp"
#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/party.hpp"
#include "session_state.hpp"

namespace ratchetcheck {
namespace {

namespace ct = constant_time;

// rerun_command is the command that re-runs the current test alone, set per test by
// tests/ct/CMakeLists.txt (RATCHETCHECK_CT_RERUN).
std::string rerun_command() {
    const char* command = std::getenv("RATCHETCHECK_CT_RERUN");
    return command != nullptr ? command
                              : "ctest --test-dir build/default -L ct --output-on-failure";
}

class ConstantTime : public ::testing::Test {
  protected:
    void SetUp() override {
        std::cout << "re-run: " << rerun_command() << "\n";
        ASSERT_TRUE(ct::running_under_memcheck())
            << "the constant-time checks must run under valgrind --tool=memcheck (outside it "
               "poisoning does nothing); run: "
            << rerun_command();
        errors_before_ = ct::memcheck_error_count();
    }
    void TearDown() override {
        const unsigned errors = ct::memcheck_error_count() - errors_before_;
        EXPECT_EQ(errors, 0u) << "memcheck reported " << errors
                              << " error(s) above: a branch or a memory index depends on a secret "
                                 "(see docs/constant-time.md); re-run: "
                              << rerun_command();
    }

  private:
    unsigned errors_before_ = 0;
};

ByteView text_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// deterministic_secret fills a secret with HMAC-SHA256(label, counter || block) bytes: the same
// keys on every run, so a memcheck report always points at the same values.
template <std::size_t N>
SecretArray<N> deterministic_secret(std::string_view label, std::uint64_t counter) {
    SecretArray<N> secret;
    const crypto::HmacSha256 generator(text_bytes(label));
    for (std::size_t offset = 0; offset < N; offset += crypto::sha256_bytes) {
        std::array<std::uint8_t, 9> input{};
        for (std::size_t index = 0; index < 8; ++index)
            input[index] = static_cast<std::uint8_t>(counter >> (8 * (7 - index)));
        input[8] = static_cast<std::uint8_t>(offset / crypto::sha256_bytes);
        const crypto::Sha256Digest block = generator.mac(input);
        std::copy_n(block.begin(), std::min(crypto::sha256_bytes, N - offset),
                    secret.mutable_view().begin() + static_cast<std::ptrdiff_t>(offset));
    }
    return secret;
}

// A secret the test owns, filled deterministically and poisoned.
template <std::size_t N>
SecretArray<N> poisoned_secret(std::uint64_t counter) {
    SecretArray<N> secret = deterministic_secret<N>("ct-secret", counter);
    ct::poison(secret.view());
    return secret;
}

crypto::X25519Private poisoned_private_key(std::uint64_t counter) {
    crypto::X25519Private key = poisoned_secret<crypto::x25519_bytes>(counter);
    crypto::x25519_clamp(key.mutable_view());
    return key;
}

// test_equal compares two secrets for the test's own assertion: copies are unpoisoned, so the
// comparison itself is not reported.
template <std::size_t N>
bool test_equal(const SecretArray<N>& left, const SecretArray<N>& right) {
    SecretArray<N> left_copy = left.clone();
    SecretArray<N> right_copy = right.clone();
    ct::unpoison(left_copy.view());
    ct::unpoison(right_copy.view());
    return left_copy.view().size() == right_copy.view().size() &&
           std::equal(left_copy.view().begin(), left_copy.view().end(), right_copy.view().begin());
}

// PoisoningKeySource hands out deterministic clamped keys, poisoned: every private key the
// protocol generates is a secret to memcheck from the moment it exists.
class PoisoningKeySource final : public KeySource {
  public:
    explicit PoisoningKeySource(std::uint64_t seed) : seed_(seed) {}
    [[nodiscard]] Result<crypto::X25519Private> next_private_key(KeyRole) override {
        crypto::X25519Private key =
            deterministic_secret<crypto::x25519_bytes>("ct-key", (seed_ << 32) | issued_++);
        crypto::x25519_clamp(key.mutable_view());
        ct::poison(key.view());
        return key;
    }

  private:
    std::uint64_t seed_;
    std::uint64_t issued_ = 0;
};

// Two parties with poisoned keys; Bob has published a signed and a one-time prekey.
struct Conversation {
    PoisoningKeySource alice_keys{1};
    PoisoningKeySource bob_keys{2};
    std::optional<Party> alice;
    std::optional<Party> bob;
    PreKeyBundle bundle;

    Conversation() {
        auto alice_identity = generate_identity_key_pair(alice_keys);
        auto bob_identity = generate_identity_key_pair(bob_keys);
        EXPECT_TRUE(alice_identity.ok() && bob_identity.ok());
        auto signed_prekey = generate_signed_prekey(bob_identity.value(), 7, bob_keys);
        auto one_time_prekey = generate_one_time_prekey(11, bob_keys);
        EXPECT_TRUE(signed_prekey.ok() && one_time_prekey.ok());
        bundle = make_prekey_bundle(2, 1, bob_identity.value().public_key, signed_prekey.value(),
                                    &one_time_prekey.value());
        alice.emplace(std::move(alice_identity).value(), 1, std::nullopt, alice_keys);
        bob.emplace(std::move(bob_identity).value(), 2, std::nullopt, bob_keys);
        bob->add_signed_prekey(std::move(signed_prekey).value());
        bob->add_one_time_prekey(std::move(one_time_prekey).value());
    }
};

// send encrypts `text`; the message the protocol returns must be public (declassified).
OutgoingMessage send(Party& sender, std::string_view text) {
    auto message = sender.encrypt(text_bytes(text));
    EXPECT_TRUE(message.ok());
    if (!message.ok())
        return {};
    EXPECT_FALSE(ct::is_poisoned(message.value().bytes)) << "a sent message is still secret";
    return std::move(message).value();
}

// receive decrypts and returns the plaintext, which must come out declassified.
std::string receive(Party& receiver, const OutgoingMessage& message) {
    auto plaintext = receiver.decrypt(message.type, message.bytes);
    if (!plaintext.ok())
        return "<rejected>";
    EXPECT_FALSE(ct::is_poisoned(plaintext.value()))
        << "an authenticated plaintext is still secret";
    return {plaintext.value().begin(), plaintext.value().end()};
}

// The whole label, not test:ct_*: the valgrind checks are not registered under the asan preset
// (decisions E16), where a test pattern would be a stale annotation; the label exists in both.
// @evidence check=label:ct functions=SF.CONSTANT_TIME
TEST_F(ConstantTime, X25519Agreement) {
    const crypto::X25519Private alice = poisoned_private_key(1);
    const crypto::X25519Private bob = poisoned_private_key(2);
    const crypto::X25519Public alice_public = crypto::x25519_public_key(alice);
    const crypto::X25519Public bob_public = crypto::x25519_public_key(bob);
    EXPECT_FALSE(ct::is_poisoned(alice_public)) << "a public key is published";
    auto alice_shared = crypto::x25519(alice, bob_public);
    auto bob_shared = crypto::x25519(bob, alice_public);
    ASSERT_TRUE(alice_shared.ok() && bob_shared.ok());
    EXPECT_TRUE(ct::is_poisoned(alice_shared.value().view())) << "the shared secret is secret";
    EXPECT_TRUE(test_equal(alice_shared.value(), bob_shared.value()));
}

TEST_F(ConstantTime, KeyGeneration) {
    // SodiumKeySource's steps on a poisoned random scalar: clamp, public key.
    SecretArray<crypto::x25519_bytes> random = poisoned_secret<crypto::x25519_bytes>(3);
    crypto::x25519_clamp(random.mutable_view());
    EXPECT_TRUE(ct::is_poisoned(random.view()));
    EXPECT_FALSE(ct::is_poisoned(crypto::x25519_public_key(random)));

    // The key-material API: identity, signed prekey (signed with XEdDSA), one-time prekey.
    PoisoningKeySource source(4);
    auto identity = generate_identity_key_pair(source);
    ASSERT_TRUE(identity.ok());
    auto signed_prekey = generate_signed_prekey(identity.value(), 1, source);
    auto one_time_prekey = generate_one_time_prekey(2, source);
    ASSERT_TRUE(signed_prekey.ok() && one_time_prekey.ok());
    EXPECT_TRUE(ct::is_poisoned(identity.value().private_key.view()));
    EXPECT_FALSE(ct::is_poisoned(identity.value().public_key.u));
    EXPECT_FALSE(ct::is_poisoned(signed_prekey.value().signature));
    EXPECT_FALSE(ct::is_poisoned(one_time_prekey.value().key_pair.public_key.u));
}

TEST_F(ConstantTime, XeddsaSignAndVerify) {
    const crypto::X25519Private signer = poisoned_private_key(5);
    const SecretArray<crypto::xeddsa_nonce_bytes> random =
        poisoned_secret<crypto::xeddsa_nonce_bytes>(6);
    const crypto::X25519Public signer_public = crypto::x25519_public_key(signer);
    const ByteView message = text_bytes("signed prekey");
    const crypto::XeddsaSignature signature = crypto::xeddsa_sign(signer, message, random.view());
    EXPECT_FALSE(ct::is_poisoned(signature)) << "a signature is published";
    // Verification works on public values only: nothing poisoned reaches it, and the verdict is
    // defined.
    const bool valid = crypto::xeddsa_verify(signer_public, message, signature);
    EXPECT_FALSE(ct::is_poisoned(ByteView(reinterpret_cast<const std::uint8_t*>(&valid), 1)));
    EXPECT_TRUE(valid);
    // The same with the drawn randomness of the two-argument form.
    EXPECT_TRUE(
        crypto::xeddsa_verify(signer_public, message, crypto::xeddsa_sign(signer, message)));
}

TEST_F(ConstantTime, HkdfAndRootAndChainKeyDerivation) {
    // HKDF with a secret salt (as KDF_RK uses it) and with the zero salt.
    const SecretArray<32> input_key_material = poisoned_secret<32>(7);
    const SecretArray<32> salt = poisoned_secret<32>(8);
    SecretArray<64> output;
    ASSERT_TRUE(crypto::hkdf_sha256(input_key_material.view(), salt.view(), text_bytes("info"),
                                    output.mutable_view())
                    .ok());
    EXPECT_TRUE(ct::is_poisoned(output.view()));
    SecretArray<80> zero_salt_output;
    ASSERT_TRUE(crypto::hkdf_sha256_zero_salt(input_key_material.view(), text_bytes("info"),
                                              zero_salt_output.mutable_view())
                    .ok());
    EXPECT_TRUE(ct::is_poisoned(zero_salt_output.view()));

    // KDF_RK: the root key is HKDF's salt.
    const RootKey root{poisoned_secret<32>(9)};
    RootKey next_root;
    ChainKey next_chain;
    kdf_root(root, input_key_material, next_root, next_chain);
    EXPECT_TRUE(ct::is_poisoned(next_root.key.view()));
    EXPECT_TRUE(ct::is_poisoned(next_chain.key.view()));
}

TEST_F(ConstantTime, ChainStepAndMessageKeyDerivation) {
    // KDF_CK and the message keys (HKDF "WhisperMessageKeys"), several steps along a chain.
    ChainKey chain{poisoned_secret<32>(10), 0};
    for (int step = 0; step < 4; ++step) {
        ChainStep next = step_chain(chain);
        EXPECT_TRUE(ct::is_poisoned(next.message_keys.cipher_key.view()));
        EXPECT_TRUE(ct::is_poisoned(next.message_keys.mac_key.view()));
        EXPECT_TRUE(ct::is_poisoned(next.message_keys.iv.view()));
        chain = std::move(next.next);
    }
    EXPECT_EQ(chain.index, 4u);
}

TEST_F(ConstantTime, Aes256CbcEncryptAndDecrypt) {
    const SecretArray<crypto::aes256_key_bytes> key = poisoned_secret<32>(11);
    const SecretArray<crypto::aes_block_bytes> iv = poisoned_secret<16>(12);
    const SecretArray<32> mac_key = poisoned_secret<32>(14);
    // Every plaintext length mod 16, so every padding length is decrypted once.
    for (std::size_t length = 0; length <= 33; ++length) {
        SecureBytes plaintext(length, 0x61);
        ct::poison(plaintext);
        const Bytes ciphertext = crypto::aes256_cbc_encrypt(key.view(), iv.view(), plaintext);
        EXPECT_FALSE(ct::is_poisoned(ciphertext)) << "a ciphertext is sent";
        // Decryption takes only an authenticated ciphertext (crypto/authenticated.hpp).
        const auto authenticated =
            crypto::verify_mac(mac_key.view(), {ciphertext},
                               crypto::hmac_sha256(mac_key.view(), ciphertext), ciphertext);
        ASSERT_TRUE(authenticated.ok());
        auto decrypted = crypto::aes256_cbc_decrypt(key.view(), iv.view(), authenticated.value());
        ASSERT_TRUE(decrypted.ok());
        EXPECT_EQ(decrypted.value().size(), length);
        if (length > 0) {
            EXPECT_TRUE(ct::is_poisoned(decrypted.value()));
        }
        ct::unpoison(decrypted.value());
        EXPECT_EQ(decrypted.value(), SecureBytes(length, 0x61));
    }
}

TEST_F(ConstantTime, MacMakeAndCheck) {
    const SecretArray<32> mac_key = poisoned_secret<32>(13);
    const ByteView message = text_bytes("header and ciphertext");
    const crypto::Sha256Digest tag = crypto::HmacSha256(mac_key.view()).mac(message);
    EXPECT_TRUE(ct::is_poisoned(tag));
    // The received tag is public; the check's verdict is declassified, the expected tag is not.
    crypto::Sha256Digest received = tag;
    ct::unpoison(received);
    EXPECT_TRUE(ct::declassify_mac_check(constant_time_equal(tag, received)));
    received[31] ^= 0x01;
    EXPECT_FALSE(ct::declassify_mac_check(constant_time_equal(tag, received)));
}

TEST_F(ConstantTime, X3dhBothSides) {
    Conversation conversation;
    ASSERT_TRUE(conversation.alice->initiate_session(conversation.bundle).ok());
    const OutgoingMessage first = send(*conversation.alice, "hello bob");
    EXPECT_EQ(first.type, MessageType::prekey_message);
    EXPECT_EQ(receive(*conversation.bob, first), "hello bob");
}

TEST_F(ConstantTime, EncryptDecryptOneWay) {
    Conversation conversation;
    ASSERT_TRUE(conversation.alice->initiate_session(conversation.bundle).ok());
    EXPECT_EQ(receive(*conversation.bob, send(*conversation.alice, "first")), "first");
    // Same sending chain: in order, then one skipped and received late (a stored key).
    EXPECT_EQ(receive(*conversation.bob, send(*conversation.alice, "second")), "second");
    const OutgoingMessage late = send(*conversation.alice, "late");
    EXPECT_EQ(receive(*conversation.bob, send(*conversation.alice, "fourth")), "fourth");
    EXPECT_EQ(receive(*conversation.bob, late), "late");
}

TEST_F(ConstantTime, EncryptDecryptWithDhSteps) {
    Conversation conversation;
    ASSERT_TRUE(conversation.alice->initiate_session(conversation.bundle).ok());
    EXPECT_EQ(receive(*conversation.bob, send(*conversation.alice, "ping 0")), "ping 0");
    for (int round = 1; round <= 2; ++round) {
        const std::string reply = std::string("pong ").append(std::to_string(round));
        EXPECT_EQ(receive(*conversation.alice, send(*conversation.bob, reply)), reply);
        const std::string next = std::string("ping ").append(std::to_string(round));
        EXPECT_EQ(receive(*conversation.bob, send(*conversation.alice, next)), next);
    }
    // A forged SignalMessage (its MAC's last byte flipped) is rejected: the MAC check's verdict
    // is declassified, the expected tag is not.
    OutgoingMessage forged = send(*conversation.alice, "forged");
    ASSERT_EQ(forged.type, MessageType::signal_message);
    forged.bytes.back() ^= 0x01;
    EXPECT_EQ(receive(*conversation.bob, forged), "<rejected>");
}

TEST_F(ConstantTime, StateSaveAndLoad) {
    Conversation conversation;
    ASSERT_TRUE(conversation.alice->initiate_session(conversation.bundle).ok());
    EXPECT_EQ(receive(*conversation.bob, send(*conversation.alice, "before")), "before");
    const OutgoingMessage late = send(*conversation.alice, "skipped");
    EXPECT_EQ(receive(*conversation.bob, send(*conversation.alice, "jump")), "jump");

    // Save and load both parties; the saved states hold (poisoned) secrets.
    const SecureBytes alice_state = conversation.alice->serialize();
    const SecureBytes bob_state = conversation.bob->serialize();
    EXPECT_TRUE(ct::is_poisoned(alice_state) && ct::is_poisoned(bob_state));
    auto alice = Party::deserialize(alice_state, conversation.alice_keys);
    auto bob = Party::deserialize(bob_state, conversation.bob_keys);
    ASSERT_TRUE(alice.ok() && bob.ok());
    conversation.alice = std::move(alice).value();
    conversation.bob = std::move(bob).value();

    // The loaded parties go on: a stored skipped key, then a DH step each way.
    EXPECT_EQ(receive(*conversation.bob, late), "skipped");
    EXPECT_EQ(receive(*conversation.alice, send(*conversation.bob, "after")), "after");
    EXPECT_EQ(receive(*conversation.bob, send(*conversation.alice, "again")), "again");
}

}  // namespace
}  // namespace ratchetcheck
