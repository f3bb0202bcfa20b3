// The signal-v4-pqxdh profile (PQXDH revision 3 with Kyber-1024, as libsignal 0.75 to 0.79 runs it
// without SPQR): the wire fields it adds, the Kyber prekey's signature and lifetime, the refusals
// that keep it post-quantum, and the transactional contract on every rejection. The independent
// check of the derivation itself is the live interop with libsignal-client (tests/interop); these
// tests pin down the behaviour around it.
#include <gtest/gtest.h>

#include "ratchetcheck/crypto/kyber.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/harness/queue_key_source.hpp"
#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

ConversationOptions v4_options() {
    ConversationOptions options;
    options.profile = Profile::signal_v4_pqxdh();
    return options;
}

// parse_v4 parses a PreKeySignalMessage as a signal-v4-pqxdh party does.
Result<wire::PreKeySignalMessage> parse_v4(ByteView bytes) {
    const Profile profile = Profile::signal_v4_pqxdh();
    return wire::parse_prekey_signal_message(bytes, profile.message_version, profile.mac_bytes,
                                             profile.key_agreement);
}

// @evidence check=test:Pqxdh.* functions=SF.KEY_AGREEMENT clauses=PQXDH-2.5,PQXDH-3.2,PQXDH-3.3,PQXDH-3.4
// @evidence check=test:PqxdhResponder.* functions=SF.KEY_AGREEMENT,SF.TRANSACTIONAL_RECEIVE,SF.INPUT_VALIDATION clauses=PQXDH-3.4
// @evidence check=test:PqxdhState.* functions=SF.INPUT_VALIDATION clauses=DR-3.2
TEST(Pqxdh, ProfileIsLibsignalVersionFour) {
    const Profile profile = Profile::signal_v4_pqxdh();
    EXPECT_EQ(profile.name, "signal-v4-pqxdh");
    EXPECT_EQ(wire::version_byte(profile), 0x44);
    EXPECT_EQ(profile.key_agreement, KeyAgreement::pqxdh);
    ASSERT_NE(Profile::by_name("signal-v4-pqxdh"), nullptr);
    EXPECT_EQ(Profile::by_name("signal-v4-pqxdh")->message_version, 4);
    ASSERT_NE(Profile::by_name("signal-v3"), nullptr);
    EXPECT_EQ(Profile::by_name("signal-v3")->key_agreement, KeyAgreement::x3dh);
    EXPECT_EQ(Profile::by_name("signal-v5"), nullptr);
}

TEST(Pqxdh, FirstMessageCarriesKyberPrekeyIdAndCiphertextAndIsAccepted) {
    Conversation conversation = make_conversation(v4_options());
    const OutgoingMessage first = encrypt_text(conversation.alice, "post-quantum hello");
    ASSERT_EQ(first.type, MessageType::prekey_message);
    ASSERT_FALSE(first.bytes.empty());
    EXPECT_EQ(first.bytes[0], 0x44);
    auto parsed = parse_v4(first.bytes);
    ASSERT_TRUE(parsed.ok()) << error_name(parsed.error());
    EXPECT_EQ(parsed.value().kyber_prekey_id, bob_one_time_kyber_prekey_id);
    ASSERT_TRUE(parsed.value().kyber_ciphertext.has_value());
    EXPECT_EQ(parsed.value().message.version_byte, 0x44);

    // A repeat before Bob answers names the same Kyber prekey and carries the same ciphertext.
    const OutgoingMessage second = encrypt_text(conversation.alice, "again");
    auto repeated = parse_v4(second.bytes);
    ASSERT_TRUE(repeated.ok());
    EXPECT_EQ(repeated.value().kyber_prekey_id, parsed.value().kyber_prekey_id);
    EXPECT_TRUE(*repeated.value().kyber_ciphertext == *parsed.value().kyber_ciphertext);

    EXPECT_EQ(decrypt_text(conversation.bob, first), "post-quantum hello");
    EXPECT_EQ(decrypt_text(conversation.bob, second), "again");
    const OutgoingMessage reply = encrypt_text(conversation.bob, "reply");
    EXPECT_EQ(reply.type, MessageType::signal_message);
    EXPECT_EQ(reply.bytes[0], 0x44);
    EXPECT_EQ(decrypt_text(conversation.alice, reply), "reply");
    EXPECT_EQ(encrypt_text(conversation.alice, "established").type, MessageType::signal_message);
}

