// The fuzzing engines' memo of libsodium's public-key operations (fuzz/crypto_memo.cpp): this
// executable is linked like the libFuzzer targets, with the linker's --wrap routing the protocol's
// calls through the memo, and checks that a remembered result is the library's: every Wycheproof
// X25519 case twice (the second pass answered by the memo, rejections included), RFC 7748's public
// key twice, and XEdDSA signatures and verdicts twice. Without this, a memo that kept the wrong
// return value would turn the fuzz targets' rejections into acceptances unnoticed.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto_memo.hpp"
#include "kat_support.hpp"
#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"

namespace ratchetcheck::kat {
namespace {

using nlohmann::json;

// What one pass over the Wycheproof cases computed: the shared secret in hex, or "rejected".
std::vector<std::string> x25519_pass(const json& document, std::size_t& checked) {
    std::vector<std::string> outcomes;
    for (const json& group : document.at("testGroups")) {
        for (const json& test : group.at("tests")) {
            const auto private_bytes =
                array_from_hex<crypto::x25519_bytes>(test.at("private").get<std::string>());
            const auto public_key =
                array_from_hex<crypto::x25519_bytes>(test.at("public").get<std::string>());
            const Bytes expected = bytes_from_hex(test.at("shared").get<std::string>());
            const auto shared = crypto::x25519(crypto::X25519Private(private_bytes), public_key);
            // The rule wycheproof_test.cpp pins for the library: rejected exactly when the
            // correct output is all zero, else Wycheproof's output (invalid cases excepted).
            if (test.at("result") != "invalid") {
                EXPECT_EQ(!shared.ok(), is_all_zero(expected)) << "tcId " << test.at("tcId");
                if (shared.ok()) {
                    EXPECT_EQ(hex_of(shared.value().view()), hex_of(expected))
                        << "tcId " << test.at("tcId");
                }
                ++checked;
            }
            outcomes.push_back(shared.ok() ? hex_of(shared.value().view()) : "rejected");
        }
    }
    return outcomes;
}

// @evidence check=test:CryptoMemo.* mechanisms=X25519,XEdDSA
TEST(CryptoMemo, WycheproofX25519GivesTheLibrarysResultAgainFromTheMemo) {
    const json document = load_json(shared_path("wycheproof") / "x25519_test.json");
    std::size_t checked = 0;
    const auto hits_before = fuzz::statistics().hits;
    const std::vector<std::string> first = x25519_pass(document, checked);
    const auto hits_after_first = fuzz::statistics().hits;
    const std::vector<std::string> second = x25519_pass(document, checked);
    const auto hits_after_second = fuzz::statistics().hits;
    EXPECT_EQ(first, second);
    // Wycheproof repeats a few (private, public) pairs, so the first pass may hit too; the second
    // is answered entirely by the memo.
    EXPECT_LT(hits_after_first - hits_before, first.size());
    EXPECT_EQ(hits_after_second - hits_after_first, second.size());
    EXPECT_GT(std::count(second.begin(), second.end(), "rejected"), 0)
        << "no small-order case: the memo's rejections went unchecked";
    report("crypto_memo_x25519",
           fmt::format("crypto memo: {} Wycheproof X25519 cases computed, then all {} answered by "
                       "the memo with the same outcome",
                       first.size(), second.size()));
}

TEST(CryptoMemo, PublicKeyAndXeddsaGiveTheLibrarysResultAgainFromTheMemo) {
    // RFC 7748 §6.1, Alice's key pair, the scalar clamped as every key the protocol makes is
    // (XEdDSA signs with the scalar itself; X25519 clamps it anyway, so the public key is the
    // RFC's).
    auto alice_scalar = array_from_hex<crypto::x25519_bytes>(
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    crypto::x25519_clamp(alice_scalar);
    const crypto::X25519Private alice(alice_scalar);
    const std::string alice_public =
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    const auto hits_before = fuzz::statistics().hits;
    EXPECT_EQ(hex_of(crypto::x25519_public_key(alice)), alice_public);
    EXPECT_EQ(hex_of(crypto::x25519_public_key(alice)), alice_public);

    const Bytes message = bytes_of_text("memo");
    const std::array<std::uint8_t, crypto::xeddsa_nonce_bytes> nonce{7};
    const crypto::XeddsaSignature signature = crypto::xeddsa_sign(alice, message, nonce);
    EXPECT_EQ(crypto::xeddsa_sign(alice, message, nonce), signature);
    crypto::XeddsaSignature forged = signature;
    forged[40] ^= 0x01;
    const auto public_key = crypto::x25519_public_key(alice);
    for (int pass = 0; pass < 2; ++pass) {
        EXPECT_TRUE(crypto::xeddsa_verify(public_key, message, signature)) << "pass " << pass;
        EXPECT_FALSE(crypto::xeddsa_verify(public_key, message, forged)) << "pass " << pass;
    }
    // The second public key, the second signature's two base-point multiples, the public key for
    // verification and the two verdicts of the second pass.
    EXPECT_GE(fuzz::statistics().hits - hits_before, 6u);
}

}  // namespace
}  // namespace ratchetcheck::kat
