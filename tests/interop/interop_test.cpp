// Live interop with libsignal-protocol-c (issue 3): randomised, seeded scenarios run in two
// worlds in lock-step — our Alice with libsignal's Bob, libsignal's Alice with our Bob — and every
// delivery is checked against the model (scenario.hpp): the sent plaintext, or a rejection, in
// both worlds. Then fixed scenarios at the shared bounds, the model on hand-worked cases, and the
// runner's ability to fail.
//
// RATCHETCHECK_INTEROP_SCENARIOS sets the number of random scenarios (default 1000);
// RATCHETCHECK_INTEROP_SEED fixes the seed (default: drawn, and printed). Scenario i runs with
// seed + i, so one scenario replays alone with RATCHETCHECK_INTEROP_SEED=<its seed> and
// RATCHETCHECK_INTEROP_SCENARIOS=1.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>

#include "runner.hpp"
#include "scenario.hpp"
#include "world.hpp"

namespace ratchetcheck::interop {
namespace {

std::optional<std::uint64_t> environment_number(const char* name) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0')
        return std::nullopt;
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text, &end, 0);
    if (end == nullptr || *end != '\0') {
        ADD_FAILURE() << name << "=" << text << " is not a number";
        return std::nullopt;
    }
    return value;
}

// Runs `count` scenarios from `seed`; on the first failure shrinks it and reports the seed and the
// minimal event list. Returns the statistics of the scenarios that ran.
Statistics run_random_scenarios(std::uint64_t seed, std::uint64_t count,
                                const WorldFactory& factory, std::string* failure_report) {
    Statistics total;
    for (std::uint64_t index = 0; index < count; ++index) {
        const std::uint64_t scenario_seed = seed + index;
        const Scenario scenario = generate_scenario(scenario_seed);
        const RunResult result = run_scenario(scenario, factory);
        total.add(result.statistics);
        if (!result.valid) {
            *failure_report = "generator produced an invalid scenario (seed " +
                              std::to_string(scenario_seed) + ")\n" + describe(scenario);
            return total;
        }
        if (!result.failed)
            continue;
        const Scenario minimal = shrink(scenario, factory);
        const RunResult minimal_result = run_scenario(minimal, factory);
        *failure_report = "scenario " + std::to_string(index) + " failed; reproduce with " +
                          "RATCHETCHECK_INTEROP_SEED=" + std::to_string(scenario_seed) +
                          " RATCHETCHECK_INTEROP_SCENARIOS=1\n" + result.failure +
                          "\nminimal event list (" + std::to_string(minimal.events.size()) +
                          " of " + std::to_string(scenario.events.size()) + " events), " +
                          describe(minimal) + "which fails with: " + minimal_result.failure;
        return total;
    }
    return total;
}