TEST(Pqxdh, OneTimeKyberPrekeyIsDeletedAfterFirstUseAndLastResortKept) {
    Conversation conversation = make_conversation(v4_options());
    ASSERT_EQ(conversation.bob.view().kyber_prekey_ids,
              (std::vector<std::uint32_t>{bob_one_time_kyber_prekey_id,
                                          bob_last_resort_kyber_prekey_id}));
    EXPECT_EQ(decrypt_text(conversation.bob, encrypt_text(conversation.alice, "one")), "one");
    EXPECT_EQ(conversation.bob.view().kyber_prekey_ids,
              std::vector<std::uint32_t>{bob_last_resort_kyber_prekey_id});
    EXPECT_EQ(conversation.bob.view().last_resort_kyber_prekey_ids,
              std::vector<std::uint32_t>{bob_last_resort_kyber_prekey_id});

    // The one-time key is gone: a new session start naming it is refused with unknown_prekey_id
    // (looked up after the signed prekey and before the one-time EC prekey, libsignal's order;
    // the one-time EC prekey is gone too), and nothing changes.
    ASSERT_TRUE(conversation.alice.initiate_session(conversation.bob_bundle).ok());
    const OutgoingMessage late = encrypt_text(conversation.alice, "too late");
    EXPECT_TRUE(rejects_unchanged(conversation.bob, late, Error::unknown_prekey_id));
}

TEST(Pqxdh, LastResortKyberPrekeyServesSeveralSessions) {
    ConversationOptions options = v4_options();
    options.with_one_time_kyber_prekey = false;
    options.with_one_time_prekey = false;
    Conversation conversation = make_conversation(options);
    EXPECT_EQ(conversation.bob_bundle.kyber_prekey->id, bob_last_resort_kyber_prekey_id);
    EXPECT_EQ(decrypt_text(conversation.bob, encrypt_text(conversation.alice, "first")), "first");
    EXPECT_EQ(conversation.bob.view().kyber_prekey_ids,
              (std::vector<std::uint32_t>{bob_one_time_kyber_prekey_id,
                                          bob_last_resort_kyber_prekey_id}));
    // Alice starts over on the same bundle: a new base key, a new encapsulation, the same
    // last-resort Kyber prekey.
    ASSERT_TRUE(conversation.alice.initiate_session(conversation.bob_bundle).ok());
    EXPECT_EQ(decrypt_text(conversation.bob, encrypt_text(conversation.alice, "second")), "second");
    EXPECT_EQ(conversation.bob.view().archived.size(), 1u);
    EXPECT_EQ(conversation.bob.view().last_resort_kyber_prekey_ids,
              std::vector<std::uint32_t>{bob_last_resort_kyber_prekey_id});
}

// libsignal 0.75+ decrypts a PreKeySignalMessage under the session it starts or names only
// (decisions E79). With the base key altered, Bob's PQXDH yields a session under which the
// embedded message does not authenticate; unlike signal-v3
// (PreKeyMessageOuterFields.AlteredBaseKeyOfAKnownSessionsMessageStillDecrypts) it is refused, the
// open session is not tried, and the genuine message still decrypts afterwards. A last-resort
// Kyber prekey and no one-time EC prekey, so that nothing used up refuses the copy earlier.
TEST(Pqxdh, AnAlteredBaseKeyIsRefusedWithoutTryingTheOpenSession) {
    ConversationOptions options = v4_options();
    options.with_one_time_kyber_prekey = false;
    options.with_one_time_prekey = false;
    Conversation conversation = make_conversation(options);
    const OutgoingMessage first = encrypt_text(conversation.alice, "first");
    const OutgoingMessage second = encrypt_text(conversation.alice, "second");
    EXPECT_EQ(decrypt_text(conversation.bob, first), "first");
    PreKeyMessageParts altered = prekey_fields_of(second.bytes);
    altered.base_key = serialized(fresh_public_key<role::Base>());
    EXPECT_TRUE(rejects_unchanged(conversation.bob, MessageType::prekey_message,
                                  encode_prekey_message(altered), Error::authentication_failed));
    EXPECT_EQ(decrypt_text(conversation.bob, second), "second");
    EXPECT_TRUE(conversation.bob.view().archived.empty());
}

// --- the initiator's refusals --------------------------------------------------------------------

