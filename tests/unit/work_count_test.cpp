// Rejections cost what they should (docs/decisions.md D8), asserted as work counted, not as time:
// a message too far ahead and a duplicate derive nothing, and a forgery costs at most what the
// genuine message at its position would (its jump + 1 chain steps and one MAC; a new ratchet key
// adds one X25519). A receive that derived the skipped keys before checking the jump limit would
// turn one forged counter of 2^32 - 2 into four billion HMACs; here it fails at once, on a jump
// of max_forward_jump + 1 (mutant derive_before_jump_check, tests/mutants).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "unit_fixture.hpp"
#include "work_count.hpp"

namespace ratchetcheck::unit {
namespace {

// @evidence check=test:WorkCountTest.* functions=SF.BOUNDED_STORES,SF.TRANSACTIONAL_RECEIVE clauses=DR-3.5

// The work of one decrypt of `bytes` by `receiver`, with its outcome.
struct Receive {
    Error error = Error::malformed;
    bool accepted = false;
    WorkCount work;
};

Receive receive(Party& receiver, ByteView bytes) {
    const WorkCount before = work_done();
    auto result = receiver.decrypt(MessageType::signal_message, bytes);
    const WorkCount work = work_between(before, work_done());
    return {.error = result.ok() ? Error::malformed : result.error(),
            .accepted = result.ok(),
            .work = work};
}

// A SignalMessage copied from a genuine one with another counter (its MAC no longer verifies).
Bytes with_counter(const OutgoingMessage& genuine, std::uint32_t counter) {
    SignalMessageParts parts = signal_fields_of(genuine.bytes);
    parts.counter = counter;
    return encode_signal_message(parts);
}

class WorkCountTest : public ::testing::Test {
  protected:
    void SetUp() override {
        establish(conversation);
        // Alice's current chain: Bob has received its message 0, so the chain's index is 1.
        for (int index = 0; index < 4; ++index)
            sent.push_back(
                encrypt_text(conversation.alice, std::string("m").append(std::to_string(index))));
        ASSERT_EQ(decrypt_text(conversation.bob, sent[0]), "m0");
    }
    Conversation conversation = make_conversation();
    std::vector<OutgoingMessage> sent;
    const std::uint32_t max_jump =
        static_cast<std::uint32_t>(Profile::signal_v3().max_forward_jump);
};

TEST_F(WorkCountTest, TooFarAheadDerivesNothing) {
    // Index 1: the first counter past the limit, then the largest a forger can write. The first
    // is asserted before the second is tried, so a receive that derives first fails in seconds.
    const Receive just_past = receive(conversation.bob, with_counter(sent[1], 1 + max_jump + 1));
    ASSERT_EQ(just_past.error, Error::too_far_ahead);
    ASSERT_EQ(just_past.work.sha256_finals, 0u) << "a too-far message derived chain keys";
    ASSERT_EQ(just_past.work.x25519, 0u);
    const Receive farthest = receive(conversation.bob, with_counter(sent[1], UINT32_MAX - 1));
    ASSERT_EQ(farthest.error, Error::too_far_ahead);
    EXPECT_EQ(farthest.work.sha256_finals, 0u);
    EXPECT_EQ(farthest.work.x25519, 0u);
    // Parsing allocates a little, the same whatever the jump.
    EXPECT_EQ(farthest.work.allocations, just_past.work.allocations);
    EXPECT_LE(farthest.work.allocations, 16u);
}

TEST_F(WorkCountTest, DuplicateDerivesNothing) {
    const Receive duplicate = receive(conversation.bob, sent[0].bytes);
    ASSERT_EQ(duplicate.error, Error::duplicate);
    EXPECT_EQ(duplicate.work.sha256_finals, 0u) << "a duplicate derived keys";
    EXPECT_EQ(duplicate.work.x25519, 0u);
}

TEST_F(WorkCountTest, ForgeryCostsAtMostTheGenuineMessageAtItsPosition) {
    // The unit costs, from genuine messages: at jump 0 (one chain step and the MAC), then at
    // jump 1 (one step more).
    const Receive jump_zero = receive(conversation.bob, sent[1].bytes);
    ASSERT_TRUE(jump_zero.accepted);
    const Receive jump_one = receive(conversation.bob, sent[3].bytes);
    ASSERT_TRUE(jump_one.accepted);
    ASSERT_GT(jump_one.work.sha256_finals, jump_zero.work.sha256_finals);
    const std::size_t per_step = jump_one.work.sha256_finals - jump_zero.work.sha256_finals;
    // The chain's index is 4 now (counter 2 is stored as skipped). A forgery at the largest jump
    // the limit allows.
    const Receive forged = receive(conversation.bob, with_counter(sent[1], 4 + max_jump));
    ASSERT_EQ(forged.error, Error::authentication_failed);
    EXPECT_LE(forged.work.sha256_finals, jump_zero.work.sha256_finals + max_jump * per_step);
    EXPECT_EQ(forged.work.x25519, 0u) << "a forgery on a known chain did a DH";
    // A forgery on a ratchet key Bob has not seen: one DH and one KDF_RK more, no DH step of
    // his own (the DH step and its new key pair happen only once the message authenticates: DR §3.5
    // discards every change of a failed decryption).
    SignalMessageParts parts = signal_fields_of(sent[1].bytes);
    parts.ratchet_key = serialized(fresh_public_key<role::Ratchet>());
    parts.counter = 0;
    const Receive new_key = receive(conversation.bob, encode_signal_message(parts));
    ASSERT_EQ(new_key.error, Error::authentication_failed);
    EXPECT_EQ(new_key.work.x25519, 1u);
}

TEST_F(WorkCountTest, ForgeryAcrossEveryArchivedSessionIsBounded) {
    // The worst case of one injected message (attack class AC.COST_AMPLIFICATION): Bob keeps the
    // most archived sessions the profile allows, and the forgery carries a ratchet key no session
    // has seen with the largest counter a new chain accepts. Each of the 1 + 40 sessions tries it
    // (L8): one X25519, max_jump + 1 chain steps and one MAC each, about 41 X25519 and 82,000
    // KDF_CK in all. The counts are printed for the evidence pack's log.
    Party& alice = conversation.alice;
    Party& bob = conversation.bob;
    const std::size_t archived = Profile::signal_v3().max_archived_sessions;
    const PreKeyBundle bundle = bob_bundle_with(conversation, nullptr);
    // More restarts than the archive holds: the oldest sessions are dropped, so the cost below
    // stays that of 1 + 40 sessions however many sessions the peer started.
    for (std::size_t restart = 0; restart < archived + 5; ++restart) {
        ASSERT_TRUE(alice.initiate_session(bundle).ok());
        ASSERT_EQ(decrypt_text(bob, encrypt_text(alice, "restart")), "restart");
    }
    ASSERT_EQ(bob.view().archived.size(), archived);
    // Bob answers, so that Alice sends SignalMessages again (L12).
    ASSERT_EQ(decrypt_text(alice, encrypt_text(bob, "answer")), "answer");
    // One chain step's SHA-256 finalizations, from genuine messages at jumps 0 and 1.
    // (The first message after Bob's answer opens a new chain, a DH step: not a unit cost.)
    ASSERT_EQ(decrypt_text(bob, encrypt_text(alice, "new chain")), "new chain");
    const OutgoingMessage step_zero = encrypt_text(alice, "zero");
    encrypt_text(alice, "skipped");
    const OutgoingMessage step_one = encrypt_text(alice, "two");
    const Receive jump_zero = receive(bob, step_zero.bytes);
    const Receive jump_one = receive(bob, step_one.bytes);
    ASSERT_TRUE(jump_zero.accepted && jump_one.accepted);
    const std::size_t per_step = jump_one.work.sha256_finals - jump_zero.work.sha256_finals;
    ASSERT_GT(per_step, 0u);

    SignalMessageParts parts = signal_fields_of(sent[1].bytes);
    parts.ratchet_key = serialized(fresh_public_key<role::Ratchet>());
    parts.counter = max_jump;
    const Receive forged = receive(bob, encode_signal_message(parts));
    ASSERT_EQ(forged.error, Error::authentication_failed);
    const std::size_t sessions = archived + 1;
    const std::size_t chain_steps = sessions * (max_jump + 1);
    std::printf(
        "worst-case forgery: %zu sessions tried, %zu X25519, %zu SHA-256 finalizations "
        "(%zu per chain step: about %zu chain steps), %zu allocations\n",
        sessions, forged.work.x25519, forged.work.sha256_finals, per_step,
        forged.work.sha256_finals / per_step, forged.work.allocations);
    EXPECT_EQ(forged.work.x25519, sessions) << "one DH per session tried";
    EXPECT_GE(forged.work.sha256_finals, chain_steps * per_step);
    // Besides the chain steps, each session does one KDF_RK, one message-key HKDF and one MAC:
    // a few dozen finalizations, far below one more chain's worth.
    EXPECT_LE(forged.work.sha256_finals, chain_steps * per_step + sessions * 64);
}

}  // namespace
}  // namespace ratchetcheck::unit