TEST(LiveInterop, RandomScenariosGiveTheModelsOutcomeInBothPairings) {
    const std::uint64_t count = environment_number("RATCHETCHECK_INTEROP_SCENARIOS").value_or(1000);
    const std::uint64_t seed =
        environment_number("RATCHETCHECK_INTEROP_SEED")
            .value_or((static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                      std::random_device{}());
    std::cout << "interop: RATCHETCHECK_INTEROP_SEED=" << seed
              << " RATCHETCHECK_INTEROP_SCENARIOS=" << count << std::endl;
    const auto start = std::chrono::steady_clock::now();
    std::string failure;
    const Statistics statistics = run_random_scenarios(seed, count, default_world, &failure);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "interop: " << statistics.summary() << "; " << seconds << " s" << std::endl;
    EXPECT_TRUE(failure.empty()) << "seed " << seed << ": " << failure;
    EXPECT_EQ(statistics.scenarios, count);
}

// --- fixed scenarios at the bounds both implementations share
// ---------------------------------------

Event send_event(Side sender, std::uint32_t label, std::uint32_t size = 100) {
    return Event{EventKind::send, sender, label, size, 0, 0, {}};
}
Event deliver_event(std::uint32_t label) {
    return Event{EventKind::deliver, Side::alice, label, 0, 0, 0, {}};
}

void expect_passes(const Scenario& scenario, const Statistics& required) {
    const RunResult result = run_scenario(scenario);
    ASSERT_TRUE(result.valid);
    ASSERT_FALSE(result.failed) << result.failure << "\n" << describe(scenario);
    EXPECT_EQ(result.statistics.deliveries_accepted, required.deliveries_accepted);
    EXPECT_EQ(result.statistics.too_far_ahead_rejected, required.too_far_ahead_rejected);
    EXPECT_EQ(result.statistics.chain_dropped_rejected, required.chain_dropped_rejected);
    EXPECT_EQ(result.statistics.duplicates_rejected, required.duplicates_rejected);
}

// libsignal session_cipher.c rejects a counter more than 2000 past the chain ("Over 2000 messages
// into the future!"); 2000 exactly is accepted, and the keys skipped on the way stay usable.
TEST(LiveInterop, TheForwardJumpLimitOf2000IsShared) {
    Scenario scenario{20260101, true, {}};
    for (std::uint32_t label = 0; label <= 2001; ++label) {
        scenario.events.push_back(send_event(Side::alice, label, 1));
    }
    scenario.events.push_back(deliver_event(2001));  // 2001 ahead of a new chain: rejected
    scenario.events.push_back(deliver_event(2000));  // exactly 2000 ahead: accepted
    scenario.events.push_back(deliver_event(0));     // a skipped key
    scenario.events.push_back(deliver_event(2001));  // now 1 ahead: accepted
    scenario.events.push_back(deliver_event(0));     // its key is gone: a duplicate
    Statistics required;
    required.deliveries_accepted = 3;
    required.too_far_ahead_rejected = 1;
    required.duplicates_rejected = 1;
    expect_passes(scenario, required);
}

// libsignal keeps five receiving chains (session_state.c, MAX_RECEIVER_CHAINS) and so does ours
// (Profile::max_receiving_chains); Alice's first chain, keyed by Bob's signed prekey, counts. Each
// late message is delivered when its chain is the sixth newest (dropped) or the fifth (kept).
TEST(LiveInterop, MessagesOnAChainOlderThanTheLastFiveAreRejectedByBoth) {
    Scenario scenario{20260102, true, {}};
    std::uint32_t label = 0;
    const std::uint32_t alice_epoch_one = label;
    scenario.events.push_back(send_event(Side::alice, label++));
    scenario.events.push_back(send_event(Side::alice, label));
    scenario.events.push_back(deliver_event(label++));  // Bob: chains a1
    std::uint32_t bob_epoch_one = 0;
    std::uint32_t alice_epoch_two = 0;
    for (int round = 1; round <= 6; ++round) {
        if (round == 1) {
            bob_epoch_one = label;
            scenario.events.push_back(send_event(Side::bob, label++));
        }
        scenario.events.push_back(send_event(Side::bob, label));
        scenario.events.push_back(deliver_event(label++));  // Alice: chains 0, b1 .. b<round>
        if (round == 1) {
            alice_epoch_two = label;
            scenario.events.push_back(send_event(Side::alice, label++));
        }
        scenario.events.push_back(send_event(Side::alice, label));
        scenario.events.push_back(deliver_event(label++));  // Bob: chains a1 .. a<round + 1>
        if (round == 5) {
            // Bob holds a1 .. a6: a1 is the sixth newest, a2 the fifth.
            scenario.events.push_back(deliver_event(alice_epoch_one));
            scenario.events.push_back(deliver_event(alice_epoch_two));
        }
    }
    // Alice holds 0, b1 .. b6, of which b2 .. b6 are kept: b1 is the sixth newest.
    scenario.events.push_back(deliver_event(bob_epoch_one));
    const RunResult result = run_scenario(scenario);
    ASSERT_TRUE(result.valid);
    ASSERT_FALSE(result.failed) << result.failure << "\n" << describe(scenario);
    EXPECT_EQ(result.statistics.chain_dropped_rejected, 2u);
    EXPECT_EQ(result.statistics.out_of_order_accepted, 1u);
    EXPECT_EQ(result.statistics.ratchet_steps, 13u);
}

// A PreKeySignalMessage's header is not authenticated (SCHEMA.md §6.5). These two changes to it
// were found by the random scenarios: libsignal accepts both messages (it decrypts the embedded,
// genuine SignalMessage with the session it already has), so ours must as well.
Event tamper_event(std::uint32_t label, std::uint64_t selector, std::uint8_t mask) {
    return Event{EventKind::tamper,           Side::alice, label, 0, selector, mask,
                 TamperClass::unauthenticated};
}

// Unauthenticated bytes of a PreKeySignalMessage with a one-time prekey, in order: the version's
// low nibble (0), then the preKeyId tag 0x08 (1). Flipping 0x08 makes it field number 0, which
// libsignal's protobuf-c skips as an unknown field.
TEST(LiveInterop, AFieldNumberZeroInThePrekeyHeaderIsSkippedByBoth) {
    Scenario scenario{20260103, true, {}};
    scenario.events = {send_event(Side::alice, 0), deliver_event(0), send_event(Side::alice, 1),
                       tamper_event(1, 1, 0x08), deliver_event(1)};
    const RunResult result = run_scenario(scenario);
    ASSERT_TRUE(result.valid);
    EXPECT_FALSE(result.failed) << result.failure;
    EXPECT_EQ(result.statistics.unauthenticated_accepted, 1u);
    EXPECT_EQ(result.statistics.duplicates_rejected, 1u);
}

// Without a one-time prekey the unauthenticated bytes are: version low nibble (0), baseKey tag (1)
// and length (2), the key's type byte (3), then the key itself (4...). With a changed base key
// libsignal builds a session that cannot open the embedded message, then opens it with the
// session it already has, and keeps the useless one in its archive.
TEST(LiveInterop, AChangedBaseKeyFallsBackToTheOpenSessionInBoth) {
    Scenario scenario{20260104, false, {}};
    scenario.events = {
        send_event(Side::alice, 0), deliver_event(0),           send_event(Side::alice, 1),
        tamper_event(1, 4, 0x01),   deliver_event(1),           send_event(Side::bob, 2),
        deliver_event(2),           send_event(Side::alice, 3), deliver_event(3)};
    const RunResult result = run_scenario(scenario);
    ASSERT_TRUE(result.valid);
    EXPECT_FALSE(result.failed) << result.failure;
    EXPECT_EQ(result.statistics.unauthenticated_accepted, 1u);
    EXPECT_EQ(result.statistics.duplicates_rejected, 1u);
}

// --- the model, on cases worked by hand
// ------------------------------------------------------------

TEST(InteropModel, InitiatorRepeatsThePrekeyHeaderUntilAnswered) {
    Model model;
    EXPECT_FALSE(model.can_send(Side::bob));
    EXPECT_EQ(model.send(Side::alice, 0).type, MessageType::prekey_message);
    EXPECT_EQ(model.send(Side::alice, 1).type, MessageType::prekey_message);
    ASSERT_EQ(model.expect(1), ExpectedDelivery::accept);
    model.accept(1);
    EXPECT_TRUE(model.can_send(Side::bob));
    EXPECT_EQ(model.send(Side::bob, 2).type, MessageType::signal_message);
    EXPECT_EQ(model.send(Side::alice, 3).type, MessageType::prekey_message);
    model.accept(2);
    EXPECT_EQ(model.send(Side::alice, 4).type, MessageType::signal_message);
    EXPECT_EQ(model.message(4).epoch, 2u);
    EXPECT_EQ(model.expect(0), ExpectedDelivery::accept);  // skipped key of Alice's epoch 1
    model.accept(0);
    EXPECT_EQ(model.expect(0), ExpectedDelivery::duplicate);
    EXPECT_EQ(model.expect(1), ExpectedDelivery::duplicate);
}

TEST(InteropModel, FiveChainsAreKeptAndTheSignedPrekeyChainCounts) {
    Model model;
    // Alice: chain for epoch 0 (Bob's signed prekey). Bob answers four times: epochs 1..4 join it.
    std::uint32_t label = 0;
    model.send(Side::alice, label);
    model.accept(label++);
    const std::uint32_t bob_epoch_one = label;
    model.send(Side::bob, label++);
    model.send(Side::bob, label);
    model.accept(label++);
    for (int round = 0; round < 3; ++round) {
        model.send(Side::alice, label);
        model.accept(label++);
        model.send(Side::bob, label);
        model.accept(label++);
    }
    EXPECT_EQ(model.expect(bob_epoch_one), ExpectedDelivery::accept);  // 5 chains: 0,1,2,3,4
    model.send(Side::alice, label);
    model.accept(label++);
    model.send(Side::bob, label);
    model.accept(label++);  // epoch 5 pushes out epoch 0: epoch 1 is still held
    EXPECT_EQ(model.expect(bob_epoch_one), ExpectedDelivery::accept);
    model.send(Side::alice, label);
    model.accept(label++);
    model.send(Side::bob, label);
    model.accept(label++);  // epoch 6 pushes out epoch 1
    EXPECT_EQ(model.expect(bob_epoch_one), ExpectedDelivery::chain_dropped);
}

TEST(InteropModel, AtMost2000AheadAndAtMost2000StoredKeysPerChain) {
    Model model;
    for (std::uint32_t label = 0; label <= 2001; ++label)
        model.send(Side::alice, label);
    EXPECT_EQ(model.expect(2001), ExpectedDelivery::too_far_ahead);
    EXPECT_EQ(model.expect(2000), ExpectedDelivery::accept);
    model.accept(2000);
    EXPECT_EQ(model.largest_gap(), 2000u);
    for (std::uint32_t label = 2002; label <= 2003; ++label)
        model.send(Side::alice, label);
    model.accept(2003);  // skips 2001 and 2002: 2002 keys stored, the two oldest evicted
    EXPECT_EQ(model.expect(0), ExpectedDelivery::never_skipped);
    EXPECT_EQ(model.expect(1), ExpectedDelivery::never_skipped);
    EXPECT_EQ(model.expect(2), ExpectedDelivery::accept);
    EXPECT_EQ(model.expect(2002), ExpectedDelivery::accept);
}

TEST(InteropScenarios, GenerationIsReproducibleAndCoversEveryEventKind) {
    std::set<EventKind> kinds;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        const Scenario first = generate_scenario(seed);
        const Scenario again = generate_scenario(seed);
        ASSERT_EQ(describe(first), describe(again));
        for (const Event& event : first.events)
            kinds.insert(event.kind);
    }
    EXPECT_EQ(kinds.size(), 5u);
}

