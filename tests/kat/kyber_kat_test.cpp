// Kyber-1024 (round 3) through our wrapper (crypto/kyber.hpp, the Rust crate protocol/kem, and
// libcrux-ml-kem behind it), against the round-3 known answers of ../shared/kem/kyber_r3_kat.vec.
//
// The answers were made by the round-3 reference implementation's PQCgenKAT_kem, which seeds the
// NIST AES-256-CTR DRBG (its rng.c: randombytes_init / randombytes) with each entry's 48-byte Seed
// and then calls crypto_kem_keypair and crypto_kem_enc, which draw their randomness from it. This
// file implements that DRBG (AES-256 from OpenSSL) and draws in the reference implementation's
// order: key generation takes 32 bytes (d, the IND-CPA key seed) and then, in a second call, 32
// bytes (z); encapsulation takes 32 bytes (m). Every call of randombytes ends with a DRBG update,
// so two 32-byte draws differ from one 64-byte draw; KyberKat.TheAnswersPinTheOrderOfTheRandomness
// shows that the answers tell the orders apart.
//
// The file gives the shared secret in full and the first 16 bytes of SHAKE-256 over the public
// key, the secret key and the ciphertext (its README); all four are checked, and decapsulation
// must give the same shared secret back.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kat_support.hpp"
#include "ratchetcheck/crypto/kyber.hpp"
#include "ratchetcheck/crypto/kyber_abi.h"

