// Every rejection path of Party (party.hpp): each test asserts the exact Error, that the
// receiver's serialize() and view() are unchanged (rejects_unchanged), and that the genuine
// message delivered afterwards still decrypts — no valid message is lost because an invalid one
// arrived (DR §3.5: state changes only after authentication; docs/decisions.md L5–L8).
#include <gtest/gtest.h>

#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/harness/queue_key_source.hpp"
#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

using harness::QueueKeySource;

class PartyRejection : public ::testing::Test {
  protected:
    Conversation conversation = make_conversation();
    Party& alice = conversation.alice;
    Party& bob = conversation.bob;

    // established_message returns a SignalMessage from Alice on a fresh chain, after both sides
    // have left the prekey stage.
    OutgoingMessage established_message(std::string_view text) {
        establish(conversation);
        OutgoingMessage message = encrypt_text(alice, text);
        EXPECT_EQ(message.type, MessageType::signal_message);
        return message;
    }
};

// --- authentication ----------------------------------------------------------------------------

// @evidence check=test:PartyRejection.* functions=SF.TRANSACTIONAL_RECEIVE,SF.INPUT_VALIDATION,SF.KEY_AGREEMENT clauses=DR-3.5,X3DH-3.4
// @evidence check=test:InitiateSessionRejection.* functions=SF.KEY_AGREEMENT clauses=X3DH-3.3
TEST_F(PartyRejection, EveryTamperedMacByteIsAuthenticationFailed) {
    const OutgoingMessage genuine = established_message("mac check");
    for (std::size_t from_end = 1; from_end <= 8; ++from_end) {
        for (std::uint8_t mask : {0x01, 0x80}) {
            Bytes tampered = genuine.bytes;
            tampered[tampered.size() - from_end] ^= mask;
            EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message, tampered,
                                          Error::authentication_failed))
                << "MAC byte " << from_end << " from the end, mask " << int(mask);
        }
    }
    EXPECT_EQ(decrypt_text(bob, genuine), "mac check");
}

TEST_F(PartyRejection, TamperedMacOfTheFirstPreKeyMessageCreatesNoSession) {
    const OutgoingMessage genuine = encrypt_text(alice, "first");
    ASSERT_EQ(genuine.type, MessageType::prekey_message);
    PreKeyMessageParts fields = prekey_fields_of(genuine.bytes);
    fields.message->back() ^= 0x01;
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message, encode_prekey_message(fields),
                                  Error::authentication_failed));
    EXPECT_FALSE(bob.view().current.has_value());
    EXPECT_EQ(bob.view().one_time_prekey_ids, std::vector<std::uint32_t>{bob_one_time_prekey_id});
    EXPECT_EQ(decrypt_text(bob, genuine), "first");
}

TEST_F(PartyRejection, TamperedCiphertextIsAuthenticationFailed) {
    const OutgoingMessage genuine = established_message("a ciphertext of two blocks....");
    const SignalMessageParts original = signal_fields_of(genuine.bytes);
    ASSERT_EQ(original.ciphertext->size(), 32u);
    for (std::size_t index : {std::size_t{0}, std::size_t{15}, std::size_t{16}, std::size_t{31}}) {
        SignalMessageParts fields = original;
        (*fields.ciphertext)[index] ^= 0x01;
        EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message,
                                      encode_signal_message(fields), Error::authentication_failed))
            << "ciphertext byte " << index;
    }
    SignalMessageParts shortened = original;
    shortened.ciphertext->resize(16);
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message,
                                  encode_signal_message(shortened), Error::authentication_failed));
    EXPECT_EQ(decrypt_text(bob, genuine), "a ciphertext of two blocks....");
}

TEST_F(PartyRejection, TamperedHeaderCounterIsAuthenticationFailedAndStoresNoSkippedKey) {
    const OutgoingMessage genuine = established_message("counter");
    const SignalMessageParts original = signal_fields_of(genuine.bytes);
    ASSERT_EQ(original.counter, 0u);
    // A forged counter ahead would make an eager implementation store the keys in between.
    for (std::uint64_t counter : {1u, 2u, 7u, 2000u}) {
        SignalMessageParts fields = original;
        fields.counter = counter;
        EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message,
                                      encode_signal_message(fields), Error::authentication_failed))
            << "counter " << counter;
    }
    SignalMessageParts previous_counter_changed = original;
    previous_counter_changed.previous_counter = *original.previous_counter + 1;
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message,
                                  encode_signal_message(previous_counter_changed),
                                  Error::authentication_failed));
    EXPECT_EQ(decrypt_text(bob, genuine), "counter");
}