// --- the runner must be able to fail
// ---------------------------------------------------------------

enum class Fault { corrupt_third_plaintext, accept_what_it_rejects, reject_17_byte_plaintexts };

// FaultyEndpoint wraps a real endpoint and breaks it in one way.
class FaultyEndpoint final : public Endpoint {
  public:
    FaultyEndpoint(std::unique_ptr<Endpoint> inner, Fault fault)
        : inner_(std::move(inner)), fault_(fault) {}
    std::string_view implementation() const override { return inner_->implementation(); }
    SendOutcome send(ByteView plaintext) override { return inner_->send(plaintext); }
    ReceiveOutcome receive(MessageType type, ByteView message) override {
        ReceiveOutcome outcome = inner_->receive(type, message);
        switch (fault_) {
            case Fault::corrupt_third_plaintext:
                if (outcome.accepted && ++accepted_ == 3)
                    outcome.plaintext.push_back(0);
                break;
            case Fault::accept_what_it_rejects:
                if (!outcome.accepted)
                    outcome = ReceiveOutcome{true, {}, {}};
                break;
            case Fault::reject_17_byte_plaintexts:
                if (outcome.accepted && outcome.plaintext.size() == 17) {
                    outcome = ReceiveOutcome{false, {}, "injected"};
                }
                break;
        }
        return outcome;
    }

