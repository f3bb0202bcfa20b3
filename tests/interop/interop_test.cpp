// Live interop with libsignal-protocol-c through the one side-by-side runner: randomised, seeded
// op traces run with libsignal in Bob's seat and then in Alice's (ours in the other), and every op
// is checked by the runner's table — against the model, the independent oracle, and the checks on
// rejections, duplicates and deliveries. A failure shrinks to an op trace, written to a file that
// `ratchetcheck replay --peer libsignal --seat SEAT FILE` runs.
//
// RATCHETCHECK_INTEROP_SCENARIOS sets the number of random traces (default 1000);
// RATCHETCHECK_INTEROP_SEED fixes the seed (default: drawn, and printed). Trace i is drawn from
// seed + i, so one trace replays alone with RATCHETCHECK_INTEROP_SEED=<its seed> and
// RATCHETCHECK_INTEROP_SCENARIOS=1. RATCHETCHECK_INTEROP_COUNTEREXAMPLE=FILE writes the shrunk
// counterexample there instead of interop-counterexample-SEED.json.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <set>

#include "libsignal_endpoint.hpp"
#include "ratchetcheck/harness/independent_oracle.hpp"
#include "ratchetcheck/harness/trace_shrink.hpp"
#include "trace_generator.hpp"

namespace ratchetcheck::interop {
namespace {

using harness::ExpectedDelivery;
using harness::IndependentOracle;
using harness::OpTrace;
using harness::RunnerOptions;
using model::PartyId;

// Placement: libsignal in one seat, ours in the other.
struct Placement {
    PartyId libsignal_seat;
    const char* seat_name;  // as `ratchetcheck replay --seat` spells it
};
constexpr Placement placements[] = {{PartyId::bob, "bob"}, {PartyId::alice, "alice"}};

RunnerOptions options_for(const Placement& placement,
                          const harness::EndpointFactory& peer = peers::make_libsignal_endpoint) {
    RunnerOptions options;
    options.seats[model::index_of(placement.libsignal_seat)] = peer;
    return options;
}

std::string placement_name(const Placement& placement) {
    return placement.libsignal_seat == PartyId::bob ? "ours(alice) <-> libsignal(bob)"
                                                    : "libsignal(alice) <-> ours(bob)";
}

std::string summary(const harness::RunStatistics& total) {
    return fmt::format(
        "{} ops: {} sends, {} deliveries, {} accepted ({} with a stored skipped key, {} after a "
        "gap, {} DH ratchet steps, {} altered yet genuine), rejected: {} duplicates, {} too far "
        "ahead, {} other (tampered, truncated, on dropped chains); {} truncations, {} receiving "
        "chains evicted",
        total.ops, total.sends, total.deliveries, total.accepted, total.accepted_out_of_order,
        total.accepted_after_gap, total.ratchet_steps, total.tampered_accepted,
        total.rejected_duplicate, total.rejected_too_far_ahead, total.rejected_other,
        total.truncations, total.chains_evicted);
}

// report_failure shrinks a failing trace, writes it next to the test's working directory and
// returns what to print: the seed, the violation, the shrunk trace and the replay command.
std::string report_failure(const OpTrace& trace, const Placement& placement,
                           const RunnerOptions& options, const std::string& file_stem) {
    const harness::LenientRun original = harness::run_lenient(trace, options);
    OpTrace minimal = harness::shrink_trace(trace, options);
    const harness::LenientRun shrunk = harness::run_lenient(minimal, options);
    minimal.note = fmt::format("interop counterexample in {}, from the trace of seed {}",
                               placement_name(placement), trace.setup.key_seed);
    // RATCHETCHECK_INTEROP_COUNTEREXAMPLE names the file (tests/mutants reads it back).
    const char* chosen = std::getenv("RATCHETCHECK_INTEROP_COUNTEREXAMPLE");
    const std::string path = chosen != nullptr && *chosen != '\0' ? chosen : file_stem + ".json";
    std::ofstream(path) << harness::trace_to_json(minimal);
    return fmt::format(
        "{} fails at {}\nshrunk from {} to {} ops, written to {}:\n{}\nwhich fails at {}\n"
        "replay: ratchetcheck replay --peer libsignal --seat {} {}",
        placement_name(placement),
        original.first_violation ? original.first_violation->describe() : "?",
        original.applied.ops.size(), minimal.ops.size(), path, harness::trace_to_json(minimal),
        shrunk.first_violation ? shrunk.first_violation->describe() : "(no longer fails)",
        placement.seat_name, path);
}

// run_random_traces runs `count` traces from `seed` in both placements; on the first failure it
// shrinks and reports. Returns the statistics of what ran.
harness::RunStatistics run_random_traces(std::uint64_t seed, std::uint64_t count,
                                         const harness::EndpointFactory& peer,
                                         std::string* failure) {
    harness::RunStatistics total;
    for (std::uint64_t index = 0; index < count; ++index) {
        const OpTrace trace = generate_interop_trace(seed + index);
        for (const Placement& placement : placements) {
            const RunnerOptions options = options_for(placement, peer);
            const harness::LenientRun run = harness::run_lenient(trace, options);
            total += run.statistics;
            if (run.setup_problem) {
                *failure = fmt::format("seed {}: setup: {}", seed + index, *run.setup_problem);
                return total;
            }
            if (!run.first_violation && run.not_applicable != 0) {
                *failure = fmt::format("seed {}: the generator wrote {} ops that do not apply",
                                       seed + index, run.not_applicable);
                return total;
            }
            if (run.first_violation) {
                *failure = fmt::format(
                    "trace {} failed; reproduce with RATCHETCHECK_INTEROP_SEED={} "
                    "RATCHETCHECK_INTEROP_SCENARIOS=1\n{}",
                    index, seed + index,
                    report_failure(trace, placement, options,
                                   fmt::format("interop-counterexample-{}", seed + index)));
                return total;
            }
        }
    }
    return total;
}

// @evidence check=test:LiveInterop.* functions=SF.KEY_AGREEMENT,SF.PER_MESSAGE_KEYS,SF.TRANSACTIONAL_RECEIVE,SF.REPLAY_REJECTION,SF.OUT_OF_ORDER,SF.BOUNDED_STORES clauses=X3DH-3.3,X3DH-3.4,DR-3.4,DR-3.5
TEST(LiveInterop, RandomTracesAgreeWithLibsignalInEitherSeat) {
    const std::uint64_t count = environment_number("RATCHETCHECK_INTEROP_SCENARIOS").value_or(1000);
    const std::uint64_t seed =
        environment_number("RATCHETCHECK_INTEROP_SEED")
            .value_or((static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                      std::random_device{}());
    std::cout << "interop: RATCHETCHECK_INTEROP_SEED=" << seed
              << " RATCHETCHECK_INTEROP_SCENARIOS=" << count << std::endl;
    const auto start = std::chrono::steady_clock::now();
    std::string failure;
    const harness::RunStatistics total =
        run_random_traces(seed, count, peers::make_libsignal_endpoint, &failure);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "interop: " << count << " traces x 2 placements, " << summary(total) << "; "
              << seconds << " s" << std::endl;
    EXPECT_TRUE(failure.empty()) << "seed " << seed << ": " << failure;
    // A pass must mean something: the traces reached the interesting cases.
    if (count >= 1000) {
        EXPECT_GT(total.accepted_out_of_order, 0u);
        EXPECT_GT(total.ratchet_steps, 0u);
        EXPECT_GT(total.rejected_duplicate, 0u);
        EXPECT_GT(total.truncations, 0u);
    }
}

// --- fixed traces at the bounds both implementations share
// ------------------------------------------

harness::Op send(PartyId party, std::uint32_t size = 100) {
    return harness::SendOp{.party = party, .size = size};
}
harness::Op deliver(std::uint32_t message) {
    return harness::DeliverOp{.message = message};
}
harness::Op duplicate(std::uint32_t message) {
    return harness::DuplicateOp{.message = message};
}

// expect_agreement runs `trace` in both placements and returns the statistics of the first.
harness::RunStatistics expect_agreement(const OpTrace& trace) {
    harness::RunStatistics first;
    for (const Placement& placement : placements) {
        const harness::LenientRun run = harness::run_lenient(trace, options_for(placement));
        EXPECT_FALSE(run.setup_problem) << *run.setup_problem;
        EXPECT_EQ(run.not_applicable, 0u) << placement_name(placement);
        EXPECT_FALSE(run.first_violation)
            << placement_name(placement) << ": " << run.first_violation->describe();
        if (placement.libsignal_seat == PartyId::bob)
            first = run.statistics;
    }
    return first;
}

// libsignal session_cipher.c rejects a counter more than 2000 past the chain ("Over 2000 messages
// into the future!"); 2000 exactly is accepted, and the keys skipped on the way stay usable.
TEST(LiveInterop, TheForwardJumpLimitOf2000IsShared) {
    OpTrace trace;
    trace.setup.key_seed = 20260101;
    for (std::uint32_t message = 0; message <= 2001; ++message)
        trace.ops.push_back(send(PartyId::alice, 1));
    trace.ops.push_back(deliver(2001));  // 2001 ahead of a new chain: rejected
    trace.ops.push_back(duplicate(2001));
    trace.ops.push_back(deliver(2000));  // exactly 2000 ahead: accepted
    trace.ops.push_back(deliver(0));     // a skipped key
    trace.ops.push_back(deliver(2001));  // now 1 ahead: accepted
    trace.ops.push_back(duplicate(0));
    trace.ops.push_back(deliver(0));  // its key is gone: a duplicate
    const harness::RunStatistics statistics = expect_agreement(trace);
    EXPECT_EQ(statistics.accepted, 3u);
    EXPECT_EQ(statistics.rejected_too_far_ahead, 1u);
    EXPECT_EQ(statistics.rejected_duplicate, 1u);
}

// libsignal keeps five receiving chains (session_state.c, MAX_RECEIVER_CHAINS) and so does ours;
// Alice's first chain, keyed by Bob's signed prekey, counts. Each late message is delivered when
// its chain is the sixth newest (dropped) or the fifth (kept).
TEST(LiveInterop, MessagesOnAChainOlderThanTheLastFiveAreRejectedByBoth) {
    OpTrace trace;
    trace.setup.key_seed = 20260102;
    std::uint32_t message = 0;
    const std::uint32_t alice_epoch_one = message++;
    trace.ops = {send(PartyId::alice), send(PartyId::alice), deliver(message++)};
    std::uint32_t bob_epoch_one = 0;
    std::uint32_t alice_epoch_two = 0;
    for (int round = 1; round <= 6; ++round) {
        if (round == 1) {
            bob_epoch_one = message++;
            trace.ops.push_back(send(PartyId::bob));
        }
        trace.ops.push_back(send(PartyId::bob));
        trace.ops.push_back(deliver(message++));  // Alice: chains 0, b1 .. b<round>
        if (round == 1) {
            alice_epoch_two = message++;
            trace.ops.push_back(send(PartyId::alice));
        }
        trace.ops.push_back(send(PartyId::alice));
        trace.ops.push_back(deliver(message++));  // Bob: chains a1 .. a<round + 1>
        if (round == 5) {
            // Bob holds a1 .. a6: a1 is the sixth newest, a2 the fifth.
            trace.ops.push_back(deliver(alice_epoch_one));
            trace.ops.push_back(deliver(alice_epoch_two));
        }
    }
    // Alice holds 0, b1 .. b6, of which b2 .. b6 are kept: b1 is the sixth newest.
    trace.ops.push_back(deliver(bob_epoch_one));
    const harness::RunStatistics statistics = expect_agreement(trace);
    EXPECT_EQ(statistics.rejected_other, 2u);  // the two messages on dropped chains
    EXPECT_EQ(statistics.accepted_out_of_order, 1u);
    EXPECT_EQ(statistics.ratchet_steps, 13u);
}

// A PreKeySignalMessage's header is not authenticated (SCHEMA.md §6.5). These two changes to it
// were found by the random scenarios: libsignal accepts both messages (it decrypts the embedded,
// genuine SignalMessage with the session it already has), so ours must as well.
//
// With a one-time prekey, byte 1 of a PreKeySignalMessage is the preKeyId tag 0x08; flipping 0x08
// makes it field number 0, which libsignal's protobuf-c skips as an unknown field.
TEST(LiveInterop, AFieldNumberZeroInThePrekeyHeaderIsSkippedByBoth) {
    OpTrace trace;
    trace.setup.key_seed = 20260103;
    trace.ops = {send(PartyId::alice), deliver(0), send(PartyId::alice),
                 harness::TamperOp{.message = 1, .byte = 1, .mask = 0x08}, deliver(1)};
    const harness::RunStatistics statistics = expect_agreement(trace);
    EXPECT_EQ(statistics.tampered_accepted, 1u);
    EXPECT_EQ(statistics.rejected_duplicate, 1u);
}

// Without a one-time prekey the message starts: version (0), baseKey tag (1) and length (2), the
// key's type byte (3), then the key itself (4...). With a changed base key both build a session
// that cannot open the embedded message, then open it with the session they already have.
TEST(LiveInterop, AChangedBaseKeyFallsBackToTheOpenSessionInBoth) {
    OpTrace trace;
    trace.setup.key_seed = 20260104;
    trace.setup.one_time_prekey = false;
    trace.ops = {send(PartyId::alice),
                 deliver(0),
                 send(PartyId::alice),
                 harness::TamperOp{.message = 1, .byte = 4, .mask = 0x01},
                 deliver(1),
                 send(PartyId::bob),
                 deliver(2),
                 send(PartyId::alice),
                 deliver(3)};
    const harness::RunStatistics statistics = expect_agreement(trace);
    EXPECT_EQ(statistics.tampered_accepted, 1u);
    EXPECT_EQ(statistics.rejected_duplicate, 1u);
}

// Both seats libsignal: the runner's checks hold for the peer alone, too.
TEST(LiveInterop, LibsignalInBothSeatsAgreesWithTheModel) {
    RunnerOptions options;
    options.seats = {peers::make_libsignal_endpoint, peers::make_libsignal_endpoint};
    for (std::uint64_t seed = 5000; seed < 5050; ++seed) {
        const harness::LenientRun run = harness::run_lenient(generate_interop_trace(seed), options);
        ASSERT_FALSE(run.setup_problem);
        EXPECT_FALSE(run.first_violation)
            << "seed " << seed << ": " << run.first_violation->describe();
    }
}

// --- the independent oracle, on cases worked by hand
// -----------------------------------------------

TEST(IndependentOracle, InitiatorRepeatsThePrekeyHeaderUntilAnswered) {
    IndependentOracle oracle{model::Limits{}};
    EXPECT_FALSE(oracle.can_send(PartyId::bob));
    EXPECT_EQ(oracle.send(PartyId::alice, 0).type, MessageType::prekey_message);
    EXPECT_EQ(oracle.send(PartyId::alice, 1).type, MessageType::prekey_message);
    ASSERT_EQ(oracle.expect(1), ExpectedDelivery::accept);
    oracle.accept(1);
    EXPECT_TRUE(oracle.can_send(PartyId::bob));
    EXPECT_EQ(oracle.send(PartyId::bob, 2).type, MessageType::signal_message);
    EXPECT_EQ(oracle.send(PartyId::alice, 3).type, MessageType::prekey_message);
    oracle.accept(2);
    EXPECT_EQ(oracle.send(PartyId::alice, 4).type, MessageType::signal_message);
    EXPECT_EQ(oracle.message(4).epoch, 2u);
    EXPECT_EQ(oracle.expect(0), ExpectedDelivery::accept);  // skipped key of Alice's epoch 1
    oracle.accept(0);
    EXPECT_EQ(oracle.expect(0), ExpectedDelivery::duplicate);
    EXPECT_EQ(oracle.expect(1), ExpectedDelivery::duplicate);
}

TEST(IndependentOracle, AtMost2000AheadAndAtMost2000StoredKeysPerChain) {
    IndependentOracle oracle{model::Limits{}};
    for (std::uint32_t message = 0; message <= 2001; ++message)
        oracle.send(PartyId::alice, message);
    EXPECT_EQ(oracle.expect(2001), ExpectedDelivery::too_far_ahead);
    EXPECT_EQ(oracle.expect(2000), ExpectedDelivery::accept);
    oracle.accept(2000);
    EXPECT_EQ(oracle.largest_gap(), 2000u);
    for (std::uint32_t message = 2002; message <= 2003; ++message)
        oracle.send(PartyId::alice, message);
    oracle.accept(2003);  // skips 2001 and 2002: 2002 keys stored, the two oldest evicted
    EXPECT_EQ(oracle.expect(0), ExpectedDelivery::never_skipped);
    EXPECT_EQ(oracle.expect(1), ExpectedDelivery::never_skipped);
    EXPECT_EQ(oracle.expect(2), ExpectedDelivery::accept);
    EXPECT_EQ(oracle.expect(2002), ExpectedDelivery::accept);
}

TEST(IndependentOracle, AppliesOnlyWhereTheTotalCapCannotBind) {
    EXPECT_TRUE(IndependentOracle::applies(model::Limits{}));
    model::Limits small{};
    small.max_skipped_keys_total = 3;
    EXPECT_FALSE(IndependentOracle::applies(small));
}

TEST(InteropTraces, GenerationIsReproducibleAndCoversEveryOpKind) {
    std::set<std::size_t> kinds;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        const OpTrace first = generate_interop_trace(seed);
        ASSERT_EQ(first, generate_interop_trace(seed));
        for (const harness::Op& op : first.ops)
            kinds.insert(op.index());
    }
    // Every kind but forge and save_restore (the property tests cover those with ours).
    EXPECT_EQ(kinds.size(), 6u);
}

// --- the runner must be able to fail
// ---------------------------------------------------------------

enum class Fault { corrupt_third_plaintext, accept_what_it_rejects, reject_21_byte_plaintexts };

// PlantedFault wraps the libsignal endpoint and breaks it in one way: a planted disagreement
// between the two implementations.
class PlantedFault final : public harness::Endpoint {
  public:
    PlantedFault(std::unique_ptr<harness::Endpoint> inner, Fault fault)
        : inner_(std::move(inner)), fault_(fault) {}
    std::string_view implementation() const override { return inner_->implementation(); }
    IdentityPublicKey identity_public_key() const override { return inner_->identity_public_key(); }
    Result<void> trust_peer(const IdentityPublicKey& peer) override {
        return inner_->trust_peer(peer);
    }
    Result<PreKeyBundle> publish_prekeys(std::uint32_t signed_prekey_id,
                                         std::optional<std::uint32_t> one_time) override {
        return inner_->publish_prekeys(signed_prekey_id, one_time);
    }
    Result<void> initiate_session(const PreKeyBundle& bundle) override {
        return inner_->initiate_session(bundle);
    }
    Result<OutgoingMessage> encrypt(ByteView plaintext) override {
        return inner_->encrypt(plaintext);
    }
    Result<SecureBytes> decrypt(MessageType type, ByteView message) override {
        auto outcome = inner_->decrypt(type, message);
        switch (fault_) {
            case Fault::corrupt_third_plaintext:
                if (outcome.ok() && ++accepted_ == 3)
                    outcome.value().push_back(0);
                break;
            case Fault::accept_what_it_rejects:
                if (!outcome.ok())
                    return SecureBytes{};
                break;
            case Fault::reject_21_byte_plaintexts:
                if (outcome.ok() && outcome.value().size() == 21)
                    return Error::authentication_failed;
                break;
        }
        return outcome;
    }
    std::string native_error() const override { return inner_->native_error(); }
    bool reports_too_far_ahead() const override { return inner_->reports_too_far_ahead(); }
    SecureBytes snapshot() const override { return inner_->snapshot(); }
    std::optional<std::string> save_restore() override { return inner_->save_restore(); }
    std::optional<crypto::X25519Public> sending_ratchet_key() const override {
        return inner_->sending_ratchet_key();
    }
    std::optional<crypto::X25519Public> session_base_key() const override {
        return inner_->session_base_key();
    }