TEST_F(PartyRejection, TamperedRatchetKeyIsAuthenticationFailed) {
    establish(conversation);
    ASSERT_TRUE(bob.view().current.has_value());
    const RatchetPublicKey alice_first_chain_key =
        bob.view().current->receiving_chains.front().sender_ratchet_key;
    const OutgoingMessage genuine = encrypt_text(alice, "ratchet key");
    const SignalMessageParts original = signal_fields_of(genuine.bytes);

    // A valid point nobody holds: Bob stages a DH ratchet step, which must not be kept.
    SignalMessageParts fresh_key = original;
    fresh_key.ratchet_key = serialized(fresh_public_key<role::Ratchet>());
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message,
                                  encode_signal_message(fresh_key), Error::authentication_failed));

    // The key of a chain Bob already holds: the message key comes from the wrong chain.
    SignalMessageParts old_chain_key = original;
    old_chain_key.ratchet_key = serialized(alice_first_chain_key);
    old_chain_key.counter = 1;
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message,
                                  encode_signal_message(old_chain_key),
                                  Error::authentication_failed));
    EXPECT_EQ(decrypt_text(bob, genuine), "ratchet key");
}

TEST_F(PartyRejection, TamperedVersionByteIsCoveredByTheMac) {
    const OutgoingMessage genuine = established_message("version");
    SignalMessageParts low_nibble = signal_fields_of(genuine.bytes);
    low_nibble.version_byte = 0x32;  // L4: not examined, but authenticated
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message,
                                  encode_signal_message(low_nibble), Error::authentication_failed));
    SignalMessageParts high_nibble = signal_fields_of(genuine.bytes);
    high_nibble.version_byte = 0x43;
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message,
                                  encode_signal_message(high_nibble), Error::bad_version));
    EXPECT_EQ(decrypt_text(bob, genuine), "version");
}

TEST_F(PartyRejection, OtherVersionOnAPreKeyMessageOrItsEmbeddedMessageIsBadVersion) {
    // L2: the outer version and the embedded message's version are each checked against the
    // profile's; a mismatch on either is bad_version before any session is built.
    const OutgoingMessage genuine = encrypt_text(alice, "first");
    ASSERT_EQ(genuine.type, MessageType::prekey_message);
    PreKeyMessageParts outer = prekey_fields_of(genuine.bytes);
    outer.version_byte = 0x43;
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message, encode_prekey_message(outer),
                                  Error::bad_version));
    PreKeyMessageParts embedded = prekey_fields_of(genuine.bytes);
    SignalMessageParts inner = signal_fields_of(*embedded.message);
    inner.version_byte = 0x23;
    embedded.message = encode_signal_message(inner);
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message, encode_prekey_message(embedded),
                                  Error::bad_version));
    EXPECT_FALSE(bob.view().current.has_value());
    EXPECT_EQ(decrypt_text(bob, genuine), "first");
}

TEST_F(PartyRejection, MalformedBytesAreRejectedBeforeAnyState) {
    const OutgoingMessage genuine = established_message("malformed");
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message, Bytes{}, Error::malformed));
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message, Bytes{}, Error::malformed));
    const Bytes truncated(genuine.bytes.begin(), genuine.bytes.begin() + 9);
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message, truncated, Error::malformed));
    EXPECT_EQ(decrypt_text(bob, genuine), "malformed");
}

TEST_F(PartyRejection, MessageTypeOutsideTheEnumIsMalformed) {
    // Neither 2 nor 3 (party.hpp MessageType): not a message this party can read, whatever the
    // bytes are — here a genuine PreKeySignalMessage and then a genuine SignalMessage.
    const OutgoingMessage first = encrypt_text(alice, "first");
    for (std::uint8_t type : {0, 1, 4, 7, 0xff}) {
        EXPECT_TRUE(
            rejects_unchanged(bob, static_cast<MessageType>(type), first.bytes, Error::malformed))
            << int(type);
    }
    EXPECT_EQ(decrypt_text(bob, first), "first");
    const OutgoingMessage reply = encrypt_text(bob, "reply");
    EXPECT_TRUE(
        rejects_unchanged(alice, static_cast<MessageType>(7), reply.bytes, Error::malformed));
    EXPECT_EQ(decrypt_text(alice, reply), "reply");
}

// --- duplicates and limits -----------------------------------------------------------------------

TEST_F(PartyRejection, DuplicateDeliveryIsDuplicate) {
    const OutgoingMessage first = established_message("once");
    const OutgoingMessage second = encrypt_text(alice, "twice");
    EXPECT_EQ(decrypt_text(bob, first), "once");
    EXPECT_TRUE(rejects_unchanged(bob, first, Error::duplicate));
    EXPECT_EQ(decrypt_text(bob, second), "twice");
    EXPECT_TRUE(rejects_unchanged(bob, second, Error::duplicate));
    EXPECT_TRUE(rejects_unchanged(bob, first, Error::duplicate));
}

