// AES-256-CBC goes through OpenSSL's EVP interface, whose lengths are ints: a plaintext or
// ciphertext of 2 GiB or more must be refused with a typed error, not abort the process. The
// inputs are read-only anonymous mappings that reserve no memory (the pages are never touched on
// the refusal path), so the tests need no 2 GiB of RAM.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <climits>

#include "ratchetcheck/crypto/primitives.hpp"
#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

// UntouchedBytes is `size` zero bytes of address space, mapped read-only and never written.
class UntouchedBytes {
  public:
    explicit UntouchedBytes(std::size_t size)
        : size_(size),
          address_(
              mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)) {}
    ~UntouchedBytes() {
        if (address_ != MAP_FAILED)
            munmap(address_, size_);
    }
    UntouchedBytes(const UntouchedBytes&) = delete;
    UntouchedBytes& operator=(const UntouchedBytes&) = delete;

    bool mapped() const { return address_ != MAP_FAILED; }
    ByteView view() const { return {static_cast<const std::uint8_t*>(address_), size_}; }

  private:
    std::size_t size_;
    void* address_;
};

// The limits fit OpenSSL's int lengths, and every ciphertext of a plaintext within its limit (at
// most 16 bytes longer, a whole number of blocks) is within the ciphertext's.
static_assert(crypto::aes256_cbc_max_ciphertext_bytes == std::size_t{INT_MAX});
static_assert(crypto::aes256_cbc_max_plaintext_bytes + crypto::aes_block_bytes <=
              crypto::aes256_cbc_max_ciphertext_bytes);

// Just above the limit (its ciphertext, 2^31 bytes, could not be decrypted) and 2 GiB (the int
// length would be negative).
TEST(AesSizeLimit, EncryptRefusesAPlaintextAboveTheLimitAndChangesNothing) {
    Conversation conversation = make_conversation();
    establish(conversation);
    for (const std::size_t size :
         {crypto::aes256_cbc_max_plaintext_bytes + 1, std::size_t{1} << 31}) {
        SCOPED_TRACE(size);
        const UntouchedBytes plaintext(size);
        ASSERT_TRUE(plaintext.mapped());
        const SecureBytes before = conversation.alice.serialize();
        auto encrypted = conversation.alice.encrypt(plaintext.view());
        ASSERT_FALSE(encrypted.ok());
        EXPECT_EQ(encrypted.error(), Error::plaintext_too_large);
        EXPECT_TRUE(same_state(before, conversation.alice.serialize()));
    }
    // The session goes on with the next message.
    EXPECT_EQ(decrypt_text(conversation.bob, encrypt_text(conversation.alice, "after")), "after");
}

TEST(AesSizeLimit, DecryptRefusesACiphertextAboveTheLimit) {
    const std::array<std::uint8_t, crypto::aes256_key_bytes> key{};
    const std::array<std::uint8_t, crypto::aes_block_bytes> iv{};
    // 2^31 bytes: a whole number of blocks, one block over the largest multiple of 16 in an int.
    const UntouchedBytes ciphertext(std::size_t{1} << 31);
    ASSERT_TRUE(ciphertext.mapped());
    // Decryption takes only an authenticated ciphertext: a MAC over the 2 GiB (reading the
    // mapping's zero page, a few seconds) is made and verified first.
    const std::array<std::uint8_t, 32> mac_key{};
    const auto authenticated =
        crypto::verify_mac(mac_key, {ciphertext.view()},
                           crypto::hmac_sha256(mac_key, ciphertext.view()), ciphertext.view());
    ASSERT_TRUE(authenticated.ok());
    auto decrypted = crypto::aes256_cbc_decrypt(key, iv, authenticated.value());
    ASSERT_FALSE(decrypted.ok());
    EXPECT_EQ(decrypted.error(), Error::authentication_failed);
}

}  // namespace
}  // namespace ratchetcheck::unit