  private:
    std::unique_ptr<harness::Endpoint> inner_;
    Fault fault_;
    int accepted_ = 0;
};

harness::EndpointFactory planted(Fault fault) {
    return [fault](const harness::EndpointContext& context) -> harness::EndpointOrProblem {
        harness::EndpointOrProblem made = peers::make_libsignal_endpoint(context);
        if (auto* endpoint = std::get_if<std::unique_ptr<harness::Endpoint>>(&made))
            return std::make_unique<PlantedFault>(std::move(*endpoint), fault);
        return made;
    };
}

struct FaultCase {
    const char* name;
    Fault fault;
    std::size_t most_ops;  // the shrunk trace is at most this long
};

void PrintTo(const FaultCase& fault_case, std::ostream* out) {
    *out << fault_case.name;
}

class InteropRunnerCatches : public ::testing::TestWithParam<FaultCase> {};

// A planted disagreement is found by the random traces, shrinks to a few ops, still fails when
// replayed with the planted peer, and replays in agreement with the real libsignal.
TEST_P(InteropRunnerCatches, APlantedDisagreementAndShrinksItToAReplayableTrace) {
    const FaultCase& fault_case = GetParam();
    std::string failure;
    run_random_traces(777, 200, planted(fault_case.fault), &failure);
    ASSERT_FALSE(failure.empty()) << "200 traces did not notice the planted fault";
    std::cout << failure << std::endl;
    EXPECT_NE(failure.find("RATCHETCHECK_INTEROP_SEED="), std::string::npos);
    const std::size_t written = failure.find("written to ");
    ASSERT_NE(written, std::string::npos);
    const std::string path =
        failure.substr(written + 11, failure.find(':', written) - written - 11);
    std::ifstream file(path);
    const std::string json((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    auto parsed = harness::trace_from_json(json);
    ASSERT_TRUE(std::holds_alternative<OpTrace>(parsed)) << path;
    const OpTrace& minimal = std::get<OpTrace>(parsed);
    EXPECT_LE(minimal.ops.size(), fault_case.most_ops) << json;
    int placements_checked = 0;
    for (const Placement& placement : placements) {
        if (failure.find(placement_name(placement) + " fails at") == std::string::npos)
            continue;
        ++placements_checked;
        const auto with_plant =
            harness::run_lenient(minimal, options_for(placement, planted(fault_case.fault)));
        EXPECT_TRUE(with_plant.first_violation) << "the shrunk trace no longer fails";
        const auto with_libsignal = harness::run_lenient(minimal, options_for(placement));
        EXPECT_FALSE(with_libsignal.first_violation)
            << "the real libsignal fails too: " << with_libsignal.first_violation->describe();
    }
    EXPECT_EQ(placements_checked, 1) << failure;
}

INSTANTIATE_TEST_SUITE_P(
    Faults, InteropRunnerCatches,
    ::testing::Values(FaultCase{"CorruptThirdPlaintext", Fault::corrupt_third_plaintext, 6},
                      FaultCase{"AcceptingEverything", Fault::accept_what_it_rejects, 4},
                      FaultCase{"Rejecting21BytePlaintexts", Fault::reject_21_byte_plaintexts, 4}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ratchetcheck::interop