TEST_F(PartyRejection, DuplicateOfAMessageDecryptedFromASkippedKeyIsDuplicate) {
    const OutgoingMessage early = established_message("early");
    const OutgoingMessage late = encrypt_text(alice, "late");
    const OutgoingMessage latest = encrypt_text(alice, "latest");
    EXPECT_EQ(decrypt_text(bob, late), "late");
    EXPECT_EQ(decrypt_text(bob, early), "early");  // from the stored skipped key
    EXPECT_TRUE(rejects_unchanged(bob, early, Error::duplicate));
    EXPECT_EQ(decrypt_text(bob, latest), "latest");
}

TEST_F(PartyRejection, CounterJumpBeyond2000OnANewChainIsTooFarAhead) {
    establish(conversation);
    // Alice's sending chain is new (she ratcheted on Bob's reply), so Bob's next message from her
    // starts a new receiving chain at index 0. Counters 0..2001.
    std::vector<OutgoingMessage> messages;
    for (int index = 0; index < 2002; ++index)
        messages.push_back(encrypt_text(alice, std::string("m").append(std::to_string(index))));
    const RatchetPublicKey alice_key = sending_ratchet_key(alice);

    // DR §3.5 MAX_SKIP, libsignal's limit: counter - index > 2000 is refused.
    EXPECT_TRUE(rejects_unchanged(bob, messages[2001], Error::too_far_ahead));
    EXPECT_EQ(decrypt_text(bob, messages[2000]), "m2000");  // a jump of exactly 2000 is allowed
    ASSERT_TRUE(skipped_counters(bob, alice_key).has_value());
    EXPECT_EQ(skipped_counters(bob, alice_key)->size(), 2000u);
    EXPECT_EQ(decrypt_text(bob, messages[2001]), "m2001");
    EXPECT_EQ(decrypt_text(bob, messages[0]), "m0");
    EXPECT_EQ(decrypt_text(bob, messages[1999]), "m1999");
    ASSERT_TRUE(skipped_counters(bob, alice_key).has_value());
    EXPECT_EQ(skipped_counters(bob, alice_key)->size(), 1998u);
}

TEST_F(PartyRejection, CounterJumpBeyond2000OnAnExistingChainIsTooFarAhead) {
    establish(conversation);
    std::vector<OutgoingMessage> messages;
    for (int index = 0; index < 2003; ++index)
        messages.push_back(encrypt_text(alice, std::string("m").append(std::to_string(index))));
    EXPECT_EQ(decrypt_text(bob, messages[0]), "m0");  // the chain now expects counter 1
    EXPECT_TRUE(rejects_unchanged(bob, messages[2002], Error::too_far_ahead));
    EXPECT_EQ(decrypt_text(bob, messages[2001]), "m2001");
    EXPECT_EQ(decrypt_text(bob, messages[2002]), "m2002");
    EXPECT_EQ(decrypt_text(bob, messages[1]), "m1");
}

// --- message types -----------------------------------------------------------------------------

TEST_F(PartyRejection, PreKeyMessageSentAsSignalMessageIsMalformed) {
    const OutgoingMessage genuine = encrypt_text(alice, "typed");
    ASSERT_EQ(genuine.type, MessageType::prekey_message);
    EXPECT_TRUE(
        rejects_unchanged(bob, MessageType::signal_message, genuine.bytes, Error::malformed));
    EXPECT_EQ(decrypt_text(bob, genuine), "typed");
}

TEST(PartyRejectionWithoutOneTimePreKey, PreKeyMessageSentAsSignalMessageIsMalformed) {
    // Without a one-time prekey the first field is the base key (field 2), which a SignalMessage
    // reads as its varint counter.
    Conversation conversation = make_conversation({.with_one_time_prekey = false});
    const OutgoingMessage genuine = encrypt_text(conversation.alice, "typed");
    EXPECT_TRUE(rejects_unchanged(conversation.bob, MessageType::signal_message, genuine.bytes,
                                  Error::malformed));
    EXPECT_EQ(decrypt_text(conversation.bob, genuine), "typed");
}

TEST_F(PartyRejection, SignalMessageSentAsPreKeyMessageIsMalformed) {
    const OutgoingMessage genuine = established_message("typed");
    EXPECT_TRUE(
        rejects_unchanged(bob, MessageType::prekey_message, genuine.bytes, Error::malformed));
    EXPECT_EQ(decrypt_text(bob, genuine), "typed");
}

// --- X3DH responder (docs/decisions.md L5) -------------------------------------------------------

