// The adversary's rule (model::well_formed_view, transitions.hpp; docs/proofs.md, "The
// adversary's rule") can fail: the proofs assume it of every message the adversary hands a party,
// and the harness checks every received message against it, so a rule that accepted everything
// would make both vacuous. Each test breaks one clause of the rule and nothing else: the broken
// view differs from a well-formed control view in that one field, and the control is checked too,
// so a test cannot pass because some other clause happened to fail.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>

#include "ratchetcheck/model/domain.hpp"
#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/model/state.hpp"
#include "ratchetcheck/model/system.hpp"
#include "ratchetcheck/model/transitions.hpp"

namespace ratchetcheck::model {
namespace {

constexpr std::int64_t two_to_the_32 = std::int64_t{1} << 32;

// A conversation with one message each way: Alice sends message 0 (a PreKeySignalMessage); Bob
// accepts it, which starts his session; Bob replies with message 1 under his first ratchet key.
class AdversaryRule : public ::testing::Test {
  protected:
    AdversaryRule()
        : system_(Limits{.max_forward_jump = 5,
                         .max_skipped_keys_per_chain = 5,
                         .max_skipped_keys_total = 10,
                         .max_receiving_chains = 3},
                  Variant{}, /*one_time_prekey_published=*/true) {
        const System::SendResult alice_sends = system_.send(PartyId::alice, 16);
        EXPECT_EQ(alice_sends.verdict, Verdict::ok);
        alice_message_ = alice_sends.message.value_or(0);
        EXPECT_EQ(system_.deliver(alice_message_).verdict, Verdict::ok);
        const System::SendResult bob_replies = system_.send(PartyId::bob, 16);
        EXPECT_EQ(bob_replies.verdict, Verdict::ok);
        bob_message_ = bob_replies.message.value_or(0);
    }

    bool well_formed_for_bob(const ConcreteView& view) const {
        return system_.well_formed(PartyId::bob, view);
    }

    // forged_view is a copy of Alice's message whose authenticated bytes the adversary changed:
    // not authentic, every other field genuine. It is well formed (checked by
    // ForgedCopyIsTheWellFormedControl), and most tests below break one clause of it.
    ConcreteView forged_view() const {
        ConcreteView view = system_.genuine_view_of(alice_message_);
        view.authentic = false;
        return view;
    }

