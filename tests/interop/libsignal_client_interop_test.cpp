// Live interop with libsignal-client (Signal's current libsignal, @signalapp/libsignal-client
// 0.79.0 through Node.js seats) on the signal-v4-pqxdh profile, through the one side-by-side
// runner: random seeded v4 op traces with libsignal-client in Bob's seat and then in Alice's (ours
// in the other), every op checked by the runner's table. A failure shrinks to an op trace, written
// to a file that `ratchetcheck replay --peer libsignal-client --seat SEAT FILE` runs.
//
// RATCHETCHECK_V4_INTEROP_SCENARIOS sets the number of random traces (default 200, about half a
// minute on the 2-core machine; the campaign is 1000); RATCHETCHECK_V4_INTEROP_SEED fixes
// the seed (default: drawn, and printed). Trace i is drawn from seed + i, so one trace replays
// alone with RATCHETCHECK_V4_INTEROP_SEED=<its seed> RATCHETCHECK_V4_INTEROP_SCENARIOS=1.
// RATCHETCHECK_INTEROP_COUNTEREXAMPLE=FILE writes the shrunk counterexample there.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>

#include "libsignal_client_endpoint.hpp"
#include "ratchetcheck/harness/trace_shrink.hpp"
#include "trace_generator.hpp"

namespace ratchetcheck::interop {
namespace {

using harness::OpTrace;
using harness::RunnerOptions;
using model::PartyId;
using peers::LibsignalClientFault;

constexpr std::uint64_t default_scenarios = 200;

// Placement: libsignal-client in one seat, ours in the other.
struct Placement {
    PartyId peer_seat;
    const char* seat_name;  // as `ratchetcheck replay --seat` spells it
};
constexpr Placement placements[] = {{PartyId::bob, "bob"}, {PartyId::alice, "alice"}};

std::string placement_name(const Placement& placement) {
    return placement.peer_seat == PartyId::bob ? "ours(alice) <-> libsignal-client(bob)"
                                               : "libsignal-client(alice) <-> ours(bob)";
}

RunnerOptions options_for(const Placement& placement,
                          LibsignalClientFault fault = LibsignalClientFault::none) {
    RunnerOptions options;
    options.seats[model::index_of(placement.peer_seat)] =
        peers::libsignal_client_endpoint_factory(fault);
    return options;
}

OpTrace v4_trace(std::uint64_t seed) {
    return generate_interop_trace(seed, harness::TraceProfile::signal_v4_pqxdh);
}

// shrink_and_write shrinks a failing trace, writes it and returns what to print: the violation,
// the shrunk trace and the command that replays it.
std::string shrink_and_write(const OpTrace& trace, const Placement& placement,
                             const RunnerOptions& options, const std::string& file_stem) {
    const harness::LenientRun original = harness::run_lenient(trace, options);
    OpTrace minimal = harness::shrink_trace(trace, options);
    const harness::LenientRun shrunk = harness::run_lenient(minimal, options);
    minimal.note = fmt::format("libsignal-client interop counterexample in {}, from seed {}",
                               placement_name(placement), trace.setup.key_seed);
    const char* chosen = std::getenv("RATCHETCHECK_INTEROP_COUNTEREXAMPLE");
    const std::string path = chosen != nullptr && *chosen != '\0'
                                 ? std::string(chosen)
                                 : fmt::format("{}-{}.json", file_stem, trace.setup.key_seed);
    std::ofstream(path) << harness::trace_to_json(minimal);
    return fmt::format(
        "{} fails at {}\nshrunk from {} to {} ops, written to {}:\n{}\nwhich fails at {}\n"
        "replay: ratchetcheck replay --peer libsignal-client --seat {} {}",
        placement_name(placement),
        original.first_violation ? original.first_violation->describe() : "?",
        original.applied.ops.size(), minimal.ops.size(), path, harness::trace_to_json(minimal),
        shrunk.first_violation ? shrunk.first_violation->describe() : "(no longer fails)",
        placement.seat_name, path);
}

struct Campaign {
    harness::RunStatistics total;
    std::uint64_t traces = 0;  // traces run in both placements
    std::string failure;
};

// run_campaign runs `count` v4 traces from `seed` in both placements and stops at the first
// failure, shrunk and written.
Campaign run_campaign(std::uint64_t seed, std::uint64_t count, LibsignalClientFault fault,
                      const std::string& file_stem = "libsignal-client-counterexample") {
    Campaign campaign;
    for (std::uint64_t index = 0; index < count; ++index) {
        const OpTrace trace = v4_trace(seed + index);
        for (const Placement& placement : placements) {
            const RunnerOptions options = options_for(placement, fault);
            const harness::LenientRun run = harness::run_lenient(trace, options);
            campaign.total += run.statistics;
            if (run.setup_problem) {
                campaign.failure =
                    fmt::format("seed {}: setup: {}", seed + index, *run.setup_problem);
                return campaign;
            }
            if (!run.first_violation && run.not_applicable != 0) {
                campaign.failure = fmt::format("seed {}: {} generated ops do not apply",
                                               seed + index, run.not_applicable);
                return campaign;
            }
            if (run.first_violation) {
                campaign.failure = fmt::format(
                    "trace {} failed; reproduce with RATCHETCHECK_V4_INTEROP_SEED={} "
                    "RATCHETCHECK_V4_INTEROP_SCENARIOS=1\n{}",
                    index, seed + index, shrink_and_write(trace, placement, options, file_stem));
                return campaign;
            }
        }
        ++campaign.traces;
    }
    return campaign;
}

// @evidence check=test:LiveInteropV4.* functions=SF.KEY_AGREEMENT,SF.PER_MESSAGE_KEYS,SF.TRANSACTIONAL_RECEIVE,SF.REPLAY_REJECTION,SF.OUT_OF_ORDER clauses=PQXDH-3.3,PQXDH-3.4,DR-3.4,DR-3.5
TEST(LiveInteropV4, RandomTracesAgreeWithLibsignalClientInEitherSeat) {
    const std::uint64_t count =
        environment_number("RATCHETCHECK_V4_INTEROP_SCENARIOS").value_or(default_scenarios);
    const std::uint64_t seed =
        environment_number("RATCHETCHECK_V4_INTEROP_SEED")
            .value_or((static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                      std::random_device{}());
    std::cout << "v4 interop: RATCHETCHECK_V4_INTEROP_SEED=" << seed
              << " RATCHETCHECK_V4_INTEROP_SCENARIOS=" << count << " ("
              << peers::libsignal_client_version() << ")" << std::endl;
    const auto start = std::chrono::steady_clock::now();
    const Campaign campaign = run_campaign(seed, count, LibsignalClientFault::none);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const harness::RunStatistics& total = campaign.total;
    std::cout << fmt::format(
                     "v4 interop: {} traces, each in both placements, in {:.1f} s: {:.1f} trace "
                     "runs/s, {:.0f} messages sent and checked/s ({} ops, {} sends, {} accepted, "
                     "{} DH ratchet "
                     "steps, {} with a stored skipped key, {} altered yet genuine; rejected: {} "
                     "duplicates, {} other; {} truncations); {} seat processes started",
                     campaign.traces, seconds, 2.0 * static_cast<double>(campaign.traces) / seconds,
                     static_cast<double>(total.sends) / seconds, total.ops, total.sends,
                     total.accepted, total.ratchet_steps, total.accepted_out_of_order,
                     total.tampered_accepted, total.rejected_duplicate, total.rejected_other,
                     total.truncations, peers::libsignal_client_seats_started())
              << std::endl;
    EXPECT_TRUE(campaign.failure.empty()) << "seed " << seed << ": " << campaign.failure;
    if (count >= default_scenarios) {
        // A pass must mean something: the traces reached the interesting cases.
        EXPECT_GT(total.ratchet_steps, 0u);
        EXPECT_GT(total.rejected_duplicate, 0u);
        EXPECT_GT(total.rejected_other, 0u);
        EXPECT_GT(total.truncations, 0u);
    }
}

harness::Op send(PartyId party, std::uint32_t size = 100) {
    return harness::SendOp{.party = party, .size = size};
}
harness::Op deliver(std::uint32_t message) {
    return harness::DeliverOp{.message = message};
}

OpTrace fixed_trace(std::uint64_t seed, bool one_time_kyber_prekey, std::vector<harness::Op> ops) {
    OpTrace trace;
    trace.setup.key_seed = seed;
    trace.setup.profile = harness::TraceProfile::signal_v4_pqxdh;
    trace.setup.one_time_kyber_prekey = one_time_kyber_prekey;
    trace.ops = std::move(ops);
    return trace;
}

// expect_agreement runs `trace` in both placements and returns the statistics of each.
std::vector<harness::RunStatistics> expect_agreement(const OpTrace& trace) {
    std::vector<harness::RunStatistics> statistics;
    for (const Placement& placement : placements) {
        const harness::LenientRun run = harness::run_lenient(trace, options_for(placement));
        EXPECT_FALSE(run.setup_problem) << *run.setup_problem;
        EXPECT_EQ(run.not_applicable, 0u) << placement_name(placement);
        EXPECT_FALSE(run.first_violation)
            << placement_name(placement) << ": " << run.first_violation->describe();
        statistics.push_back(run.statistics);
    }
    return statistics;
}

// PQXDH §3.4: the KEM shared secret goes into SK, so a PreKeySignalMessage whose Kyber ciphertext
// was altered derives other keys and fails its MAC (Kyber's implicit rejection gives a secret, not
// an error), in both implementations and whichever bundle Bob published; the genuine copy is then
// accepted. A tamper at byte 1000 lands in the ciphertext, the message's last 1569 bytes.
TEST(LiveInteropV4, AnAlteredKyberCiphertextIsRejectedByBoth) {
    for (const bool one_time_kyber : {true, false}) {
        const OpTrace trace = fixed_trace(
            20261201, one_time_kyber,
            {send(PartyId::alice), harness::TamperOp{.message = 0, .byte = 1000, .mask = 0x10},
             deliver(0), send(PartyId::bob), deliver(1)});
        for (const harness::RunStatistics& statistics : expect_agreement(trace)) {
            EXPECT_EQ(statistics.rejected_other, 1u) << "one-time Kyber prekey " << one_time_kyber;
            EXPECT_EQ(statistics.accepted, 2u);
        }
    }
}

// Once Bob has the session, a later PreKeySignalMessage with Alice's base key is a message of that
// session: neither implementation reads its Kyber fields again, so an altered ciphertext in it
// changes nothing and the message is accepted (libsignal session.rs looks the base key up first;
// ours SCHEMA.md §6.5).
TEST(LiveInteropV4, AnAlteredKyberCiphertextInALaterPrekeyMessageIsIgnoredByBoth) {
    const OpTrace trace =
        fixed_trace(20261202, true,
                    {send(PartyId::alice), send(PartyId::alice), deliver(0),
                     harness::TamperOp{.message = 1, .byte = 1000, .mask = 0x10}, deliver(1)});
    for (const harness::RunStatistics& statistics : expect_agreement(trace)) {
        EXPECT_EQ(statistics.tampered_accepted, 1u);
        EXPECT_EQ(statistics.rejected_duplicate, 1u);
    }
}

// Found by the random v4 traces (seed 51): without a one-time EC prekey, Bob has the session from
// Alice's first PreKeySignalMessage, and her second one arrives with its base key altered. Ours
// and the model build a session from the altered key, which cannot open the message. libsignal
// 0.75+ then stops ("A PreKey message creates a session and then decrypts a Whisper message using
// that session"), and signal-v4-pqxdh does the same (docs/decisions.md E79): all refuse the
// altered copy and all accept the genuine one after it. signal-v3 keeps libsignal-protocol-c's
// fallback to the open session (LiveInterop.AChangedBaseKeyFallsBackToTheOpenSessionInBoth).
// Without E79 this test fails: ours and the model accept the altered copy, libsignal-client does
// not.
TEST(LiveInteropV4, AChangedBaseKeyInALaterPrekeyMessageIsRefusedByAll) {
    OpTrace trace =
        fixed_trace(20261203, false,
                    {send(PartyId::alice, 50), send(PartyId::alice, 40), deliver(0),
                     harness::TamperOp{.message = 1, .byte = 10, .mask = 0x20}, deliver(1)});
    trace.setup.one_time_prekey = false;
    const harness::LenientRun ours = harness::run_lenient(trace, RunnerOptions{});
    ASSERT_FALSE(ours.first_violation) << ours.first_violation->describe();
    EXPECT_EQ(ours.statistics.tampered_accepted, 0u);
    EXPECT_EQ(ours.statistics.accepted, 2u);
    for (const harness::RunStatistics& statistics : expect_agreement(trace)) {
        EXPECT_EQ(statistics.tampered_accepted, 0u);
        EXPECT_EQ(statistics.accepted, 2u);
    }
}

// Found by the random v4 traces (seed 900000238): with a one-time prekey, byte 1 of a
// PreKeySignalMessage is the preKeyId tag 0x08, and flipping bit 3 makes it field number 0.
// libsignal-client's decoder (prost) refuses field number 0 ("protobuf encoding was invalid");
// version-4 parsing follows prost, so ours refuses it as malformed too (decisions E78), where
// version 3 follows libsignal-protocol-c's protobuf-c and skips it
// (LiveInterop.AFieldNumberZeroInThePrekeyHeaderIsSkippedByBoth). Without E78 this test fails: ours
// accepts the tampered copy.
TEST(LiveInteropV4, AFieldNumberZeroInThePrekeyHeaderIsRefusedByAll) {
    const OpTrace trace =
        fixed_trace(20261205, true,
                    {send(PartyId::alice, 299), send(PartyId::alice, 1), deliver(1),
                     harness::TamperOp{.message = 0, .byte = 1, .mask = 0x08}});
    const harness::LenientRun ours = harness::run_lenient(trace, RunnerOptions{});
    EXPECT_FALSE(ours.first_violation) << ours.first_violation->describe();
    EXPECT_EQ(ours.statistics.tampered_accepted, 0u);
    for (const harness::RunStatistics& statistics : expect_agreement(trace)) {
        EXPECT_EQ(statistics.tampered_accepted, 0u);
        EXPECT_EQ(statistics.rejected_other, 1u);
    }
}

// The same altered base key when Bob's bundle had a one-time Kyber prekey: Bob used it up on the
// first message, so the altered copy names a Kyber prekey he no longer holds, and both refuse it
// before any session is tried (libsignal: InvalidKyberPreKeyId from the store; ours:
// unknown_prekey_id). α folds the missing Kyber prekey into the model's "prekeys not held"
// (abstraction.hpp), so the model rejects it too instead of falling back to the open session.
TEST(LiveInteropV4, AChangedBaseKeyNamingAUsedOneTimeKyberPrekeyIsRejectedByAll) {
    OpTrace trace =
        fixed_trace(20261204, true,
                    {send(PartyId::alice, 50), send(PartyId::alice, 40), deliver(0),
                     harness::TamperOp{.message = 1, .byte = 10, .mask = 0x20}, deliver(1)});
    trace.setup.one_time_prekey = false;
    const harness::LenientRun ours = harness::run_lenient(trace, RunnerOptions{});
    EXPECT_FALSE(ours.first_violation) << ours.first_violation->describe();
    EXPECT_EQ(ours.statistics.rejected_other, 1u);
    for (const harness::RunStatistics& statistics : expect_agreement(trace)) {
        EXPECT_EQ(statistics.rejected_other, 1u);
        EXPECT_EQ(statistics.accepted, 2u);
    }
}

// Both seats libsignal-client: the runner's checks hold for the peer alone, too.
TEST(LiveInteropV4, LibsignalClientInBothSeatsAgreesWithTheModel) {
    RunnerOptions options;
    options.seats = {peers::make_libsignal_client_endpoint, peers::make_libsignal_client_endpoint};
    for (std::uint64_t seed = 7000; seed < 7010; ++seed) {
        const harness::LenientRun run = harness::run_lenient(v4_trace(seed), options);
        ASSERT_FALSE(run.setup_problem) << *run.setup_problem;
        EXPECT_FALSE(run.first_violation)
            << "seed " << seed << ": " << run.first_violation->describe();
    }
}

// The peer refuses what it cannot run rather than running something else.
TEST(LiveInteropV4, ASignalV3TraceIsRefusedBySetup) {
    OpTrace trace;
    trace.setup.key_seed = 1;
    trace.ops = {send(PartyId::alice), deliver(0)};
    const harness::LenientRun run = harness::run_lenient(trace, options_for(placements[0]));
    ASSERT_TRUE(run.setup_problem);
    EXPECT_NE(run.setup_problem->find("signal-v4-pqxdh only"), std::string::npos);
}

TEST(InteropTracesV4, GenerationIsReproducibleAndV4AndReachesTheKyberCiphertext) {
    std::size_t kyber_tampers = 0;
    std::size_t last_resort_only = 0;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        const OpTrace trace = v4_trace(seed);
        ASSERT_EQ(trace, v4_trace(seed));
        ASSERT_EQ(trace.setup.profile, harness::TraceProfile::signal_v4_pqxdh);
        last_resort_only += trace.setup.one_time_kyber_prekey ? 0 : 1;
        for (const harness::Op& op : trace.ops) {
            if (const auto* tamper = std::get_if<harness::TamperOp>(&op))
                kyber_tampers += tamper->byte >= 450 && tamper->byte <= 1650 ? 1 : 0;
        }
    }
    EXPECT_GT(kyber_tampers, 0u);
    EXPECT_GT(last_resort_only, 0u);
    // The v3 traces are the ones they were.
    EXPECT_EQ(generate_interop_trace(5),
              generate_interop_trace(5, harness::TraceProfile::signal_v3));
}

// --- the runner must be able to fail: faults planted in the Node seat (seat.js `plant`)

struct FaultCase {
    const char* name;
    LibsignalClientFault fault;
    harness::Check expected_check;
    std::size_t most_ops;  // the shrunk trace is at most this long
};

void PrintTo(const FaultCase& fault_case, std::ostream* out) {
    *out << fault_case.name;
}

class LiveInteropV4Catches : public ::testing::TestWithParam<FaultCase> {};

// A planted fault is found by the random traces, shrinks to a few ops, still fails when replayed
// with the planted seat, and replays in agreement with the real seat.
TEST_P(LiveInteropV4Catches, APlantedFaultAndShrinksItToAReplayableTrace) {
    const FaultCase& fault_case = GetParam();
    // Each fault writes its own file: ctest may run the three at once.
    const Campaign campaign = run_campaign(
        4242, 40, fault_case.fault, fmt::format("libsignal-client-planted-{}", fault_case.name));
    ASSERT_FALSE(campaign.failure.empty()) << "40 traces did not notice the planted fault";
    std::cout << campaign.failure << std::endl;
    EXPECT_NE(campaign.failure.find("RATCHETCHECK_V4_INTEROP_SEED="), std::string::npos);
    EXPECT_NE(campaign.failure.find(harness::check_name(fault_case.expected_check)),
              std::string::npos)
        << "expected a violation of " << harness::check_name(fault_case.expected_check);
    const std::size_t written = campaign.failure.find("written to ");
    ASSERT_NE(written, std::string::npos);
    const std::string path =
        campaign.failure.substr(written + 11, campaign.failure.find(':', written) - written - 11);
    std::ifstream file(path);
    const std::string json((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    auto parsed = harness::trace_from_json(json);
    ASSERT_TRUE(std::holds_alternative<OpTrace>(parsed)) << path;
    const OpTrace& minimal = std::get<OpTrace>(parsed);
    EXPECT_EQ(minimal.setup.profile, harness::TraceProfile::signal_v4_pqxdh);
    EXPECT_LE(minimal.ops.size(), fault_case.most_ops) << json;
    int placements_checked = 0;
    for (const Placement& placement : placements) {
        if (campaign.failure.find(placement_name(placement) + " fails at") == std::string::npos)
            continue;
        ++placements_checked;
        const auto planted =
            harness::run_lenient(minimal, options_for(placement, fault_case.fault));
        EXPECT_TRUE(planted.first_violation) << "the shrunk trace no longer fails";
        const auto real = harness::run_lenient(minimal, options_for(placement));
        EXPECT_FALSE(real.first_violation)
            << "the real seat fails too: " << real.first_violation->describe();
    }
    EXPECT_EQ(placements_checked, 1) << campaign.failure;
}

INSTANTIATE_TEST_SUITE_P(
    Faults, LiveInteropV4Catches,
    ::testing::Values(FaultCase{"WrongPlaintext", LibsignalClientFault::wrong_plaintext,
                                harness::Check::model_agreement, 8},
                      FaultCase{"AcceptedTamper", LibsignalClientFault::accept_tamper,
                                harness::Check::model_agreement, 6},
                      FaultCase{"StateChangeOnRejection",
                                LibsignalClientFault::change_state_on_rejection,
                                harness::Check::rejection_changes_nothing, 6}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ratchetcheck::interop