TEST_F(PartyRejection, PreKeyMessageFromAnUntrustedIdentityIsUntrustedIdentity) {
    Party mallory = make_mallory(conversation.bob_bundle);
    const OutgoingMessage forged = encrypt_text(mallory, "from mallory");
    EXPECT_TRUE(rejects_unchanged(bob, forged, Error::untrusted_identity));
    // Alice's identity written into Mallory's message does not help: X3DH then disagrees.
    PreKeyMessageParts claimed = prekey_fields_of(forged.bytes);
    claimed.identity_key = serialized(alice.identity_public_key());
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message, encode_prekey_message(claimed),
                                  Error::authentication_failed));
    const OutgoingMessage genuine = encrypt_text(alice, "from alice");
    EXPECT_EQ(decrypt_text(bob, genuine), "from alice");
    // Once Bob has a session, Mallory is still refused.
    EXPECT_TRUE(rejects_unchanged(bob, forged, Error::untrusted_identity));
}

TEST_F(PartyRejection, UnknownSignedPreKeyIdIsUnknownPreKeyId) {
    const OutgoingMessage genuine = encrypt_text(alice, "spk");
    PreKeyMessageParts fields = prekey_fields_of(genuine.bytes);
    ASSERT_EQ(fields.signed_prekey_id, bob_signed_prekey_id);
    for (std::uint64_t id :
         {std::uint64_t{bob_signed_prekey_id + 1}, std::uint64_t{0}, std::uint64_t{0xffffffff}}) {
        fields.signed_prekey_id = id;
        EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message,
                                      encode_prekey_message(fields), Error::unknown_prekey_id))
            << id;
    }
    EXPECT_EQ(decrypt_text(bob, genuine), "spk");
}

TEST_F(PartyRejection, UnknownOneTimePreKeyIdIsUnknownPreKeyId) {
    const OutgoingMessage genuine = encrypt_text(alice, "opk");
    PreKeyMessageParts fields = prekey_fields_of(genuine.bytes);
    ASSERT_EQ(fields.one_time_prekey_id, bob_one_time_prekey_id);
    fields.one_time_prekey_id = bob_one_time_prekey_id + 1;
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message, encode_prekey_message(fields),
                                  Error::unknown_prekey_id));
    // L5: the signed prekey is looked up first.
    fields.signed_prekey_id = bob_signed_prekey_id + 1;
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message, encode_prekey_message(fields),
                                  Error::unknown_prekey_id));
    EXPECT_EQ(decrypt_text(bob, genuine), "opk");
}

TEST_F(PartyRejection, OneTimePreKeyIdRemovedIsAuthenticationFailedAndKeepsThePreKey) {
    // Without DH4 (X3DH §3.3) Bob derives another secret; the embedded MAC fails and the
    // one-time prekey must survive for the genuine message.
    const OutgoingMessage genuine = encrypt_text(alice, "dh4");
    PreKeyMessageParts fields = prekey_fields_of(genuine.bytes);
    fields.one_time_prekey_id.reset();
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message, encode_prekey_message(fields),
                                  Error::authentication_failed));
    EXPECT_EQ(bob.view().one_time_prekey_ids, std::vector<std::uint32_t>{bob_one_time_prekey_id});
    EXPECT_EQ(decrypt_text(bob, genuine), "dh4");
    EXPECT_TRUE(bob.view().one_time_prekey_ids.empty());
}

TEST_F(PartyRejection, ReplacedBaseKeyIsAuthenticationFailed) {
    const OutgoingMessage genuine = encrypt_text(alice, "base");
    PreKeyMessageParts fields = prekey_fields_of(genuine.bytes);
    fields.base_key = serialized(fresh_public_key<role::Base>());
    EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message, encode_prekey_message(fields),
                                  Error::authentication_failed));
    EXPECT_EQ(decrypt_text(bob, genuine), "base");
}

TEST(PreKeyMessageOuterFields, AlteredBaseKeyOfAKnownSessionsMessageStillDecrypts) {
    // The outer fields of a PreKeySignalMessage are not authenticated (SCHEMA.md §6.5). With the
    // base key altered, Bob's X3DH yields a session under which the embedded message does not
    // authenticate; it is then a message of his existing session (party.cpp, as libsignal), and
    // no new session is kept.
    Conversation conversation = make_conversation({.with_one_time_prekey = false});
    const OutgoingMessage first = encrypt_text(conversation.alice, "first");
    const OutgoingMessage second = encrypt_text(conversation.alice, "second");
    EXPECT_EQ(decrypt_text(conversation.bob, first), "first");
    PreKeyMessageParts altered = prekey_fields_of(second.bytes);
    altered.base_key = serialized(fresh_public_key<role::Base>());
    const StateView before = conversation.bob.view();
    EXPECT_EQ(
        decrypt_text(conversation.bob, MessageType::prekey_message, encode_prekey_message(altered)),
        "second");
    EXPECT_TRUE(conversation.bob.view().archived.empty());
    EXPECT_EQ(conversation.bob.view().current->base_key, before.current->base_key);
    EXPECT_TRUE(rejects_unchanged(conversation.bob, second, Error::duplicate));
}

