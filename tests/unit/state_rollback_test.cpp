// State rollback, analysed rather than left as a bare gap (T.STATE_ROLLBACK, assumption
// A.STORAGE in docs/security-target/security-target.json; attack class AC.STATE_ROLLBACK). The
// state format carries no version counter and no MAC (docs/decisions.md E4), so the library
// cannot tell a restored older copy from the current one. These tests show what that costs:
// a rolled-back sender encrypts a new plaintext under the message key, IV and MAC key of a
// message it already sent, and a rolled-back receiver accepts a replay. They pass as long as the
// library behaves as documented; if rollback protection is ever added, they must change.
//
// The same file shows the base-key bit-255 gap (docs/decisions.md E8, E21): X25519 ignores the
// top bit of a u-coordinate (RFC 7748 §5), so a PreKeySignalMessage whose base key has that bit
// flipped gives the same keys under a base key that compares different.
#include <gtest/gtest.h>

#include <string>

#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

// These tests demonstrate the limits of the security functions rather than their success, so
// they claim little: StateRollback checks replay rejection only up to the rollback (the
// duplicates it asserts first); BaseKeyTopBit claims no function (it shows a gap). Both are the
// evidence of deviations.json and attack-classes.json instead.
// @evidence check=test:StateRollback.* functions=SF.REPLAY_REJECTION
// @evidence check=test:BaseKeyTopBit.*

constexpr std::size_t aes_block = 16;

Party restored(ByteView saved) {
    auto party = Party::deserialize(saved, SodiumKeySource::instance());
    EXPECT_TRUE(party.ok());
    return std::move(party).value();
}

Bytes block(const Bytes& bytes, std::size_t index) {
    return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(index * aes_block),
                 bytes.begin() + static_cast<std::ptrdiff_t>((index + 1) * aes_block));
}

TEST(StateRollback, RolledBackSenderReusesKeyIvAndMacKey) {
    Conversation conversation = make_conversation();
    establish(conversation);
    const SecureBytes alice_saved = conversation.alice.serialize();
    const SecureBytes bob_saved = conversation.bob.serialize();

    // Two plaintexts with the same first block and different second blocks, and a control with
    // another first block.
    const std::string shared_prefix = "transfer to acct";  // one AES block
    ASSERT_EQ(shared_prefix.size(), aes_block);
    const OutgoingMessage sent =
        encrypt_text(conversation.alice, shared_prefix + "#1111 amount 10");

    // The attacker restores Alice's saved state; she encrypts something new.
    Party rolled_back = restored(alice_saved);
    const OutgoingMessage resent = encrypt_text(rolled_back, shared_prefix + "#9999 amount 99");
    Party rolled_back_again = restored(alice_saved);
    const OutgoingMessage control =
        encrypt_text(rolled_back_again, "another prefix..#1111 amount 10");

    const SignalMessageParts first = signal_fields_of(sent.bytes);
    const SignalMessageParts second = signal_fields_of(resent.bytes);
    const SignalMessageParts third = signal_fields_of(control.bytes);
    // Same chain, same position: the same message key (so the same AES key, IV and MAC key).
    ASSERT_EQ(first.ratchet_key, second.ratchet_key);
    ASSERT_EQ(first.counter, second.counter);
    ASSERT_TRUE(first.ciphertext && second.ciphertext && third.ciphertext);
    // AES-CBC under a repeated key and IV: equal first plaintext blocks give equal first
    // ciphertext blocks (C1 = E_K(IV xor P1)), so the repetition is visible on the wire.
    EXPECT_EQ(block(*first.ciphertext, 0), block(*second.ciphertext, 0))
        << "the same key and IV encrypted the same first block differently";
    EXPECT_NE(block(*first.ciphertext, 1), block(*second.ciphertext, 1));
    EXPECT_NE(block(*first.ciphertext, 0), block(*third.ciphertext, 0));
    // Both authenticate at that one position: each is accepted by a Bob who has not seen the
    // other, so both carry a valid MAC under the same MAC key.
    EXPECT_EQ(decrypt_text(conversation.bob, sent), shared_prefix + "#1111 amount 10");
    Party other_bob = restored(bob_saved);
    EXPECT_EQ(decrypt_text(other_bob, resent), shared_prefix + "#9999 amount 99");
    // The receiver that saw the first one takes the second for a duplicate: the same position.
    EXPECT_EQ(decrypt_text(conversation.bob, resent), rejected_text(Error::duplicate));
}

TEST(StateRollback, RolledBackReceiverAcceptsAReplay) {
    Conversation conversation = make_conversation();
    establish(conversation);
    const OutgoingMessage payment = encrypt_text(conversation.alice, "pay 100");
    const SecureBytes bob_saved = conversation.bob.serialize();
    EXPECT_EQ(decrypt_text(conversation.bob, payment), "pay 100");
    // Without rollback, the replay is refused.
    EXPECT_TRUE(rejects_unchanged(conversation.bob, payment, Error::duplicate));
    // The attacker restores Bob's saved state: the same bytes are accepted again.
    Party rolled_back = restored(bob_saved);
    EXPECT_EQ(decrypt_text(rolled_back, payment), "pay 100");
}

TEST(BaseKeyTopBit, AFlippedTopBitOfTheBaseKeyGivesTheSameKeysAndIsAccepted) {
    // Without a one-time prekey, as X3DH §4.2 discusses: Bob accepts Alice's first message with
    // the top bit of its base key flipped, and then the genuine one too, as a second session with
    // the same keys: the plaintext is delivered twice. A replay of the genuine bytes would be a
    // message of the first session (the same base key); the flipped bit gets around that
    // comparison. libsignal does the same (E8); the model predicts a rejection, hence the gap.
    Conversation conversation = make_conversation({.with_one_time_prekey = false});
    const OutgoingMessage first = encrypt_text(conversation.alice, "first");
    PreKeyMessageParts flipped = prekey_fields_of(first.bytes);
    ASSERT_TRUE(flipped.base_key.has_value());
    ASSERT_EQ(flipped.base_key->size(), 33u);
    flipped.base_key->back() ^= 0x80;  // bit 255 of the u-coordinate
    EXPECT_EQ(
        decrypt_text(conversation.bob, MessageType::prekey_message, encode_prekey_message(flipped)),
        "first");
    EXPECT_EQ(decrypt_text(conversation.bob, first), "first")
        << "the genuine message after its altered copy";
    EXPECT_EQ(conversation.bob.view().archived.size(), 1u);
}

}  // namespace
}  // namespace ratchetcheck::unit