  private:
    std::unique_ptr<Endpoint> inner_;
    Fault fault_;
    int accepted_ = 0;
};

WorldFactory faulty_world(Pairing broken_pairing, Side broken_side, Fault fault) {
    return [=](Pairing pairing, const Scenario& scenario) {
        WorldOrError made = default_world(pairing, scenario);
        if (made.world && pairing == broken_pairing) {
            std::unique_ptr<Endpoint>& endpoint =
                broken_side == Side::alice ? made.world->alice : made.world->bob;
            endpoint = std::make_unique<FaultyEndpoint>(std::move(endpoint), fault);
        }
        return made;
    };
}

struct FaultCase {
    const char* name;
    Pairing pairing;
    Side side;
    Fault fault;
};

void PrintTo(const FaultCase& fault_case, std::ostream* out) {
    *out << fault_case.name;
}

class InteropRunnerCatches : public ::testing::TestWithParam<FaultCase> {};

TEST_P(InteropRunnerCatches, ABrokenEndpointAndShrinksTheScenario) {
    const FaultCase& fault_case = GetParam();
    const WorldFactory factory =
        faulty_world(fault_case.pairing, fault_case.side, fault_case.fault);
    std::string failure;
    run_random_scenarios(777, 200, factory, &failure);
    ASSERT_FALSE(failure.empty()) << "200 scenarios did not notice the broken endpoint";
    std::cout << failure << std::endl;
    EXPECT_NE(failure.find("minimal event list"), std::string::npos);
    EXPECT_NE(failure.find("RATCHETCHECK_INTEROP_SEED="), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Faults, InteropRunnerCatches,
                         ::testing::Values(FaultCase{"CorruptPlaintextInOurBob",
                                                     Pairing::libsignal_alice_ours_bob, Side::bob,
                                                     Fault::corrupt_third_plaintext},
                                           FaultCase{"AcceptingEverythingInLibsignalBob",
                                                     Pairing::ours_alice_libsignal_bob, Side::bob,
                                                     Fault::accept_what_it_rejects},
                                           FaultCase{"RejectingGenuineMessagesInOurAlice",
                                                     Pairing::ours_alice_libsignal_bob, Side::alice,
                                                     Fault::reject_17_byte_plaintexts}),
                         [](const auto& info) { return std::string(info.param.name); });

// A minimal list must be small: a plaintext corrupted on the third accepted message needs three
// sends and three deliveries at most.
TEST(InteropRunner, ShrinksToTheFewEventsThatMatter) {
    const WorldFactory factory =
        faulty_world(Pairing::libsignal_alice_ours_bob, Side::bob, Fault::corrupt_third_plaintext);
    for (std::uint64_t seed = 900; seed < 1000; ++seed) {
        const Scenario scenario = generate_scenario(seed);
        if (!run_scenario(scenario, factory).failed)
            continue;
        const Scenario minimal = shrink(scenario, factory);
        const RunResult result = run_scenario(minimal, factory);
        EXPECT_TRUE(result.failed);
        EXPECT_LE(minimal.events.size(), 6u) << describe(minimal);
        return;
    }
    FAIL() << "no scenario reached a third accepted message";
}

}  // namespace
}  // namespace ratchetcheck::interop