// Regression (found by this suite, decisions.md D6): when a PreKeySignalMessage with altered
// outer fields falls back to an existing session, the one-time prekey named by the
// unauthenticated preKeyId field must survive. Otherwise an attacker who rewrites an in-flight
// message of Alice's old session to name one-time prekey 12 makes Bob delete it, and Alice's
// genuine first message of her new session (built on prekey 12) is lost as unknown_prekey_id.
// libsignal deletes it; our contract (party.hpp: no valid message lost) is stronger.
TEST(PreKeyMessageOuterFields, AlteredMessageDoesNotDeleteAnotherSessionsOneTimePreKey) {
    Conversation conversation = make_conversation();
    Party& alice = conversation.alice;
    Party& bob = conversation.bob;
    auto second_one_time = generate_one_time_prekey(12, SodiumKeySource::instance());
    ASSERT_TRUE(second_one_time.ok());
    const PreKeyBundle bundle = bob_bundle_with(conversation, &second_one_time.value());
    bob.add_one_time_prekey(std::move(second_one_time).value());

    const OutgoingMessage old_first = encrypt_text(alice, "old 1");
    const OutgoingMessage old_second = encrypt_text(alice, "old 2");
    EXPECT_EQ(decrypt_text(bob, old_first), "old 1");  // one-time prekey 11 is used up

    // Alice starts a new session from a bundle with one-time prekey 12.
    ASSERT_TRUE(alice.initiate_session(bundle).ok());
    const OutgoingMessage new_first = encrypt_text(alice, "new 1");

    // The attacker rewrites old_second to name prekey 12 under a fresh base key.
    PreKeyMessageParts altered = prekey_fields_of(old_second.bytes);
    altered.base_key = serialized(fresh_public_key<role::Base>());
    altered.one_time_prekey_id = 12;
    const std::string outcome =
        decrypt_text(bob, MessageType::prekey_message, encode_prekey_message(altered));
    EXPECT_TRUE(outcome == "old 2" || outcome == rejected_text(Error::authentication_failed))
        << outcome;
    EXPECT_EQ(bob.view().one_time_prekey_ids, std::vector<std::uint32_t>{12});
    EXPECT_EQ(decrypt_text(bob, new_first), "new 1");
}

TEST_F(PartyRejection, LowOrderBaseKeyIsInvalidKey) {
    const OutgoingMessage genuine = encrypt_text(alice, "low base");
    for (const LowOrderPoint& point : low_order_points()) {
        PreKeyMessageParts fields = prekey_fields_of(genuine.bytes);
        fields.base_key = djb_key(point.u);
        EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message,
                                      encode_prekey_message(fields), Error::invalid_key))
            << point.name;
    }
    EXPECT_EQ(decrypt_text(bob, genuine), "low base");
}

TEST(PartyRejectionTrustOnFirstUse, LowOrderIdentityKeyIsInvalidKeyAndPinsNothing) {
    // With trust on first use the identity passes the trust check and reaches DH1 (X3DH §3.4).
    Conversation conversation = make_conversation({.pin_trust = false});
    const OutgoingMessage genuine = encrypt_text(conversation.alice, "tofu");
    for (const LowOrderPoint& point : low_order_points()) {
        PreKeyMessageParts fields = prekey_fields_of(genuine.bytes);
        fields.identity_key = djb_key(point.u);
        EXPECT_TRUE(rejects_unchanged(conversation.bob, MessageType::prekey_message,
                                      encode_prekey_message(fields), Error::invalid_key))
            << point.name;
    }
    EXPECT_EQ(decrypt_text(conversation.bob, genuine), "tofu");
}

TEST(PartyRejectionTrustOnFirstUse, AFailedFirstContactPinsNoIdentity) {
    Conversation conversation = make_conversation({.pin_trust = false});
    Party mallory = make_mallory(conversation.bob_bundle);
    const OutgoingMessage forged_mac = [&] {
        OutgoingMessage message = encrypt_text(mallory, "forged");
        PreKeyMessageParts fields = prekey_fields_of(message.bytes);
        fields.message->back() ^= 0x01;
        message.bytes = encode_prekey_message(fields);
        return message;
    }();
    EXPECT_TRUE(rejects_unchanged(conversation.bob, forged_mac, Error::authentication_failed));
    // Nothing was pinned by the failed attempt: Alice is still accepted.
    EXPECT_EQ(decrypt_text(conversation.bob, encrypt_text(conversation.alice, "first")), "first");
}

