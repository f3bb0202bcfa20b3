// Sessions over time: out-of-order delivery across ratchet steps (DR §3.5 skipped message keys),
// the bounds on stored keys and receiving chains (Profile, docs/decisions.md L9), repeated and
// replayed PreKeySignalMessages (SCHEMA.md §6.5, L5) and archived sessions (L8).
#include <gtest/gtest.h>

#include <map>

#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

// A profile small enough that every bound binds within a few messages.
Profile small_profile() {
    Profile profile = Profile::signal_v3();
    profile.max_forward_jump = 5;
    profile.max_skipped_keys_per_chain = 3;
    profile.max_skipped_keys_total = 4;
    profile.max_receiving_chains = 2;
    return profile;
}

// within_bounds checks the profile's bounds and the shape of every session of `party`: chains
// per session, skipped keys per chain and in total, skipped counters ascending and below the
// chain's next index.
::testing::AssertionResult within_bounds(const Party& party, const Profile& profile) {
    const StateView view = party.view();
    std::vector<SessionView> sessions = view.archived;
    if (view.current)
        sessions.push_back(*view.current);
    for (const SessionView& session : sessions) {
        if (session.receiving_chains.size() > profile.max_receiving_chains) {
            return ::testing::AssertionFailure()
                   << session.receiving_chains.size() << " receiving chains";
        }
        if (total_skipped(session) > profile.max_skipped_keys_total) {
            return ::testing::AssertionFailure()
                   << total_skipped(session) << " skipped keys in total";
        }
        for (const ReceivingChainView& chain : session.receiving_chains) {
            if (chain.skipped.size() > profile.max_skipped_keys_per_chain) {
                return ::testing::AssertionFailure()
                       << chain.skipped.size() << " skipped keys on a chain";
            }
            for (std::size_t index = 0; index < chain.skipped.size(); ++index) {
                if (chain.skipped[index] >= chain.next_index ||
                    (index > 0 && chain.skipped[index - 1] >= chain.skipped[index])) {
                    return ::testing::AssertionFailure() << "skipped counters out of order";
                }
            }
        }
    }
    return ::testing::AssertionSuccess();
}

std::vector<RatchetPublicKey> receiving_chain_keys(const Party& party) {
    std::vector<RatchetPublicKey> keys;
    const StateView view = party.view();
    for (const ReceivingChainView& chain : view.current->receiving_chains) {
        keys.push_back(chain.sender_ratchet_key);
    }
    return keys;
}

using Counters = std::vector<std::uint32_t>;

// --- out of order ------------------------------------------------------------------------------