    System system_;
    std::size_t alice_message_ = 0;
    std::size_t bob_message_ = 0;
};

TEST_F(AdversaryRule, GenuineViewsAreWellFormed) {
    // Both genuine messages, to their recipients; Alice's also after Bob accepted it (a replay is
    // the adversary's right).
    EXPECT_TRUE(system_.well_formed(PartyId::bob, system_.genuine_view_of(alice_message_)));
    EXPECT_TRUE(system_.well_formed(PartyId::alice, system_.genuine_view_of(bob_message_)));
    // System::well_formed is well_formed_view on the current world.
    ConcreteDomain domain;
    EXPECT_TRUE(well_formed_view<ConcreteDomain>(domain, system_.world(), PartyId::alice,
                                                 system_.genuine_view_of(bob_message_)));
}

TEST_F(AdversaryRule, ForgedCopyIsTheWellFormedControl) {
    EXPECT_TRUE(well_formed_for_bob(forged_view()));
}

// (a) Only a message that was sent authenticates: an authentic view of (epoch, counter) never sent.
TEST_F(AdversaryRule, AuthenticViewOfAMessageNeverSentIsIllFormed) {
    ConcreteView view = system_.genuine_view_of(alice_message_);
    view.counter = 1;  // Alice sent only counter 0 under this epoch
    EXPECT_FALSE(well_formed_for_bob(view));
    view.authentic = false;
    EXPECT_TRUE(well_formed_for_bob(view));
}

// (a) ... and only one the receiver's peer sent: Bob's own message handed back to Bob.
TEST_F(AdversaryRule, AuthenticViewOfTheReceiversOwnMessageIsIllFormed) {
    const ConcreteView own_message = system_.genuine_view_of(bob_message_);
    EXPECT_FALSE(system_.well_formed(PartyId::bob, own_message));
    EXPECT_TRUE(system_.well_formed(PartyId::alice, own_message));
}

// (a) An authentic message carries its sender's ratchet key, which is a known one. (The rule's
// own `key_known` conjunct in (a) is implied by the rest: an unknown key's epoch is -1 by (b),
// and no message is sent under epoch -1; this view is caught either way.)
TEST_F(AdversaryRule, AuthenticViewWithAnUnknownKeyIsIllFormed) {
    ConcreteView view = system_.genuine_view_of(alice_message_);
    view.key_known = false;
    view.epoch = -1;
    EXPECT_FALSE(well_formed_for_bob(view));
    view.authentic = false;
    EXPECT_TRUE(well_formed_for_bob(view));
}

// (b) A known key names an epoch already generated: not next_epoch or later, not negative.
TEST_F(AdversaryRule, KnownKeyOfAnEpochNotYetGeneratedIsIllFormed) {
    ConcreteView view = forged_view();
    view.epoch = system_.world().next_epoch;
    EXPECT_FALSE(well_formed_for_bob(view));
    view.epoch = system_.world().next_epoch + 7;
    EXPECT_FALSE(well_formed_for_bob(view));
    view.epoch = -1;
    EXPECT_FALSE(well_formed_for_bob(view));
    view.epoch = system_.world().next_epoch - 1;
    EXPECT_TRUE(well_formed_for_bob(view));
}

// (b) A known key is a real public key, so the message parses and key agreement succeeds.
TEST_F(AdversaryRule, KnownKeyThatFailsToParseOrAgreeIsIllFormed) {
    ConcreteView unparsed = forged_view();
    unparsed.parsed = false;
    EXPECT_FALSE(well_formed_for_bob(unparsed));
    ConcreteView no_agreement = forged_view();
    no_agreement.key_agreement_ok = false;
    EXPECT_FALSE(well_formed_for_bob(no_agreement));
    // The same failures with an unknown key are the adversary's to make.
    for (ConcreteView* view : {&unparsed, &no_agreement}) {
        view->key_known = false;
        view->epoch = -1;
        EXPECT_TRUE(well_formed_for_bob(*view));
    }
}

// (b) An unknown key names no epoch: its epoch field is -1.
TEST_F(AdversaryRule, UnknownKeyWithAnEpochIsIllFormed) {
    ConcreteView view = forged_view();
    view.key_known = false;
    view.epoch = 0;
    EXPECT_FALSE(well_formed_for_bob(view));
    view.epoch = -2;
    EXPECT_FALSE(well_formed_for_bob(view));
    view.epoch = -1;
    EXPECT_TRUE(well_formed_for_bob(view));
}

// (c) Counters are 32-bit fields on the wire (SCHEMA.md §6.3): 2^32 cannot be received.
TEST_F(AdversaryRule, CounterOfTwoToThe32IsIllFormed) {
    ConcreteView counter = forged_view();
    counter.counter = two_to_the_32;
    EXPECT_FALSE(well_formed_for_bob(counter));
    counter.counter = two_to_the_32 - 1;
    EXPECT_TRUE(well_formed_for_bob(counter));
    ConcreteView previous_counter = forged_view();
    previous_counter.previous_counter = two_to_the_32;
    EXPECT_FALSE(well_formed_for_bob(previous_counter));
    previous_counter.previous_counter = two_to_the_32 - 1;
    EXPECT_TRUE(well_formed_for_bob(previous_counter));
}

// (c) ... and unsigned: no negative counter.
TEST_F(AdversaryRule, NegativeCounterIsIllFormed) {
    ConcreteView counter = forged_view();
    counter.counter = -1;
    EXPECT_FALSE(well_formed_for_bob(counter));
    counter.counter = 0;
    EXPECT_TRUE(well_formed_for_bob(counter));
    ConcreteView previous_counter = forged_view();
    previous_counter.previous_counter = -1;
    EXPECT_FALSE(well_formed_for_bob(previous_counter));
    previous_counter.previous_counter = 0;
    EXPECT_TRUE(well_formed_for_bob(previous_counter));
}

// (d) The one-time prekey field is absent (0), genuine (1) or other (2) — nothing else.
TEST_F(AdversaryRule, OneTimePreKeyFieldOutsideItsThreeValuesIsIllFormed) {
    ConcreteView view = forged_view();
    for (const OneTimePreKeyField field :
         {OneTimePreKeyField::absent, OneTimePreKeyField::genuine, OneTimePreKeyField::other}) {
        view.one_time_prekey = static_cast<std::int64_t>(field);
        EXPECT_TRUE(well_formed_for_bob(view));
    }
    view.one_time_prekey = 3;
    EXPECT_FALSE(well_formed_for_bob(view));
    view.one_time_prekey = -1;
    EXPECT_FALSE(well_formed_for_bob(view));
}

// (d) The initiator's genuine base key is a real public key, so key agreement with it succeeds.
TEST_F(AdversaryRule, GenuineBaseKeyWithoutAgreementIsIllFormed) {
    ConcreteView view = forged_view();
    view.base_key_agreement_ok = false;
    EXPECT_FALSE(well_formed_for_bob(view));
    view.base_key_genuine = false;  // the adversary's own (or a low-order) base key may fail
    EXPECT_TRUE(well_formed_for_bob(view));
}

}  // namespace
}  // namespace ratchetcheck::model