TEST_F(PartyRejection, LowOrderRatchetKeyInTheFirstPreKeyMessageIsInvalidKey) {
    const OutgoingMessage genuine = encrypt_text(alice, "low ratchet");
    PreKeyMessageParts fields = prekey_fields_of(genuine.bytes);
    for (const LowOrderPoint& point : low_order_points()) {
        SignalMessageParts inner = signal_fields_of(*prekey_fields_of(genuine.bytes).message);
        inner.ratchet_key = djb_key(point.u);
        fields.message = encode_signal_message(inner);
        EXPECT_TRUE(rejects_unchanged(bob, MessageType::prekey_message,
                                      encode_prekey_message(fields), Error::invalid_key))
            << point.name;
    }
    EXPECT_EQ(decrypt_text(bob, genuine), "low ratchet");
}

// --- DH ratchet --------------------------------------------------------------------------------

TEST_F(PartyRejection, LowOrderRatchetKeyInASignalMessageIsInvalidKey) {
    const OutgoingMessage genuine = established_message("low order");
    for (const LowOrderPoint& point : low_order_points()) {
        SignalMessageParts fields = signal_fields_of(genuine.bytes);
        fields.ratchet_key = djb_key(point.u);
        EXPECT_TRUE(rejects_unchanged(bob, MessageType::signal_message,
                                      encode_signal_message(fields), Error::invalid_key))
            << point.name;
    }
    EXPECT_EQ(decrypt_text(bob, genuine), "low order");
}

// --- no session ----------------------------------------------------------------------------------

TEST_F(PartyRejection, SignalMessageWithoutASessionIsNoSession) {
    const SecureBytes bob_before_any_session = bob.serialize();
    const OutgoingMessage genuine = established_message("no session");
    auto bob_without_session =
        Party::deserialize(bob_before_any_session, SodiumKeySource::instance());
    ASSERT_TRUE(bob_without_session.ok());
    EXPECT_TRUE(rejects_unchanged(bob_without_session.value(), genuine, Error::no_session));
    EXPECT_EQ(decrypt_text(bob, genuine), "no session");
}

TEST_F(PartyRejection, EncryptWithoutASessionIsNoSession) {
    const SecureBytes before = bob.serialize();
    auto encrypted = bob.encrypt(text_bytes("too early"));
    ASSERT_FALSE(encrypted.ok());
    EXPECT_EQ(encrypted.error(), Error::no_session);
    EXPECT_TRUE(same_state(before, bob.serialize()));
}

// --- X3DH initiator (docs/decisions.md L6) -------------------------------------------------------

class InitiateSessionRejection : public ::testing::Test {
  protected:
    Conversation conversation = make_conversation({.initiate_session = false});
    Party& alice = conversation.alice;

    // expect_rejected checks that initiating with `bundle` fails with `expected` and changes
    // nothing, and that the genuine bundle still works afterwards.
    void expect_rejected(const PreKeyBundle& bundle, Error expected) {
        const SecureBytes before = alice.serialize();
        const Result<void> result = alice.initiate_session(bundle);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error(), expected);
        EXPECT_TRUE(same_state(before, alice.serialize()));
        EXPECT_FALSE(alice.view().current.has_value());
    }

    void expect_genuine_bundle_works() {
        ASSERT_TRUE(alice.initiate_session(conversation.bob_bundle).ok());
        EXPECT_EQ(decrypt_text(conversation.bob, encrypt_text(alice, "after")), "after");
    }
};

TEST_F(InitiateSessionRejection, BadSignatureIsInvalidKey) {
    for (std::size_t index : {std::size_t{0}, std::size_t{31}, std::size_t{32}, std::size_t{63}}) {
        PreKeyBundle bundle = conversation.bob_bundle;
        bundle.signed_prekey_signature[index] ^= 0x01;
        expect_rejected(bundle, Error::invalid_key);
    }
    expect_genuine_bundle_works();
}

TEST_F(InitiateSessionRejection, AlteredSignedPreKeyIsInvalidKey) {
    PreKeyBundle bundle = conversation.bob_bundle;
    bundle.signed_prekey = fresh_public_key<role::SignedPreKey>();
    expect_rejected(bundle, Error::invalid_key);
    bundle = conversation.bob_bundle;
    bundle.signed_prekey.u[0] ^= 0x01;
    expect_rejected(bundle, Error::invalid_key);
    expect_genuine_bundle_works();
}

TEST_F(InitiateSessionRejection, SignedPreKeySignedBySomeoneElseIsInvalidKey) {
    auto other_identity = generate_identity_key_pair(SodiumKeySource::instance());
    ASSERT_TRUE(other_identity.ok());
    PreKeyBundle bundle = conversation.bob_bundle;
    bundle.signed_prekey_signature =
        crypto::xeddsa_sign(other_identity.value().private_key, serialized(bundle.signed_prekey));
    expect_rejected(bundle, Error::invalid_key);
    expect_genuine_bundle_works();
}