::testing::AssertionResult initiation_refused(Party& initiator, const PreKeyBundle& bundle,
                                              Error expected) {
    const SecureBytes before = initiator.serialize();
    const Result<void> initiated = initiator.initiate_session(bundle);
    if (initiated.ok())
        return ::testing::AssertionFailure() << "accepted, expected " << error_name(expected);
    if (initiated.error() != expected) {
        return ::testing::AssertionFailure() << "refused with " << error_name(initiated.error())
                                             << ", expected " << error_name(expected);
    }
    return same_state(before, initiator.serialize());
}

TEST(Pqxdh, BundleWithoutKyberPrekeyIsRefusedNotDowngraded) {
    ConversationOptions options = v4_options();
    options.initiate_session = false;
    Conversation conversation = make_conversation(options);
    PreKeyBundle classic = conversation.bob_bundle;
    classic.kyber_prekey.reset();
    EXPECT_TRUE(initiation_refused(conversation.alice, classic, Error::post_quantum_required));
    EXPECT_FALSE(conversation.alice.view().current.has_value());
}

TEST(Pqxdh, KyberPrekeySignatureIsCheckedOverTheTypedKey) {
    ConversationOptions options = v4_options();
    options.initiate_session = false;
    Conversation conversation = make_conversation(options);

    PreKeyBundle flipped = conversation.bob_bundle;
    flipped.kyber_prekey->signature[5] ^= 0x01;
    EXPECT_TRUE(initiation_refused(conversation.alice, flipped, Error::invalid_key));

    // A signature over the bare 1568 bytes (no 0x08 type byte) is not libsignal's and fails.
    PreKeyBundle untyped = conversation.bob_bundle;
    const auto key = conversation.bob_last_resort_kyber_prekey->public_key.view();
    untyped.kyber_prekey->signature = crypto::xeddsa_sign(conversation.bob_identity.private_key,
                                                          ByteView(key.data(), key.size()));
    EXPECT_TRUE(initiation_refused(conversation.alice, untyped, Error::invalid_key));

    // The signed prekey's signature on the Kyber key is not accepted for it either.
    PreKeyBundle swapped = conversation.bob_bundle;
    swapped.kyber_prekey->signature = swapped.signed_prekey_signature;
    EXPECT_TRUE(initiation_refused(conversation.alice, swapped, Error::invalid_key));

    // Another Kyber key under the genuine signature.
    PreKeyBundle replaced = conversation.bob_bundle;
    replaced.kyber_prekey->key = conversation.bob_last_resort_kyber_prekey->public_key;
    EXPECT_TRUE(initiation_refused(conversation.alice, replaced, Error::invalid_key));

    EXPECT_TRUE(conversation.alice.initiate_session(conversation.bob_bundle).ok());
}

// --- the responder's refusals --------------------------------------------------------------------

class PqxdhResponder : public ::testing::Test {
  protected:
    Conversation conversation = make_conversation(v4_options());
    OutgoingMessage genuine = encrypt_text(conversation.alice, "genuine");
    PreKeyMessageParts genuine_parts = prekey_fields_of(genuine.bytes);

    // refused_then_genuine checks `bytes` is refused with `expected` and nothing changes, and that
    // the genuine message is accepted afterwards (no valid message lost, DR §3.5).
    void refused_then_genuine(ByteView bytes, Error expected) {
        EXPECT_TRUE(
            rejects_unchanged(conversation.bob, MessageType::prekey_message, bytes, expected));
        EXPECT_EQ(decrypt_text(conversation.bob, genuine), "genuine");
    }
};

TEST_F(PqxdhResponder, MissingKyberPrekeyIdIsMalformed) {
    PreKeyMessageParts parts = genuine_parts;
    parts.kyber_prekey_id.reset();
    refused_then_genuine(encode_prekey_message(parts), Error::malformed);
}

TEST_F(PqxdhResponder, MissingKyberCiphertextIsMalformed) {
    PreKeyMessageParts parts = genuine_parts;
    parts.kyber_ciphertext.reset();
    refused_then_genuine(encode_prekey_message(parts), Error::malformed);
}

