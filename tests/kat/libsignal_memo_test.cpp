// The fuzzing engines' memo of libsignal-protocol-c's public-key operations
// (fuzz/libsignal_memo.cpp): this executable is linked like differential_libsignal's libFuzzer
// build, exporting the memo's curve25519_donna, curve25519_sign and curve25519_verify, so that the
// library's own calls reach them. It drives the library through its public API only and checks
// that the calls were interposed (the memo counted them) and that a remembered result is the
// library's: Wycheproof X25519 key agreements twice (the valid cases against Wycheproof's shared
// secret), a public key twice, and a signature and the verdicts on it and on a forgery twice.
#include <fmt/format.h>
#include <gtest/gtest.h>

extern "C" {
#include <signal/curve.h>
#include <signal/signal_protocol.h>
}

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "crypto_memo.hpp"
#include "kat_support.hpp"

namespace ratchetcheck::kat {
namespace {

using nlohmann::json;

// A libsignal public key from the 32 bytes of an X25519 key (its 0x05-prefixed encoding).
ec_public_key* libsignal_public_key(std::span<const std::uint8_t> bytes) {
    Bytes encoded(1 + bytes.size(), 0x05);
    std::copy(bytes.begin(), bytes.end(), encoded.begin() + 1);
    ec_public_key* key = nullptr;
    EXPECT_EQ(curve_decode_point(&key, encoded.data(), encoded.size(), nullptr), 0);
    return key;
}

ec_private_key* libsignal_private_key(std::span<const std::uint8_t> bytes) {
    ec_private_key* key = nullptr;
    EXPECT_EQ(curve_decode_private_point(&key, bytes.data(), bytes.size(), nullptr), 0);
    return key;
}

// What one pass of libsignal's key agreement over the Wycheproof cases computed, in hex.
std::vector<std::string> agreement_pass(const json& document, std::size_t& valid_checked) {
    std::vector<std::string> outcomes;
    for (const json& group : document.at("testGroups")) {
        for (const json& test : group.at("tests")) {
            const Bytes scalar = bytes_from_hex(test.at("private").get<std::string>());
            ec_private_key* private_key = libsignal_private_key(scalar);
            ec_public_key* public_key =
                libsignal_public_key(bytes_from_hex(test.at("public").get<std::string>()));
            if (private_key == nullptr || public_key == nullptr)
                return outcomes;
            std::uint8_t* shared = nullptr;
            const int length = curve_calculate_agreement(&shared, public_key, private_key);
            std::string outcome = fmt::format("error {}", length);
            if (length > 0) {
                outcome = hex_of(ByteView(shared, static_cast<std::size_t>(length)));
                std::free(shared);
            }
            // libsignal's curve25519_donna does not clamp (its keys are clamped when made), so
            // Wycheproof's shared secret is its answer for a valid case with a clamped scalar.
            const bool clamped =
                (scalar[0] & 7) == 0 && (scalar[31] & 0x80) == 0 && (scalar[31] & 0x40) != 0;
            if (test.at("result") == "valid" && clamped) {
                EXPECT_EQ(outcome, test.at("shared").get<std::string>())
                    << "tcId " << test.at("tcId");
                ++valid_checked;
            }
            outcomes.push_back(outcome);
            SIGNAL_UNREF(private_key);
            SIGNAL_UNREF(public_key);
        }
    }
    return outcomes;
}

// @evidence check=test:LibsignalMemo.* mechanisms=X25519,XEdDSA
TEST(LibsignalMemo, WycheproofAgreementsGiveTheLibrarysResultAgainFromTheMemo) {
    const json document = load_json(shared_path("wycheproof") / "x25519_test.json");
    std::size_t valid_checked = 0;
    const auto lookups_before = fuzz::statistics().lookups;
    const auto hits_before = fuzz::statistics().hits;
    const std::vector<std::string> first = agreement_pass(document, valid_checked);
    const auto hits_after_first = fuzz::statistics().hits;
    const std::vector<std::string> second = agreement_pass(document, valid_checked);
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(first, second);
    // Every agreement reached the memo (the library's call was interposed), Wycheproof repeats a
    // few (private, public) pairs, and the second pass is answered entirely from the memo.
    EXPECT_EQ(fuzz::statistics().lookups - lookups_before, first.size() + second.size());
    EXPECT_LT(hits_after_first - hits_before, first.size());
    EXPECT_EQ(fuzz::statistics().hits - hits_after_first, second.size());
    EXPECT_GT(valid_checked, 0u);
    report("libsignal_memo_x25519",
           fmt::format("libsignal memo: {} Wycheproof X25519 agreements computed by "
                       "libsignal-protocol-c ({} valid ones equal to Wycheproof's), then all {} "
                       "answered by the memo with the same output",
                       first.size(), valid_checked / 2, second.size()));
}

// The crypto provider's random bytes: a counter pattern the test can start again.
std::uint8_t next_random = 0;
int counter_random(std::uint8_t* data, std::size_t length, void*) {
    for (std::size_t i = 0; i < length; ++i)
        data[i] = next_random++;
    return 0;
}

TEST(LibsignalMemo, PublicKeySignatureAndVerdictsGiveTheLibrarysResultAgainFromTheMemo) {
    signal_context* context = nullptr;
    ASSERT_EQ(signal_context_create(&context, nullptr), 0);
    // The library insists on a full provider; signing uses only its random bytes.
    signal_crypto_provider provider{};
    provider.random_func = counter_random;
    provider.hmac_sha256_init_func = [](void**, const std::uint8_t*, std::size_t, void*) {
        return -1;
    };
    provider.hmac_sha256_update_func = [](void*, const std::uint8_t*, std::size_t, void*) {
        return -1;
    };
    provider.hmac_sha256_final_func = [](void*, signal_buffer**, void*) { return -1; };
    provider.hmac_sha256_cleanup_func = [](void*, void*) {};
    provider.sha512_digest_init_func = [](void**, void*) { return -1; };
    provider.sha512_digest_update_func = [](void*, const std::uint8_t*, std::size_t, void*) {
        return -1;
    };
    provider.sha512_digest_final_func = [](void*, signal_buffer**, void*) { return -1; };
    provider.sha512_digest_cleanup_func = [](void*, void*) {};
    provider.encrypt_func = [](signal_buffer**, int, const std::uint8_t*, std::size_t,
                               const std::uint8_t*, std::size_t, const std::uint8_t*, std::size_t,
                               void*) { return -1; };
    provider.decrypt_func = [](signal_buffer**, int, const std::uint8_t*, std::size_t,
                               const std::uint8_t*, std::size_t, const std::uint8_t*, std::size_t,
                               void*) { return -1; };
    ASSERT_EQ(signal_context_set_crypto_provider(context, &provider), 0);

    // RFC 7748 §6.1, Alice's scalar, clamped as libsignal's keys are (its X25519 does not clamp).
    ec_private_key* alice = libsignal_private_key(
        array_from_hex<32>("70076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c6a"));
    ASSERT_NE(alice, nullptr);
    const auto lookups_before = fuzz::statistics().lookups;
    const auto hits_before = fuzz::statistics().hits;
    std::vector<std::string> public_keys;
    for (int pass = 0; pass < 2; ++pass) {
        ec_public_key* public_key = nullptr;
        ASSERT_EQ(curve_generate_public_key(&public_key, alice), 0);
        signal_buffer* encoded = nullptr;
        ASSERT_EQ(ec_public_key_serialize(&encoded, public_key), 0);
        public_keys.push_back(
            hex_of(ByteView(signal_buffer_data(encoded), signal_buffer_len(encoded))));
        signal_buffer_free(encoded);
        SIGNAL_UNREF(public_key);
    }
    EXPECT_EQ(public_keys[0], "058520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    EXPECT_EQ(public_keys[1], public_keys[0]);

    const Bytes message = bytes_of_text("memo");
    std::vector<Bytes> signatures;
    for (int pass = 0; pass < 2; ++pass) {
        next_random = 0;
        signal_buffer* signature = nullptr;
        ASSERT_EQ(
            curve_calculate_signature(context, &signature, alice, message.data(), message.size()),
            0);
        signatures.emplace_back(signal_buffer_data(signature),
                                signal_buffer_data(signature) + signal_buffer_len(signature));
        signal_buffer_free(signature);
    }
    EXPECT_EQ(signatures[1], signatures[0]);
    Bytes forged = signatures[0];
    forged[40] ^= 0x01;
    ec_public_key* alice_public = nullptr;
    ASSERT_EQ(curve_generate_public_key(&alice_public, alice), 0);
    for (int pass = 0; pass < 2; ++pass) {
        EXPECT_EQ(curve_verify_signature(alice_public, message.data(), message.size(),
                                         signatures[0].data(), signatures[0].size()),
                  1)
            << "pass " << pass;
        EXPECT_EQ(curve_verify_signature(alice_public, message.data(), message.size(),
                                         forged.data(), forged.size()),
                  0)
            << "pass " << pass;
    }
    // Two public keys, two signatures, one more public key and four verdicts reached the memo;
    // the second public key, the second signature, the third public key and the second pass's
    // two verdicts came from it.
    EXPECT_EQ(fuzz::statistics().lookups - lookups_before, 9u);
    EXPECT_EQ(fuzz::statistics().hits - hits_before, 5u);
    SIGNAL_UNREF(alice_public);
    SIGNAL_UNREF(alice);
    signal_context_destroy(context);
}

}  // namespace
}  // namespace ratchetcheck::kat