TEST_F(InitiateSessionRejection, UntrustedBundleIdentityIsUntrustedIdentity) {
    // Mallory's own, correctly signed bundle: the trust check comes first (L6).
    auto mallory_identity = generate_identity_key_pair(SodiumKeySource::instance());
    auto mallory_prekey =
        generate_signed_prekey(mallory_identity.value(), 1, SodiumKeySource::instance());
    ASSERT_TRUE(mallory_identity.ok() && mallory_prekey.ok());
    PreKeyBundle bundle =
        make_prekey_bundle(bob_registration_id, bob_device_id, mallory_identity.value().public_key,
                           mallory_prekey.value());
    expect_rejected(bundle, Error::untrusted_identity);
    // Even with a signature that does not verify, trust is reported first.
    bundle.signed_prekey_signature[0] ^= 0x01;
    expect_rejected(bundle, Error::untrusted_identity);
    expect_genuine_bundle_works();
}

TEST_F(InitiateSessionRejection, LowOrderSignedPreKeyWithAValidSignatureIsInvalidKey) {
    // Bob's identity signs a small-order key: the signature verifies, DH1 must be refused
    // (the check RFC 7748 §6.1 allows, docs/decisions.md D2).
    for (const LowOrderPoint& point : low_order_points()) {
        PreKeyBundle bundle = conversation.bob_bundle;
        bundle.signed_prekey.u = point.u;
        bundle.signed_prekey_signature = crypto::xeddsa_sign(conversation.bob_identity.private_key,
                                                             serialized(bundle.signed_prekey));
        SCOPED_TRACE(point.name);
        expect_rejected(bundle, Error::invalid_key);
    }
    expect_genuine_bundle_works();
}

TEST_F(InitiateSessionRejection, LowOrderOneTimePreKeyIsInvalidKey) {
    for (const LowOrderPoint& point : low_order_points()) {
        PreKeyBundle bundle = conversation.bob_bundle;
        bundle.one_time_prekey->key.u = point.u;
        SCOPED_TRACE(point.name);
        expect_rejected(bundle, Error::invalid_key);
    }
    expect_genuine_bundle_works();
}

TEST_F(PartyRejection, FailedReinitiationLeavesTheRunningSessionAlone) {
    establish(conversation);
    const SecureBytes before = alice.serialize();
    PreKeyBundle bundle = conversation.bob_bundle;
    bundle.signed_prekey_signature[5] ^= 0x20;
    const Result<void> result = alice.initiate_session(bundle);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error(), Error::invalid_key);
    EXPECT_TRUE(same_state(before, alice.serialize()));
    EXPECT_EQ(decrypt_text(bob, encrypt_text(alice, "still here")), "still here");
}

// --- key source exhaustion
// --------------------------------------------------------------------------

TEST(KeySourceExhaustion, ResponderWithoutARatchetKeyChangesNothingAndRecovers) {
    QueueKeySource bob_keys;
    Conversation conversation = make_conversation({.bob_key_source = &bob_keys});
    const OutgoingMessage first = encrypt_text(conversation.alice, "first");

    // DR §3.5 DHRatchet needs a new ratchet key for Bob's sending chain; none is available.
    EXPECT_TRUE(rejects_unchanged(conversation.bob, first, Error::key_source_exhausted));
    EXPECT_EQ(bob_keys.exhausted_requests(), 1u);
    EXPECT_EQ(conversation.bob.view().one_time_prekey_ids,
              std::vector<std::uint32_t>{bob_one_time_prekey_id});

    bob_keys.push(test_private_key(1), KeyRole::ratchet);
    EXPECT_EQ(decrypt_text(conversation.bob, first), "first");
    EXPECT_EQ(bob_keys.remaining(), 0u);
    EXPECT_TRUE(bob_keys.role_mismatches().empty());
    // The injected key is the one now in use (the queue clamps it, RFC 7748 §5).
    crypto::X25519Private expected_private = test_private_key(1);
    crypto::x25519_clamp(expected_private.mutable_view());
    EXPECT_EQ(sending_ratchet_key(conversation.bob),
              RatchetKeyPair::from_private(std::move(expected_private)).public_key);

    // The same holds for a DH step inside the established session.
    EXPECT_EQ(decrypt_text(conversation.alice, encrypt_text(conversation.bob, "reply")), "reply");
    const OutgoingMessage next = encrypt_text(conversation.alice, "next chain");
    EXPECT_TRUE(rejects_unchanged(conversation.bob, next, Error::key_source_exhausted));
    bob_keys.push(test_private_key(2), KeyRole::ratchet);
    EXPECT_EQ(decrypt_text(conversation.bob, next), "next chain");
    EXPECT_TRUE(bob_keys.role_mismatches().empty());
}