TEST_F(PqxdhResponder, CiphertextOfAnyOtherLengthIsMalformed) {
    for (const std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{1568},
                                     std::size_t{1570}, std::size_t{3137}}) {
        PreKeyMessageParts parts = genuine_parts;
        Bytes ciphertext = *parts.kyber_ciphertext;
        ciphertext.resize(length, 0x5a);
        parts.kyber_ciphertext = ciphertext;
        EXPECT_TRUE(rejects_unchanged(conversation.bob, MessageType::prekey_message,
                                      encode_prekey_message(parts), Error::malformed))
            << length << " bytes";
    }
    EXPECT_EQ(decrypt_text(conversation.bob, genuine), "genuine");
}

TEST_F(PqxdhResponder, CiphertextWithAnotherTypeByteIsInvalidKey) {
    PreKeyMessageParts parts = genuine_parts;
    (*parts.kyber_ciphertext)[0] = djb_key_type;
    refused_then_genuine(encode_prekey_message(parts), Error::invalid_key);
}

TEST_F(PqxdhResponder, UnknownKyberPrekeyIdIsRefused) {
    PreKeyMessageParts parts = genuine_parts;
    parts.kyber_prekey_id = 999;
    refused_then_genuine(encode_prekey_message(parts), Error::unknown_prekey_id);
}

TEST_F(PqxdhResponder, TamperedCiphertextFailsAuthenticationAndConsumesNothing) {
    // Implicit rejection: Bob decapsulates another secret, so the keys disagree and the embedded
    // message does not authenticate; the one-time Kyber prekey stays.
    for (const std::size_t offset : {std::size_t{1}, std::size_t{800}, std::size_t{1568}}) {
        PreKeyMessageParts parts = genuine_parts;
        (*parts.kyber_ciphertext)[offset] ^= 0x01;
        EXPECT_TRUE(rejects_unchanged(conversation.bob, MessageType::prekey_message,
                                      encode_prekey_message(parts), Error::authentication_failed))
            << "offset " << offset;
    }
    EXPECT_EQ(conversation.bob.view().kyber_prekey_ids.size(), 2u);
    EXPECT_EQ(decrypt_text(conversation.bob, genuine), "genuine");
    EXPECT_EQ(conversation.bob.view().kyber_prekey_ids,
              std::vector<std::uint32_t>{bob_last_resort_kyber_prekey_id});
}

TEST_F(PqxdhResponder, CiphertextForTheOtherKyberPrekeyFailsAuthentication) {
    // The genuine ciphertext, attributed to Bob's other Kyber prekey.
    PreKeyMessageParts parts = genuine_parts;
    parts.kyber_prekey_id = bob_last_resort_kyber_prekey_id;
    refused_then_genuine(encode_prekey_message(parts), Error::authentication_failed);
}

TEST_F(PqxdhResponder, FieldNumberZeroIsMalformedAsLibsignalsDecoderSaysInVersionFour) {
    // Version 4 parses as libsignal's prost does: field number 0 is invalid protobuf (E78); in
    // version 3 it is skipped, as libsignal-protocol-c's protobuf-c does.
    PreKeyMessageParts parts = genuine_parts;
    parts.extra_protobuf = Bytes{0x00, 0x01};  // tag: field 0, varint; value 1
    refused_then_genuine(encode_prekey_message(parts), Error::malformed);

    SignalMessageParts inner = signal_fields_of(*genuine_parts.message);
    inner.extra_protobuf = Bytes{0x00, 0x01};
    PreKeyMessageParts wrapped = genuine_parts;
    wrapped.message = encode_signal_message(inner);
    EXPECT_TRUE(rejects_unchanged(conversation.bob, MessageType::prekey_message,
                                  encode_prekey_message(wrapped), Error::malformed));
}

TEST_F(PqxdhResponder, VersionThreeMessagesAreRefused) {
    // PQXDH §3.3 (the initial message names a post-quantum prekey) and libsignal 0.75+: no
    // X3DH session start, however well formed.
    Conversation classic = make_conversation();
    const OutgoingMessage v3 = encrypt_text(classic.alice, "classic");
    ASSERT_EQ(v3.bytes[0], 0x33);
    refused_then_genuine(v3.bytes, Error::bad_version);

    // The genuine v4 message relabelled as version 3 (outer byte, then both bytes).
    PreKeyMessageParts outer = genuine_parts;
    outer.version_byte = 0x33;
    EXPECT_TRUE(rejects_unchanged(conversation.bob, MessageType::prekey_message,
                                  encode_prekey_message(outer), Error::bad_version));
}