// @evidence check=test:SmallProfileBounds.* functions=SF.BOUNDED_STORES
// @evidence check=test:OutOfOrderDelivery.* functions=SF.OUT_OF_ORDER clauses=DR-2.6
TEST(OutOfOrderDelivery, AcrossSeveralRatchetStepsEveryMessageDecryptsExactlyOnce) {
    Conversation conversation = make_conversation();
    Party& alice = conversation.alice;
    Party& bob = conversation.bob;
    std::map<std::string, OutgoingMessage> sent;
    const auto send = [&](Party& sender, const std::string& name) {
        sent[name] = encrypt_text(sender, name);
    };
    const auto deliver = [&](Party& receiver, const std::string& name) {
        EXPECT_EQ(decrypt_text(receiver, sent.at(name)), name) << "delivering " << name;
    };

    // Alice's chain A1 (prekey messages), counters 0..2.
    send(alice, "a0");
    send(alice, "a1");
    send(alice, "a2");
    const RatchetPublicKey chain_a1 = sending_ratchet_key(alice);
    deliver(bob, "a1");  // Bob's session starts from the second message
    EXPECT_EQ(skipped_counters(bob, chain_a1), Counters{0});

    // Bob's chain B1, counters 0..2; Alice sees the last first.
    send(bob, "b0");
    send(bob, "b1");
    send(bob, "b2");
    const RatchetPublicKey chain_b1 = sending_ratchet_key(bob);
    deliver(alice, "b2");
    EXPECT_EQ(skipped_counters(alice, chain_b1), (Counters{0, 1}));

    // Alice's chain A2: plain SignalMessages now that she has heard from Bob.
    send(alice, "a3");
    send(alice, "a4");
    EXPECT_EQ(sent.at("a3").type, MessageType::signal_message);
    const RatchetPublicKey chain_a2 = sending_ratchet_key(alice);
    ASSERT_NE(chain_a2, chain_a1);
    deliver(bob, "a4");
    EXPECT_EQ(skipped_counters(bob, chain_a2), Counters{0});
    deliver(bob, "a0");  // an older chain, from its stored key
    EXPECT_EQ(skipped_counters(bob, chain_a1), Counters{});

    // Bob's chain B2.
    send(bob, "b3");
    send(bob, "b4");
    const RatchetPublicKey chain_b2 = sending_ratchet_key(bob);
    deliver(alice, "b3");
    deliver(alice, "b0");
    EXPECT_EQ(skipped_counters(alice, chain_b1), Counters{1});
    EXPECT_EQ(skipped_counters(alice, chain_b2), Counters{});

    // Alice's chain A3.
    send(alice, "a5");
    deliver(bob, "a5");
    deliver(bob, "a3");
    deliver(bob, "a2");
    deliver(alice, "b1");
    deliver(alice, "b4");

    for (const Party* party : {&alice, &bob}) {
        const StateView view = party->view();
        for (const ReceivingChainView& chain : view.current->receiving_chains) {
            EXPECT_TRUE(chain.skipped.empty());
        }
        EXPECT_TRUE(view.archived.empty());
    }
    // Every message once: all of them again are duplicates, and change nothing.
    for (const auto& [name, message] : sent) {
        Party& receiver = name[0] == 'a' ? bob : alice;
        EXPECT_TRUE(rejects_unchanged(receiver, message, Error::duplicate)) << name;
    }
    // And the conversation goes on.
    EXPECT_EQ(decrypt_text(bob, encrypt_text(alice, "a6")), "a6");
}

// --- bounds (small profile) ----------------------------------------------------------------------

class SmallProfileBounds : public ::testing::Test {
  protected:
    Profile profile = small_profile();
    Conversation conversation = make_conversation({.profile = small_profile()});
    Party& alice = conversation.alice;
    Party& bob = conversation.bob;

    std::vector<OutgoingMessage> send_many(Party& sender, const std::string& prefix, int count) {
        std::vector<OutgoingMessage> messages;
        for (int index = 0; index < count; ++index) {
            messages.push_back(encrypt_text(sender, prefix + std::to_string(index)));
        }
        return messages;
    }
};

TEST_F(SmallProfileBounds, PartiesReportTheProfileTheyEnforce) {
    // Both the created parties and a loaded one report the small profile, not signal-v3's.
    for (const Party* party : {&alice, &bob}) {
        EXPECT_EQ(party->profile().max_forward_jump, 5u);
        EXPECT_EQ(party->profile().max_skipped_keys_per_chain, 3u);
        EXPECT_EQ(party->profile().max_skipped_keys_total, 4u);
        EXPECT_EQ(party->profile().max_receiving_chains, 2u);
    }
    establish(conversation);
    auto loaded = Party::deserialize(bob.serialize(), SodiumKeySource::instance(), profile);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded.value().profile().max_forward_jump, 5u);
    EXPECT_EQ(Profile::signal_v3().max_forward_jump, 2000u);
}