TEST(KeySourceExhaustion, InitiatorWithoutKeysChangesNothingAndRecovers) {
    QueueKeySource alice_keys;
    Conversation conversation =
        make_conversation({.alice_key_source = &alice_keys, .initiate_session = false});
    Party& alice = conversation.alice;
    const SecureBytes before = alice.serialize();

    Result<void> result = alice.initiate_session(conversation.bob_bundle);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error(), Error::key_source_exhausted);
    EXPECT_TRUE(same_state(before, alice.serialize()));

    // A base key but no first ratchet key (L6: base, then ratchet).
    alice_keys.push(test_private_key(10), KeyRole::base);
    result = alice.initiate_session(conversation.bob_bundle);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error(), Error::key_source_exhausted);
    EXPECT_TRUE(same_state(before, alice.serialize()));

    alice_keys.push(test_private_key(11), KeyRole::base);
    alice_keys.push(test_private_key(12), KeyRole::ratchet);
    ASSERT_TRUE(alice.initiate_session(conversation.bob_bundle).ok());
    EXPECT_TRUE(alice_keys.role_mismatches().empty());
    const OutgoingMessage first = encrypt_text(alice, "first");
    EXPECT_EQ(decrypt_text(conversation.bob, first), "first");

    // Alice's DH step on Bob's reply needs a key too.
    const OutgoingMessage reply = encrypt_text(conversation.bob, "reply");
    EXPECT_TRUE(rejects_unchanged(alice, reply, Error::key_source_exhausted));
    alice_keys.push(test_private_key(13), KeyRole::ratchet);
    EXPECT_EQ(decrypt_text(alice, reply), "reply");
    EXPECT_TRUE(alice_keys.role_mismatches().empty());
}

TEST(KeySourceExhaustion, ForgedRatchetStepsDrawNoKeys) {
    // docs/decisions.md D1: the new sending ratchet key is drawn only after authentication.
    QueueKeySource bob_keys;
    bob_keys.push(test_private_key(1), KeyRole::ratchet);
    Conversation conversation = make_conversation({.bob_key_source = &bob_keys});
    establish(conversation);
    ASSERT_EQ(bob_keys.remaining(), 0u);
    const OutgoingMessage genuine = encrypt_text(conversation.alice, "next chain");
    bob_keys.push(test_private_key(2), KeyRole::ratchet);
    for (int attempt = 0; attempt < 3; ++attempt) {
        SignalMessageParts forged = signal_fields_of(genuine.bytes);
        forged.ratchet_key = serialized(fresh_public_key<role::Ratchet>());
        EXPECT_TRUE(rejects_unchanged(conversation.bob, MessageType::signal_message,
                                      encode_signal_message(forged), Error::authentication_failed));
    }
    EXPECT_EQ(bob_keys.remaining(), 1u);
    EXPECT_EQ(bob_keys.exhausted_requests(), 0u);
    EXPECT_EQ(decrypt_text(conversation.bob, genuine), "next chain");
    EXPECT_EQ(bob_keys.remaining(), 0u);
}

// --- forgeries interleaved with genuine traffic
// -----------------------------------------------------

TEST_F(PartyRejection, InterleavedForgeriesNeverCostAGenuineMessage) {
    establish(conversation);
    std::vector<OutgoingMessage> genuine;
    for (int index = 0; index < 6; ++index)
        genuine.push_back(encrypt_text(alice, std::string("g").append(std::to_string(index))));
    const RatchetPublicKey fresh_key = fresh_public_key<role::Ratchet>();
    // Deliver in the order 3, 0, 5, 1, 4, 2; before each, forge variants of every message.
    for (int index : {3, 0, 5, 1, 4, 2}) {
        for (const OutgoingMessage& target : genuine) {
            SignalMessageParts mac = signal_fields_of(target.bytes);
            mac.mac[0] ^= 0x04;
            SignalMessageParts ahead = signal_fields_of(target.bytes);
            *ahead.counter += 3;
            SignalMessageParts key = signal_fields_of(target.bytes);
            key.ratchet_key = serialized(fresh_key);
            for (const SignalMessageParts& forged : {mac, ahead, key}) {
                // The error depends on whether the target was delivered already (duplicate) or
                // not (authentication_failed); either way nothing may change.
                const SecureBytes before = bob.serialize();
                auto result =
                    bob.decrypt(MessageType::signal_message, encode_signal_message(forged));
                EXPECT_FALSE(result.ok());
                EXPECT_TRUE(same_state(before, bob.serialize()));
            }
        }
        EXPECT_EQ(decrypt_text(bob, genuine[static_cast<std::size_t>(index)]),
                  std::string("g").append(std::to_string(index)));
    }
    EXPECT_EQ(skipped_counters(bob, sending_ratchet_key(alice)), std::vector<std::uint32_t>{});
}

}  // namespace
}  // namespace ratchetcheck::unit