// --- state ---------------------------------------------------------------------------------------

TEST(PqxdhState, SaveAndLoadKeepEveryKyberByte) {
    Conversation conversation = make_conversation(v4_options());
    const OutgoingMessage pending = encrypt_text(conversation.alice, "pending");
    for (Party* party : {&conversation.alice, &conversation.bob}) {
        const SecureBytes saved = party->serialize();
        auto loaded =
            Party::deserialize(saved, SodiumKeySource::instance(), Profile::signal_v4_pqxdh());
        ASSERT_TRUE(loaded.ok()) << error_name(loaded.error());
        EXPECT_TRUE(same_state(saved, loaded.value().serialize()));
        EXPECT_EQ(loaded.value().view(), party->view());
        // A PQXDH state does not load as signal-v3 (another profile name, another layout).
        EXPECT_FALSE(Party::deserialize(saved, SodiumKeySource::instance()).ok());
        *party = std::move(loaded).value();
    }
    // The restored Alice still repeats the same Kyber ciphertext; the restored Bob decapsulates.
    const OutgoingMessage after = encrypt_text(conversation.alice, "after restore");
    EXPECT_TRUE(*parse_v4(after.bytes).value().kyber_ciphertext ==
                *parse_v4(pending.bytes).value().kyber_ciphertext);
    EXPECT_EQ(decrypt_text(conversation.bob, after), "after restore");
    EXPECT_EQ(decrypt_text(conversation.bob, pending), "pending");
}

TEST(PqxdhState, TruncatedKyberSectionIsCorrupt) {
    Conversation conversation = make_conversation(v4_options());
    const SecureBytes saved = conversation.bob.serialize();
    // Every cut inside the Kyber prekeys (the largest part of Bob's state) is refused.
    for (std::size_t cut = 200; cut < saved.size(); cut += 997) {
        const ByteView truncated(saved.data(), cut);
        auto loaded =
            Party::deserialize(truncated, SodiumKeySource::instance(), Profile::signal_v4_pqxdh());
        ASSERT_FALSE(loaded.ok()) << "cut at " << cut;
        EXPECT_EQ(loaded.error(), Error::corrupt_state);
    }
}

TEST(PqxdhKeySource, KeySourceWithoutRandomBytesRefusesKyberSteps) {
    // A queue of recorded X25519 keys with no random bytes queued (push_random) cannot make up a
    // Kyber prekey or an encapsulation, as the default KeySource::fill_secret_random cannot.
    harness::QueueKeySource queue;
    auto identity = generate_identity_key_pair(SodiumKeySource::instance());
    auto record = generate_kyber_prekey(identity.value(), 1, false, queue);
    ASSERT_FALSE(record.ok());
    EXPECT_EQ(record.error(), Error::key_source_exhausted);
}

TEST(PqxdhKeySource, QueuedRandomBytesGoOnlyToTheirPurposeAndLength) {
    // The v4 transcripts inject Alice's encapsulation randomness (docs/v4-transcripts.md): bytes
    // queued for one purpose or length must not be handed to another step.
    harness::QueueKeySource queue;
    std::array<std::uint8_t, 32> output{};
    queue.push_random(RandomPurpose::kyber_key_pair, std::vector<std::uint8_t>(32, 7));
    EXPECT_FALSE(queue.fill_secret_random(RandomPurpose::kyber_encapsulation, output).ok());
    EXPECT_EQ(queue.role_mismatches().size(), 1u);
    queue.clear();
    queue.push_random(RandomPurpose::kyber_encapsulation, std::vector<std::uint8_t>(31, 7));
    EXPECT_FALSE(queue.fill_secret_random(RandomPurpose::kyber_encapsulation, output).ok());
    EXPECT_EQ(queue.role_mismatches().size(), 1u);
    queue.clear();
    queue.push_random(RandomPurpose::kyber_encapsulation, std::vector<std::uint8_t>(32, 7));
    ASSERT_TRUE(queue.fill_secret_random(RandomPurpose::kyber_encapsulation, output).ok());
    EXPECT_EQ(output,
              (std::array<std::uint8_t, 32>{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                            7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}));
    EXPECT_TRUE(queue.role_mismatches().empty());
    EXPECT_EQ(queue.remaining_random(), 0u);
}

}  // namespace
}  // namespace ratchetcheck::unit