TEST_F(SmallProfileBounds, PerChainBoundDropsTheOldestSkippedKeys) {
    establish(conversation);
    const auto messages = send_many(alice, "c", 6);
    const RatchetPublicKey chain = sending_ratchet_key(alice);
    // Counter 5 skips 0..4: five keys, of which only the newest three are kept.
    EXPECT_EQ(decrypt_text(bob, messages[5]), "c5");
    EXPECT_EQ(skipped_counters(bob, chain), (Counters{2, 3, 4}));
    EXPECT_TRUE(within_bounds(bob, profile));
    EXPECT_TRUE(rejects_unchanged(bob, messages[0], Error::duplicate));
    EXPECT_TRUE(rejects_unchanged(bob, messages[1], Error::duplicate));
    EXPECT_EQ(decrypt_text(bob, messages[3]), "c3");
    EXPECT_EQ(skipped_counters(bob, chain), (Counters{2, 4}));
    EXPECT_EQ(decrypt_text(bob, messages[2]), "c2");
    EXPECT_EQ(decrypt_text(bob, messages[4]), "c4");
    EXPECT_EQ(skipped_counters(bob, chain), Counters{});
}

TEST_F(SmallProfileBounds, ForwardJumpBoundOnNewAndExistingChains) {
    establish(conversation);
    const auto messages = send_many(alice, "c", 14);
    EXPECT_TRUE(rejects_unchanged(bob, messages[6], Error::too_far_ahead));  // 6 - 0 > 5
    EXPECT_EQ(decrypt_text(bob, messages[5]), "c5");                         // 5 - 0 = 5
    EXPECT_EQ(decrypt_text(bob, messages[6]), "c6");
    EXPECT_TRUE(rejects_unchanged(bob, messages[13], Error::too_far_ahead));  // 13 - 7 > 5
    EXPECT_EQ(decrypt_text(bob, messages[12]), "c12");                        // 12 - 7 = 5
    EXPECT_EQ(decrypt_text(bob, messages[13]), "c13");
    EXPECT_TRUE(within_bounds(bob, profile));
}

TEST_F(SmallProfileBounds, TotalBoundDropsFromTheOldestChainFirst) {
    establish(conversation);
    const auto chain_c_messages = send_many(alice, "c", 4);
    const RatchetPublicKey chain_c = sending_ratchet_key(alice);
    EXPECT_EQ(decrypt_text(bob, chain_c_messages[3]), "c3");
    EXPECT_EQ(skipped_counters(bob, chain_c), (Counters{0, 1, 2}));

    EXPECT_EQ(decrypt_text(alice, encrypt_text(bob, "reply")), "reply");
    const auto chain_d_messages = send_many(alice, "d", 3);
    const RatchetPublicKey chain_d = sending_ratchet_key(alice);
    ASSERT_NE(chain_c, chain_d);
    EXPECT_EQ(decrypt_text(bob, chain_d_messages[2]), "d2");
    // Chain d adds {0, 1}: five keys in total, so the oldest key of the oldest chain goes.
    EXPECT_EQ(skipped_counters(bob, chain_c), (Counters{1, 2}));
    EXPECT_EQ(skipped_counters(bob, chain_d), (Counters{0, 1}));
    EXPECT_TRUE(within_bounds(bob, profile));

    EXPECT_TRUE(rejects_unchanged(bob, chain_c_messages[0], Error::duplicate));
    EXPECT_EQ(decrypt_text(bob, chain_c_messages[1]), "c1");
    EXPECT_EQ(decrypt_text(bob, chain_c_messages[2]), "c2");
    EXPECT_EQ(decrypt_text(bob, chain_d_messages[0]), "d0");
    EXPECT_EQ(decrypt_text(bob, chain_d_messages[1]), "d1");
}