namespace ratchetcheck::kat {
namespace {

using crypto::KyberCiphertext;
using crypto::KyberPublicKey;
using crypto::KyberSecretKey;

constexpr std::size_t kat_digest_bytes = 16;
constexpr std::size_t drbg_seed_bytes = 48;
constexpr std::size_t entries_per_parameter_set = 25;

using Digest16 = std::array<std::uint8_t, kat_digest_bytes>;

// --- The NIST PQC KAT generator's DRBG -----------------------------------------------------------

// aes256_encrypt_block is AES-256 of one 16-byte block (ECB, no padding), as rng.c's AES256_ECB.
std::array<std::uint8_t, 16> aes256_encrypt_block(const std::array<std::uint8_t, 32>& key,
                                                  const std::array<std::uint8_t, 16>& block) {
    const std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> context(
        EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    std::array<std::uint8_t, 16> output{};
    int written = 0;
    if (!context ||
        EVP_EncryptInit_ex(context.get(), EVP_aes_256_ecb(), nullptr, key.data(), nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(context.get(), 0) != 1 ||
        EVP_EncryptUpdate(context.get(), output.data(), &written, block.data(),
                          static_cast<int>(block.size())) != 1 ||
        written != static_cast<int>(output.size())) {
        throw std::runtime_error("OpenSSL AES-256-ECB failed");
    }
    return output;
}

// NistKatDrbg is the AES-256-CTR DRBG of the NIST PQC submissions' rng.c (SP 800-90A's CTR_DRBG
// without derivation function or reseeding, as PQCgenKAT_kem uses it): randombytes_init with a
// 48-byte entropy input and no personalization string, then randombytes.
class NistKatDrbg {
  public:
    // randombytes_init: Key = 0, V = 0, then Update(entropy_input).
    explicit NistKatDrbg(std::span<const std::uint8_t, drbg_seed_bytes> entropy_input) {
        update(entropy_input);
    }

    // randombytes: one AES block per 16 output bytes (V incremented before each, the last block
    // truncated), then Update with no input.
    Bytes draw(std::size_t length) {
        Bytes output;
        output.reserve(length);
        while (output.size() < length) {
            increment_counter();
            const auto block = aes256_encrypt_block(key_, counter_);
            const std::size_t take = std::min<std::size_t>(block.size(), length - output.size());
            output.insert(output.end(), block.begin(), block.begin() + take);
        }
        update(std::nullopt);
        return output;
    }

  private:
    // AES256_CTR_DRBG_Update: three blocks of keystream, XORed with the provided data (if any),
    // become the new Key (32 bytes) and V (16 bytes).
    void update(std::optional<std::span<const std::uint8_t, drbg_seed_bytes>> provided_data) {
        std::array<std::uint8_t, drbg_seed_bytes> temp{};
        for (std::size_t block_index = 0; block_index < 3; ++block_index) {
            increment_counter();
            const auto block = aes256_encrypt_block(key_, counter_);
            std::copy(block.begin(), block.end(), temp.begin() + 16 * block_index);
        }
        if (provided_data) {
            for (std::size_t index = 0; index < temp.size(); ++index)
                temp[index] ^= (*provided_data)[index];
        }
        std::copy(temp.begin(), temp.begin() + 32, key_.begin());
        std::copy(temp.begin() + 32, temp.end(), counter_.begin());
    }

    // V is a 128-bit big-endian counter.
    void increment_counter() {
        for (std::size_t index = counter_.size(); index-- > 0;) {
            if (++counter_[index] != 0)
                break;
        }
    }

    std::array<std::uint8_t, 32> key_{};
    std::array<std::uint8_t, 16> counter_{};
};

// --- Digests
// --------------------------------------------------------------------------------------

Bytes openssl_digest(const EVP_MD* algorithm, std::initializer_list<ByteView> parts,
                     std::optional<std::size_t> xof_length) {
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                          &EVP_MD_CTX_free);
    if (!context || EVP_DigestInit_ex(context.get(), algorithm, nullptr) != 1)
        throw std::runtime_error("OpenSSL digest init failed");
    for (const ByteView part : parts) {
        if (EVP_DigestUpdate(context.get(), part.data(), part.size()) != 1)
            throw std::runtime_error("OpenSSL digest update failed");
    }
    Bytes output(xof_length.value_or(static_cast<std::size_t>(EVP_MD_get_size(algorithm))));
    const int finished = xof_length
                             ? EVP_DigestFinalXOF(context.get(), output.data(), output.size())
                             : EVP_DigestFinal_ex(context.get(), output.data(), nullptr);
    if (finished != 1)
        throw std::runtime_error("OpenSSL digest final failed");
    return output;
}

// shake256_16 is the first 16 bytes of SHAKE-256 of `bytes`: the file's PK, SK and CT.
Digest16 shake256_16(ByteView bytes) {
    const Bytes digest = openssl_digest(EVP_shake256(), {bytes}, kat_digest_bytes);
    Digest16 result{};
    std::copy(digest.begin(), digest.end(), result.begin());
    return result;
}

// --- The known-answer file -----------------------------------------------------------------------

struct KyberKnownAnswer {
    std::size_t line = 0;  // of its Seed, for failure messages
    std::array<std::uint8_t, drbg_seed_bytes> seed{};
    std::array<std::uint8_t, crypto::kyber1024_shared_secret_bytes> shared_secret{};
    Digest16 public_key_digest{};
    Digest16 secret_key_digest{};
    Digest16 ciphertext_digest{};
};

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos)
        return "";
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

// load_known_answers reads every entry of section `[parameter_set]` of kyber_r3_kat.vec. An entry
// is a Seed line followed by SS, PK, SK and CT; anything else (a missing field, an unknown key, a
// value of the wrong length) throws, so a damaged file fails the test instead of checking less.
std::vector<KyberKnownAnswer> load_known_answers(const std::string& parameter_set) {
    const auto path = shared_path("kem/kyber_r3_kat.vec");
    std::ifstream stream(path);
    if (!stream)
        throw std::runtime_error("cannot open " + path.string());
    std::vector<KyberKnownAnswer> answers;
    std::string section;
    std::string line;
    std::size_t line_number = 0;
    std::vector<std::string> fields_seen;
    const auto finish_entry = [&] {
        if (!fields_seen.empty() &&
            fields_seen != std::vector<std::string>{"Seed", "SS", "PK", "SK", "CT"}) {
            throw std::runtime_error(
                fmt::format("{}: entry at line {} does not have exactly Seed, SS, PK, SK, CT",
                            path.string(), answers.back().line));
        }
        fields_seen.clear();
    };
    while (std::getline(stream, line)) {
        ++line_number;
        line = trimmed(line);
        if (line.empty() || line.front() == '#')
            continue;
        if (line.front() == '[') {
            if (section == parameter_set)
                finish_entry();
            section = line.substr(1, line.find(']') - 1);
            continue;
        }
        if (section != parameter_set)
            continue;
        const auto equals = line.find('=');
        if (equals == std::string::npos)
            throw std::runtime_error(fmt::format("{}:{}: no '='", path.string(), line_number));
        const std::string key = trimmed(line.substr(0, equals));
        const std::string value = trimmed(line.substr(equals + 1));
        if (key == "Seed") {
            finish_entry();
            answers.push_back(KyberKnownAnswer{});
            answers.back().line = line_number;
            answers.back().seed = array_from_hex<drbg_seed_bytes>(value);
        } else if (answers.empty()) {
            throw std::runtime_error(
                fmt::format("{}:{}: {} before any Seed", path.string(), line_number, key));
        } else if (key == "SS") {
            answers.back().shared_secret =
                array_from_hex<crypto::kyber1024_shared_secret_bytes>(value);
        } else if (key == "PK") {
            answers.back().public_key_digest = array_from_hex<kat_digest_bytes>(value);
        } else if (key == "SK") {
            answers.back().secret_key_digest = array_from_hex<kat_digest_bytes>(value);
        } else if (key == "CT") {
            answers.back().ciphertext_digest = array_from_hex<kat_digest_bytes>(value);
        } else {
            throw std::runtime_error(
                fmt::format("{}:{}: unknown key {}", path.string(), line_number, key));
        }
        fields_seen.push_back(key);
    }
    if (section == parameter_set)
        finish_entry();
    return answers;
}

// --- The checks ----------------------------------------------------------------------------------

// What one entry gives through our wrapper, drawing from the DRBG in the reference order.
struct WrapperRun {
    crypto::KyberKeyPair key_pair;
    crypto::KyberEncapsulation encapsulation;
};

// The reference order, and two wrong ones that show the answers tell them apart.
enum class RandomnessOrder { reference, d_and_z_in_one_draw, z_then_d };

WrapperRun run_entry(const KyberKnownAnswer& answer,
                     RandomnessOrder order = RandomnessOrder::reference) {
    NistKatDrbg drbg(answer.seed);
    Bytes key_pair_randomness;
    if (order == RandomnessOrder::d_and_z_in_one_draw) {
        key_pair_randomness = drbg.draw(64);
    } else {
        const Bytes first = drbg.draw(32);   // d: indcpa_keypair's randombytes
        const Bytes second = drbg.draw(32);  // z: crypto_kem_keypair's randombytes, after it
        const bool swapped = order == RandomnessOrder::z_then_d;
        key_pair_randomness = swapped ? second : first;
        const Bytes& z = swapped ? first : second;
        key_pair_randomness.insert(key_pair_randomness.end(), z.begin(), z.end());
    }
    auto key_pair = crypto::kyber1024_generate_key_pair(key_pair_randomness);
    if (!key_pair)
        throw std::runtime_error("key generation refused 64 bytes of randomness");
    const Bytes message = drbg.draw(32);  // m: crypto_kem_enc's randombytes
    auto encapsulation = crypto::kyber1024_encapsulate(key_pair.value().public_key, message);
    if (!encapsulation)
        throw std::runtime_error("encapsulation refused 32 bytes of randomness");
    return WrapperRun{.key_pair = std::move(key_pair).value(),
                      .encapsulation = std::move(encapsulation).value()};
}

// @evidence check=test:KyberKat.* mechanisms=KYBER1024
TEST(KyberKat, TheDrbgGivesTheSeedsOfTheKatGenerator) {
    // PQCgenKAT_kem seeds the same DRBG with the bytes 0, 1, ..., 47 and draws each entry's Seed
    // from it in turn: a check of the DRBG that does not involve Kyber at all.
    std::array<std::uint8_t, drbg_seed_bytes> entropy_input{};
    for (std::size_t index = 0; index < entropy_input.size(); ++index)
        entropy_input[index] = static_cast<std::uint8_t>(index);
    NistKatDrbg drbg(entropy_input);
    const auto answers = load_known_answers("Kyber-1024-r3");
    ASSERT_EQ(answers.size(), entries_per_parameter_set);
    for (const KyberKnownAnswer& answer : answers) {
        const Bytes seed = drbg.draw(drbg_seed_bytes);
        EXPECT_EQ(hex_of(seed), hex_of(answer.seed)) << "Seed at line " << answer.line;
    }
}

TEST(KyberKat, EveryKyber1024AnswerMatches) {
    const auto answers = load_known_answers("Kyber-1024-r3");
    // The README promises 25 per parameter set: fewer would mean the parser skipped some.
    ASSERT_EQ(answers.size(), entries_per_parameter_set);
    std::size_t passed = 0;
    for (const KyberKnownAnswer& answer : answers) {
        SCOPED_TRACE(fmt::format("entry with Seed at line {}", answer.line));
        const WrapperRun run = run_entry(answer);
        const auto public_key_digest = shake256_16(run.key_pair.public_key.view());
        const auto secret_key_digest = shake256_16(run.key_pair.secret_key.view());
        const auto ciphertext_digest = shake256_16(run.encapsulation.ciphertext.view());
        const auto decapsulated =
            crypto::kyber1024_decapsulate(run.key_pair.secret_key, run.encapsulation.ciphertext);
        const bool matches = public_key_digest == answer.public_key_digest &&
                             secret_key_digest == answer.secret_key_digest &&
                             ciphertext_digest == answer.ciphertext_digest &&
                             std::equal(answer.shared_secret.begin(), answer.shared_secret.end(),
                                        run.encapsulation.shared_secret.view().begin()) &&
                             decapsulated.equals(run.encapsulation.shared_secret);
        EXPECT_EQ(hex_of(public_key_digest), hex_of(answer.public_key_digest)) << "PK";
        EXPECT_EQ(hex_of(secret_key_digest), hex_of(answer.secret_key_digest)) << "SK";
        EXPECT_EQ(hex_of(ciphertext_digest), hex_of(answer.ciphertext_digest)) << "CT";
        EXPECT_EQ(hex_of(run.encapsulation.shared_secret.view()), hex_of(answer.shared_secret))
            << "SS (encapsulation)";
        EXPECT_EQ(hex_of(decapsulated.view()), hex_of(answer.shared_secret))
            << "SS (decapsulation)";
        passed += matches ? 1 : 0;
    }
    report("kyber1024_r3_kat",
           fmt::format("Kyber-1024 round 3: {} of {} known answers match (SS, and the SHAKE-256 "
                       "digests of PK, SK, CT)",
                       passed, answers.size()));
    EXPECT_EQ(passed, answers.size());
}

TEST(KyberKat, TheAnswersPinTheOrderOfTheRandomness) {
    // d alone makes the public key, d and z the secret key. One 64-byte draw instead of two
    // 32-byte draws (each randombytes call ends with a DRBG update) keeps d and changes z: same
    // public key, another secret key. Drawing z before d changes the public key.
    const auto answers = load_known_answers("Kyber-1024-r3");
    ASSERT_FALSE(answers.empty());
    const KyberKnownAnswer& answer = answers.front();
    const WrapperRun at_once = run_entry(answer, RandomnessOrder::d_and_z_in_one_draw);
    EXPECT_EQ(hex_of(shake256_16(at_once.key_pair.public_key.view())),
              hex_of(answer.public_key_digest));
    EXPECT_NE(hex_of(shake256_16(at_once.key_pair.secret_key.view())),
              hex_of(answer.secret_key_digest));
    const WrapperRun swapped = run_entry(answer, RandomnessOrder::z_then_d);
    EXPECT_NE(hex_of(shake256_16(swapped.key_pair.public_key.view())),
              hex_of(answer.public_key_digest));
}

TEST(KyberKat, TheOtherParameterSetsAreInTheFileButNotOurs) {
    // The file's other sections parse too (the parser is not tuned to one section's layout);
    // only Kyber-1024 is checked against the wrapper, which implements nothing else.
    EXPECT_EQ(load_known_answers("Kyber-512-r3").size(), entries_per_parameter_set);
    EXPECT_EQ(load_known_answers("Kyber-768-r3").size(), entries_per_parameter_set);
    EXPECT_TRUE(load_known_answers("Kyber-1024").empty());
}

// --- Implicit rejection --------------------------------------------------------------------------

// What a ciphertext that does not re-encrypt to itself decapsulates to, computed here with OpenSSL,
// independently of libcrux. z is the last 32 bytes of the secret key, H = SHA3-256 and
// KDF = J = SHAKE-256 to 32 bytes.
// - The round-3 reference implementation's crypto_kem_dec (and the round-3 specification)
//   replaces K' by z and returns KDF(z || H(c)).
// - libcrux-ml-kem 0.0.11's Kyber variant (src/ind_cca.rs, decapsulate) computes ML-KEM's
//   rejection key J(z || c) and then applies round 3's KDF to it: KDF(J(z || c) || H(c)).
// Both are pseudorandom functions of z and c, so implicit rejection does its job either way, and
// a valid ciphertext gives the same secret in both (the known answers). But the rejection values
// differ from the reference implementation's; libsignal uses the same libcrux, so it matches
// libsignal. The test pins libcrux's value and shows that it is not the reference's, so that a
// change in either direction is seen.
std::string reference_rejection_secret(const KyberSecretKey& secret_key,
                                       const KyberCiphertext& ciphertext) {
    const ByteView z = ByteView(secret_key.view()).last(32);
    const Bytes ciphertext_hash = openssl_digest(EVP_sha3_256(), {ciphertext.view()}, std::nullopt);
    return hex_of(openssl_digest(EVP_shake256(), {z, ciphertext_hash}, 32));
}

std::string libcrux_rejection_secret(const KyberSecretKey& secret_key,
                                     const KyberCiphertext& ciphertext) {
    const ByteView z = ByteView(secret_key.view()).last(32);
    const Bytes rejection_key = openssl_digest(EVP_shake256(), {z, ciphertext.view()}, 32);
    const Bytes ciphertext_hash = openssl_digest(EVP_sha3_256(), {ciphertext.view()}, std::nullopt);
    return hex_of(openssl_digest(EVP_shake256(), {rejection_key, ciphertext_hash}, 32));
}

// @evidence check=test:KyberRejection.* mechanisms=KYBER1024
TEST(KyberRejection, AModifiedCiphertextGivesTheImplicitRejectionSecret) {
    const auto answers = load_known_answers("Kyber-1024-r3");
    ASSERT_FALSE(answers.empty());
    const WrapperRun run = run_entry(answers.front());
    const KyberSecretKey& secret_key = run.key_pair.secret_key;
    const KyberCiphertext& genuine = run.encapsulation.ciphertext;
    const std::string genuine_secret = hex_of(run.encapsulation.shared_secret.view());
    // The formula is the rejection branch only: the genuine ciphertext does not give it.
    EXPECT_NE(genuine_secret, libcrux_rejection_secret(secret_key, genuine));

    std::vector<std::string> rejection_secrets;
    for (const std::size_t position : {std::size_t{0}, std::size_t{700}, std::size_t{1407},
                                       std::size_t{1408}, crypto::kyber1024_ciphertext_bytes - 1}) {
        for (const std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
            SCOPED_TRACE(fmt::format("byte {} ^= {:#04x}", position, mask));
            std::array<std::uint8_t, crypto::kyber1024_ciphertext_bytes> bytes{};
            std::copy(genuine.view().begin(), genuine.view().end(), bytes.begin());
            bytes[position] ^= mask;
            const KyberCiphertext modified(bytes);
            const auto first = crypto::kyber1024_decapsulate(secret_key, modified);
            const auto second = crypto::kyber1024_decapsulate(secret_key, modified);
            EXPECT_NE(hex_of(first.view()), genuine_secret);
            EXPECT_TRUE(first.equals(second)) << "decapsulation is not deterministic";
            EXPECT_EQ(hex_of(first.view()), libcrux_rejection_secret(secret_key, modified));
            EXPECT_NE(hex_of(first.view()), reference_rejection_secret(secret_key, modified));
            rejection_secrets.push_back(hex_of(first.view()));
        }
    }
    // Each modified ciphertext gets its own secret (it depends on H(c)).
    std::sort(rejection_secrets.begin(), rejection_secrets.end());
    EXPECT_EQ(std::adjacent_find(rejection_secrets.begin(), rejection_secrets.end()),
              rejection_secrets.end());
    // And the genuine ciphertext still decapsulates to the genuine secret afterwards.
    EXPECT_EQ(hex_of(crypto::kyber1024_decapsulate(secret_key, genuine).view()), genuine_secret);
}

TEST(KyberRejection, AnotherKeysCiphertextGivesTheRejectionSecretToo) {
    const auto answers = load_known_answers("Kyber-1024-r3");
    ASSERT_GE(answers.size(), 2U);
    const WrapperRun ours = run_entry(answers[0]);
    const WrapperRun theirs = run_entry(answers[1]);
    const auto secret =
        crypto::kyber1024_decapsulate(ours.key_pair.secret_key, theirs.encapsulation.ciphertext);
    EXPECT_FALSE(secret.equals(theirs.encapsulation.shared_secret));
    EXPECT_EQ(hex_of(secret.view()),
              libcrux_rejection_secret(ours.key_pair.secret_key, theirs.encapsulation.ciphertext));
}

// --- Sizes ---------------------------------------------------------------------------------------

// @evidence check=test:KyberLengths.* mechanisms=KYBER1024
TEST(KyberLengths, KeysAndCiphertextsOfTheWrongSizeAreRefusedWithATypedError) {
    for (const std::size_t size :
         {std::size_t{0}, crypto::kyber1024_public_key_bytes - 1,
          crypto::kyber1024_public_key_bytes + 1, 2 * crypto::kyber1024_public_key_bytes}) {
        const Bytes bytes(size, 0x42);
        const auto public_key = KyberPublicKey::from_bytes(bytes);
        ASSERT_FALSE(public_key.ok()) << size;
        EXPECT_EQ(public_key.error(), Error::invalid_key) << size;
        const auto ciphertext = KyberCiphertext::from_bytes(bytes);
        ASSERT_FALSE(ciphertext.ok()) << size;
        EXPECT_EQ(ciphertext.error(), Error::malformed) << size;
    }
    for (const std::size_t size : {std::size_t{0}, crypto::kyber1024_secret_key_bytes - 1,
                                   crypto::kyber1024_secret_key_bytes + 1}) {
        const auto secret_key = KyberSecretKey::from_bytes(Bytes(size, 0x42));
        ASSERT_FALSE(secret_key.ok()) << size;
        EXPECT_EQ(secret_key.error(), Error::invalid_key) << size;
    }
    // The right sizes are accepted (any bytes: nothing but the size is checked).
    EXPECT_TRUE(KyberPublicKey::from_bytes(Bytes(crypto::kyber1024_public_key_bytes, 0)).ok());
    EXPECT_TRUE(KyberCiphertext::from_bytes(Bytes(crypto::kyber1024_ciphertext_bytes, 0)).ok());
    EXPECT_TRUE(KyberSecretKey::from_bytes(Bytes(crypto::kyber1024_secret_key_bytes, 0)).ok());
}

TEST(KyberLengths, RandomnessOfTheWrongSizeIsRefusedWithATypedError) {
    const auto key_pair = crypto::kyber1024_generate_key_pair(Bytes(64, 7));
    ASSERT_TRUE(key_pair.ok());
    for (const std::size_t size :
         {std::size_t{0}, std::size_t{32}, std::size_t{63}, std::size_t{65}, std::size_t{128}}) {
        const auto refused = crypto::kyber1024_generate_key_pair(Bytes(size, 7));
        ASSERT_FALSE(refused.ok()) << size;
        EXPECT_EQ(refused.error(), Error::wrong_randomness_length) << size;
    }
    for (const std::size_t size :
         {std::size_t{0}, std::size_t{31}, std::size_t{33}, std::size_t{64}}) {
        const auto refused =
            crypto::kyber1024_encapsulate(key_pair.value().public_key, Bytes(size, 7));
        ASSERT_FALSE(refused.ok()) << size;
        EXPECT_EQ(refused.error(), Error::wrong_randomness_length) << size;
    }
    EXPECT_TRUE(crypto::kyber1024_encapsulate(key_pair.value().public_key, Bytes(32, 7)).ok());
}

TEST(KyberLengths, TheCAbiChecksEveryPointerAndLengthAndWritesNothingOnRefusal) {
    // The crate's own checks, which the C++ types make unreachable from kyber.cpp: called here
    // directly, each wrong argument gets its own status and leaves every output untouched.
    constexpr std::uint8_t untouched = 0xA5;
    Bytes randomness(64, 1);
    Bytes public_key(RATCHETCHECK_KYBER1024_PUBLIC_KEY_BYTES, untouched);
    Bytes secret_key(RATCHETCHECK_KYBER1024_SECRET_KEY_BYTES, untouched);
    Bytes ciphertext(RATCHETCHECK_KYBER1024_CIPHERTEXT_BYTES, untouched);
    Bytes shared_secret(RATCHETCHECK_KYBER1024_SHARED_SECRET_BYTES, untouched);
    const auto all_untouched = [&] {
        for (const Bytes* buffer : {&public_key, &secret_key, &ciphertext, &shared_secret}) {
            if (std::any_of(buffer->begin(), buffer->end(),
                            [&](std::uint8_t byte) { return byte != untouched; }))
                return false;
        }
        return true;
    };

    EXPECT_EQ(ratchetcheck_kyber1024_keypair(nullptr, 64, public_key.data(), public_key.size(),
                                             secret_key.data(), secret_key.size()),
              RATCHETCHECK_KYBER_NULL_POINTER);
    EXPECT_EQ(
        ratchetcheck_kyber1024_keypair(randomness.data(), 63, public_key.data(), public_key.size(),
                                       secret_key.data(), secret_key.size()),
        RATCHETCHECK_KYBER_BAD_RANDOMNESS_LENGTH);
    EXPECT_EQ(
        ratchetcheck_kyber1024_keypair(randomness.data(), 64, public_key.data(),
                                       public_key.size() - 1, secret_key.data(), secret_key.size()),
        RATCHETCHECK_KYBER_BAD_PUBLIC_KEY_LENGTH);
    EXPECT_EQ(ratchetcheck_kyber1024_keypair(randomness.data(), 64, public_key.data(),
                                             public_key.size(), nullptr, secret_key.size()),
              RATCHETCHECK_KYBER_NULL_POINTER);
    EXPECT_EQ(
        ratchetcheck_kyber1024_keypair(randomness.data(), 64, public_key.data(), public_key.size(),
                                       secret_key.data(), secret_key.size() + 1),
        RATCHETCHECK_KYBER_BAD_SECRET_KEY_LENGTH);
    EXPECT_TRUE(all_untouched());

    EXPECT_EQ(ratchetcheck_kyber1024_encapsulate(
                  public_key.data(), public_key.size(), randomness.data(), 33, ciphertext.data(),
                  ciphertext.size(), shared_secret.data(), shared_secret.size()),
              RATCHETCHECK_KYBER_BAD_RANDOMNESS_LENGTH);
    EXPECT_EQ(ratchetcheck_kyber1024_encapsulate(
                  public_key.data(), public_key.size() + 1, randomness.data(), 32,
                  ciphertext.data(), ciphertext.size(), shared_secret.data(), shared_secret.size()),
              RATCHETCHECK_KYBER_BAD_PUBLIC_KEY_LENGTH);
    EXPECT_EQ(ratchetcheck_kyber1024_encapsulate(
                  public_key.data(), public_key.size(), randomness.data(), 32, ciphertext.data(),
                  ciphertext.size() - 1, shared_secret.data(), shared_secret.size()),
              RATCHETCHECK_KYBER_BAD_CIPHERTEXT_LENGTH);
    EXPECT_EQ(ratchetcheck_kyber1024_encapsulate(public_key.data(), public_key.size(),
                                                 randomness.data(), 32, ciphertext.data(),
                                                 ciphertext.size(), shared_secret.data(), 31),
              RATCHETCHECK_KYBER_BAD_SHARED_SECRET_LENGTH);
    EXPECT_EQ(
        ratchetcheck_kyber1024_encapsulate(public_key.data(), public_key.size(), randomness.data(),
                                           32, ciphertext.data(), ciphertext.size(), nullptr, 32),
        RATCHETCHECK_KYBER_NULL_POINTER);
    EXPECT_TRUE(all_untouched());

    EXPECT_EQ(ratchetcheck_kyber1024_decapsulate(secret_key.data(), secret_key.size() - 1,
                                                 ciphertext.data(), ciphertext.size(),
                                                 shared_secret.data(), shared_secret.size()),
              RATCHETCHECK_KYBER_BAD_SECRET_KEY_LENGTH);
    EXPECT_EQ(
        ratchetcheck_kyber1024_decapsulate(secret_key.data(), secret_key.size(), ciphertext.data(),
                                           0, shared_secret.data(), shared_secret.size()),
        RATCHETCHECK_KYBER_BAD_CIPHERTEXT_LENGTH);
    EXPECT_EQ(ratchetcheck_kyber1024_decapsulate(secret_key.data(), secret_key.size(), nullptr,
                                                 ciphertext.size(), shared_secret.data(),
                                                 shared_secret.size()),
              RATCHETCHECK_KYBER_NULL_POINTER);
    EXPECT_EQ(
        ratchetcheck_kyber1024_decapsulate(secret_key.data(), secret_key.size(), ciphertext.data(),
                                           ciphertext.size(), shared_secret.data(), 33),
        RATCHETCHECK_KYBER_BAD_SHARED_SECRET_LENGTH);
    EXPECT_TRUE(all_untouched());

    // With every argument right, the same calls succeed and write their outputs.
    ASSERT_EQ(
        ratchetcheck_kyber1024_keypair(randomness.data(), 64, public_key.data(), public_key.size(),
                                       secret_key.data(), secret_key.size()),
        RATCHETCHECK_KYBER_OK);
    ASSERT_EQ(ratchetcheck_kyber1024_encapsulate(
                  public_key.data(), public_key.size(), randomness.data(), 32, ciphertext.data(),
                  ciphertext.size(), shared_secret.data(), shared_secret.size()),
              RATCHETCHECK_KYBER_OK);
    Bytes decapsulated(RATCHETCHECK_KYBER1024_SHARED_SECRET_BYTES, untouched);
    ASSERT_EQ(ratchetcheck_kyber1024_decapsulate(secret_key.data(), secret_key.size(),
                                                 ciphertext.data(), ciphertext.size(),
                                                 decapsulated.data(), decapsulated.size()),
              RATCHETCHECK_KYBER_OK);
    EXPECT_EQ(hex_of(decapsulated), hex_of(shared_secret));
    EXPECT_FALSE(all_untouched());
}

// --- Ownership -----------------------------------------------------------------------------------

// @evidence check=test:KyberOwnership.* mechanisms=KYBER1024 functions=SF.ZEROIZATION
TEST(KyberOwnership, AMovedFromSecretKeyIsAllZeroAndACloneIsEqual) {
    auto key_pair = crypto::kyber1024_generate_key_pair(Bytes(64, 9));
    ASSERT_TRUE(key_pair.ok());
    KyberSecretKey& original = key_pair.value().secret_key;
    const KyberSecretKey copy = original.clone();
    EXPECT_EQ(hex_of(copy.view()), hex_of(original.view()));
    EXPECT_FALSE(is_all_zero(original.view()));
    const KyberSecretKey moved = std::move(original);
    EXPECT_EQ(hex_of(moved.view()), hex_of(copy.view()));
    // NOLINTNEXTLINE(bugprone-use-after-move): the wipe of the moved-from key is the point.
    EXPECT_TRUE(is_all_zero(original.view()));
}

}  // namespace
}  // namespace ratchetcheck::kat