TEST_F(SmallProfileBounds, ReceivingChainBoundEvictsTheOldestChain) {
    const OutgoingMessage a0 = encrypt_text(alice, "a0");
    const OutgoingMessage a1 =
        encrypt_text(alice, "a1");  // never delivered while its chain is held
    const RatchetPublicKey chain_a1 = sending_ratchet_key(alice);
    EXPECT_EQ(decrypt_text(bob, a0), "a0");
    // Alice starts with a receiving chain for Bob's signed prekey (L11), so she is at the bound.
    EXPECT_EQ(alice.view().current->receiving_chains.size(), 1u);
    EXPECT_EQ(decrypt_text(alice, encrypt_text(bob, "r0")), "r0");
    EXPECT_EQ(alice.view().current->receiving_chains.size(), 2u);

    const OutgoingMessage c0 = encrypt_text(alice, "c0");
    const RatchetPublicKey chain_a2 = sending_ratchet_key(alice);
    EXPECT_EQ(decrypt_text(bob, c0), "c0");
    EXPECT_EQ(receiving_chain_keys(bob), (std::vector<RatchetPublicKey>{chain_a1, chain_a2}));
    EXPECT_EQ(decrypt_text(alice, encrypt_text(bob, "r1")), "r1");
    EXPECT_TRUE(within_bounds(alice, profile));

    // Control: while chain A1 is held, a1 would still decrypt (on a copy of Bob).
    {
        auto copy = Party::deserialize(bob.serialize(), SodiumKeySource::instance(), profile);
        ASSERT_TRUE(copy.ok());
        EXPECT_EQ(decrypt_text(copy.value(), a1), "a1");
    }

    const OutgoingMessage d0 = encrypt_text(alice, "d0");
    const RatchetPublicKey chain_a3 = sending_ratchet_key(alice);
    EXPECT_EQ(decrypt_text(bob, d0), "d0");
    EXPECT_EQ(receiving_chain_keys(bob), (std::vector<RatchetPublicKey>{chain_a2, chain_a3}));
    EXPECT_TRUE(within_bounds(bob, profile));
    // A1 is gone: its ratchet key now looks new, and the DH step it stages does not authenticate.
    EXPECT_TRUE(rejects_unchanged(bob, a1, Error::authentication_failed));
    EXPECT_EQ(decrypt_text(bob, encrypt_text(alice, "d1")), "d1");
}

TEST_F(SmallProfileBounds, BoundsHoldThroughALongUnevenConversation) {
    // Many ratchet steps with skipped messages left behind on every chain: the bounds hold after
    // every delivery, and the newest messages always decrypt.
    std::vector<OutgoingMessage> undelivered_from_alice;
    establish(conversation);
    for (int round = 0; round < 8; ++round) {
        auto from_alice = send_many(alice, std::string("a").append(std::to_string(round)) + "-", 4);
        EXPECT_EQ(decrypt_text(bob, from_alice[3]),
                  std::string("a").append(std::to_string(round)) + "-3");
        EXPECT_TRUE(within_bounds(bob, profile)) << "round " << round;
        auto from_bob = send_many(bob, std::string("b").append(std::to_string(round)) + "-", 3);
        EXPECT_EQ(decrypt_text(alice, from_bob[2]),
                  std::string("b").append(std::to_string(round)) + "-2");
        EXPECT_TRUE(within_bounds(alice, profile)) << "round " << round;
        undelivered_from_alice.push_back(std::move(from_alice[0]));
    }
    // Chains of the first rounds are gone, the last round's skipped key is held.
    EXPECT_EQ(decrypt_text(bob, undelivered_from_alice.back()), "a7-0");
    EXPECT_FALSE(
        bob.decrypt(undelivered_from_alice.front().type, undelivered_from_alice.front().bytes)
            .ok());
    EXPECT_TRUE(within_bounds(bob, profile));
}

// --- repeated and replayed PreKeySignalMessages
// -----------------------------------------------------

TEST(PreKeyMessages, ReplayOfTheInitialMessageAfterTheSessionMovedOnIsRejected) {
    Conversation conversation = make_conversation();
    Party& alice = conversation.alice;
    Party& bob = conversation.bob;
    const OutgoingMessage initial = encrypt_text(alice, "initial");
    EXPECT_EQ(decrypt_text(bob, initial), "initial");
    const auto round_trip = [&](int round) {
        EXPECT_EQ(
            decrypt_text(alice, encrypt_text(bob, std::string("b").append(std::to_string(round)))),
            std::string("b").append(std::to_string(round)));
        EXPECT_EQ(
            decrypt_text(bob, encrypt_text(alice, std::string("a").append(std::to_string(round)))),
            std::string("a").append(std::to_string(round)));
    };
    for (int round = 0; round < 2; ++round)
        round_trip(round);
    // Its chain is still held: the message key was used (SCHEMA.md §6.5: a duplicate).
    EXPECT_TRUE(rejects_unchanged(bob, initial, Error::duplicate));
    for (int round = 2; round < 6; ++round)
        round_trip(round);
    // Its chain has been dropped (5 kept): the replay is a DH step that cannot authenticate
    // (SCHEMA.md §5: libsignal's bad_mac).
    EXPECT_EQ(bob.view().current->receiving_chains.size(), 5u);
    EXPECT_TRUE(rejects_unchanged(bob, initial, Error::authentication_failed));
    EXPECT_TRUE(bob.view().archived.empty());
    EXPECT_EQ(decrypt_text(bob, encrypt_text(alice, "after the replay")), "after the replay");
}

TEST(PreKeyMessages, ARepeatedPreKeyMessageBelongsToTheSameSession) {
    Conversation conversation = make_conversation();
    const OutgoingMessage first = encrypt_text(conversation.alice, "first");
    const OutgoingMessage second = encrypt_text(conversation.alice, "second");
    ASSERT_EQ(second.type, MessageType::prekey_message);
    // Both carry the same base key and prekey ids (SCHEMA.md §6.5).
    EXPECT_EQ(prekey_fields_of(first.bytes).base_key, prekey_fields_of(second.bytes).base_key);
    EXPECT_EQ(prekey_fields_of(second.bytes).one_time_prekey_id, bob_one_time_prekey_id);

    EXPECT_EQ(decrypt_text(conversation.bob, first), "first");
    const StateView after_first = conversation.bob.view();
    ASSERT_TRUE(after_first.current.has_value());
    EXPECT_TRUE(after_first.one_time_prekey_ids.empty());  // X3DH §3.4: deleted after use

    // The one-time prekey is gone, yet the second message decrypts: it is a message of the
    // session built from this base key, not a new X3DH run.
    EXPECT_EQ(decrypt_text(conversation.bob, second), "second");
    const StateView after_second = conversation.bob.view();
    EXPECT_TRUE(after_second.archived.empty());
    EXPECT_EQ(after_second.current->base_key, after_first.current->base_key);
    EXPECT_EQ(after_second.current->receiving_chains.size(), 1u);
    EXPECT_EQ(after_second.current->receiving_chains.front().next_index, 2u);
    EXPECT_EQ(after_second.current->sending_ratchet_key, after_first.current->sending_ratchet_key);
    EXPECT_TRUE(rejects_unchanged(conversation.bob, second, Error::duplicate));
}

TEST(PreKeyMessages, RepeatedPreKeyMessagesInReverseOrderBelongToTheSameSession) {
    Conversation conversation = make_conversation();
    const OutgoingMessage first = encrypt_text(conversation.alice, "first");
    const OutgoingMessage second = encrypt_text(conversation.alice, "second");
    EXPECT_EQ(decrypt_text(conversation.bob, second), "second");
    const StateView after_second = conversation.bob.view();
    EXPECT_EQ(after_second.current->receiving_chains.front().skipped, Counters{0});
    EXPECT_EQ(decrypt_text(conversation.bob, first), "first");
    EXPECT_TRUE(conversation.bob.view().archived.empty());
    EXPECT_EQ(conversation.bob.view().current->base_key, after_second.current->base_key);
    EXPECT_TRUE(conversation.bob.view().current->receiving_chains.front().skipped.empty());
}

TEST(PreKeyMessages, InitiatorStopsWrappingOnceTheResponderAnswers) {
    Conversation conversation = make_conversation();
    EXPECT_TRUE(conversation.alice.view().current->pending_prekey);
    EXPECT_EQ(encrypt_text(conversation.alice, "1").type, MessageType::prekey_message);
    establish(conversation);
    EXPECT_FALSE(conversation.alice.view().current->pending_prekey);
    EXPECT_EQ(encrypt_text(conversation.alice, "2").type, MessageType::signal_message);
}

// --- archived sessions (L8) --------------------------------------------------------------------

TEST(ArchivedSessions, AMessageOfAnArchivedSessionDecryptsAndPromotesIt) {
    Conversation conversation = make_conversation();
    Party& alice = conversation.alice;
    Party& bob = conversation.bob;
    const OutgoingMessage old_first = encrypt_text(alice, "old session 1");
    const OutgoingMessage old_second = encrypt_text(alice, "old session 2");
    const BasePublicKey old_base = alice.view().current->base_key;

    // Alice starts over without a one-time prekey (Bob's will be used by the first session).
    const PreKeyBundle bundle = bob_bundle_with(conversation, nullptr);
    ASSERT_TRUE(alice.initiate_session(bundle).ok());
    const BasePublicKey new_base = alice.view().current->base_key;
    ASSERT_EQ(alice.view().archived.size(), 1u);
    const OutgoingMessage new_first = encrypt_text(alice, "new session");

    EXPECT_EQ(decrypt_text(bob, old_first), "old session 1");
    EXPECT_EQ(decrypt_text(bob, new_first), "new session");
    EXPECT_EQ(bob.view().current->base_key, new_base);
    ASSERT_EQ(bob.view().archived.size(), 1u);

    EXPECT_EQ(decrypt_text(bob, old_second), "old session 2");
    EXPECT_EQ(bob.view().current->base_key, old_base);
    ASSERT_EQ(bob.view().archived.size(), 1u);
    EXPECT_EQ(bob.view().archived.front().base_key, new_base);
}

TEST(ArchivedSessions, AreBoundedNewestFirst) {
    Profile profile = Profile::signal_v3();
    profile.max_archived_sessions = 2;
    Conversation conversation = make_conversation({.profile = profile});
    Party& alice = conversation.alice;
    const PreKeyBundle bundle = bob_bundle_with(conversation, nullptr);
    std::vector<BasePublicKey> base_keys = {alice.view().current->base_key};
    for (int restart = 0; restart < 3; ++restart) {
        ASSERT_TRUE(alice.initiate_session(bundle).ok());
        base_keys.push_back(alice.view().current->base_key);
    }
    const StateView view = alice.view();
    ASSERT_EQ(view.archived.size(), 2u);
    EXPECT_EQ(view.current->base_key, base_keys[3]);
    EXPECT_EQ(view.archived[0].base_key, base_keys[2]);
    EXPECT_EQ(view.archived[1].base_key, base_keys[1]);
}

// --- profile parameters ------------------------------------------------------------------------

// Regression (found by this suite): Profile::mac_bytes must be honoured by the wire parser and
// the check as well as by encrypt, so a profile with another tag length (the "full-length tags"
// variant ARCHITECTURE.md announces) decrypts its own messages.
TEST(ProfileParameters, MacBytesOtherThanEightDecryptTheirOwnMessages) {
    for (std::size_t mac_bytes : {std::size_t{16}, std::size_t{32}}) {
        Profile profile = Profile::signal_v3();
        profile.name = "full-tags";
        profile.mac_bytes = mac_bytes;
        Conversation conversation = make_conversation({.profile = profile});
        const OutgoingMessage first = encrypt_text(conversation.alice, "tag length");
        EXPECT_EQ(decrypt_text(conversation.bob, first), "tag length") << mac_bytes << "-byte tags";
    }
}

}  // namespace
}  // namespace ratchetcheck::unit
