// The evidence pack per profile (evidence/src/profiles.hpp, issue 23): each profile's row is
// derived from what ran, a v4 part that did not run is never a PASS, the v4 interop traces are
// counted from the suite's own output, and a passed check whose v4 part is missing makes the
// verdict INCOMPLETE.
#include <gtest/gtest.h>

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "profiles.hpp"
#include "verdict.hpp"

namespace {
using nlohmann::json;
using ratchetcheck::evidence::decide_verdict;
using ratchetcheck::evidence::profile_of_test;
using ratchetcheck::evidence::profile_shortfalls;
using ratchetcheck::evidence::profiles_section;
using ratchetcheck::evidence::v3_interop_run;
using ratchetcheck::evidence::v4_interop_run;

// The lines the interop suites print (tests/interop), as a batch's JUnit output holds them: a
// fixed-seed v3 run first, then the batch's random traces of each profile.
const std::string interop_output =
    "interop: RATCHETCHECK_INTEROP_SEED=20261201 RATCHETCHECK_INTEROP_SCENARIOS=1000\n"
    "interop: 1000 traces x 2 placements, 19 ops: 14 sends; 0.173224 s\n"
    "interop: RATCHETCHECK_INTEROP_SEED=20240601 RATCHETCHECK_INTEROP_SCENARIOS=2000\n"
    "interop: 2000 traces x 2 placements, 165040 ops: 78548 sends, rejected: 1586 duplicates; "
    "1822 truncations, 354 receiving chains evicted; 31.5231 s\n"
    "v4 interop: RATCHETCHECK_V4_INTEROP_SEED=20240601 RATCHETCHECK_V4_INTEROP_SCENARIOS=500 "
    "(libsignal-client 0.79.0 (Node.js seat))\n"
    "v4 interop: 500 traces, each in both placements, in 26.2 s: 38.2 trace runs/s, 728 messages "
    "sent and checked/s (40234 ops); 1 seat processes started\n";

json test_result(const std::string& name, const std::string& status = "pass") {
    return {{"name", name}, {"status", status}, {"seconds", 0.1}};
}

json passed_check(const std::string& id, std::initializer_list<json> test_list) {
    // Pushed one by one: a braced list of one json would copy it, not make an array of it.
    json tests = json::array();
    for (const json& test : test_list)
        tests.push_back(test);
    return {{"id", id},
            {"status", "pass"},
            {"summary", id + " passed"},
            {"counts", {{"passed", tests.size()}, {"failed", 0}, {"skipped", 0}}},
            {"command", "ctest --test-dir build -L '^" + id + "$'"},
            {"tests", tests}};
}

json interop_batch(bool with_v4_count) {
    json batch = {
        {"seed", 20240601},
        {"scenarios", 2000},
        {"v3", {{"found", true}, {"seed", 20240601}, {"traces", 2000}, {"seconds", 31.5}}}};
    batch["v4"] = with_v4_count ? json{{"found", true},
                                       {"seed", 20240601},
                                       {"traces", 500},
                                       {"seconds", 26.2},
                                       {"trace_runs_per_second", 38.2}}
                                : json{{"found", false}, {"traces", 0}};
    return batch;
}

// A run in which every check passed, with tests of both profiles where the project has them.
json every_check_passed(bool with_v4_count = true) {
    json interop = passed_check(
        "interop", {test_result("LiveInterop.RandomTracesAgreeInEitherSeat"),
                    test_result("LiveInteropV4.RandomTracesAgreeWithLibsignalClientInEitherSeat"),
                    test_result("Faults/LiveInteropV4Catches.APlantedFault/WrongPlaintext")});
    interop["batches"] = json::array({interop_batch(with_v4_count)});
    json fuzz = {{"id", "fuzz"},
                 {"status", "pass"},
                 {"command", "ratchetcheck evidence --only fuzz --fuzz-seconds 3"},
                 {"targets",
                  {{{"target", "decrypt"}, {"result", "ok"}, {"exec_per_second", 900}},
                   {{"target", "decrypt_v4"}, {"result", "ok"}, {"exec_per_second", 700}},
                   {{"target", "differential_libsignal_client"}, {"result", "ok"}}}}};
    json proof = {
        {"id", "proof"},
        {"status", "pass"},
        {"command", "ratchetcheck prove"},
        {"invariants",
         json::array({json{{"id", "INV-1"}, {"spec_clause", "DR-3.5"}, {"status", "proved"}}})}};
    return json::array(
        {passed_check("unit", {test_result("Ratchet.Step"), test_result("Pqxdh.Profile")}),
         passed_check("kat", {test_result("Rfc7748X25519.Vector"),
                              test_result("KyberKat.EveryKyber1024AnswerMatches"),
                              test_result("PqxdhDerivation.FirstMessage")}),
         {{"id", "vectors"},
          {"status", "pass"},
          {"summary", "signal-v3: 8 passed, 0 failed; signal-v4-pqxdh: 4 passed, 0 failed"},
          {"parameters", {{"transcripts", "/shared/vectors/signal-v3"}}},
          {"by_profile",
           {{"signal-v3",
             {{"status", "pass"},
              {"summary", "8 passed, 0 failed"},
              {"counts", {{"passed", 8}, {"failed", 0}}},
              {"command", "ratchetcheck vectors /shared/vectors/signal-v3"}}},
            {"signal-v4-pqxdh",
             {{"status", "pass"},
              {"summary", "4 passed, 0 failed"},
              {"counts", {{"passed", 4}, {"failed", 0}}},
              {"command", "ratchetcheck vectors tests/vectors/signal-v4-pqxdh"}}}}}},
         passed_check("property",
                      {test_result("StatefulProperties.NoMessageAcceptedTwice"),
                       test_result("TraceProfile.AJsonTraceNamesSignalV4PqxdhAndWhetherTheKyber")}),
         passed_check("mutants", {test_result("mutant_previous_counter_wrong_property_test")}),
         interop,
         proof,
         {{"id", "certificates"}, {"status", "pass"}, {"summary", "150 of 591 re-checked"}},
         passed_check("fuzz-replay",
                      {test_result("fuzz_replay_decrypt"), test_result("fuzz_replay_decrypt_v4"),
                       test_result("fuzz_replay_differential_libsignal_client")}),
         fuzz,
         {{"id", "coverage"}, {"status", "pass"}, {"summary", "protocol/: lines 96.1 %"}},
         passed_check("ct", {test_result("ConstantTime.Compare")})});
}

json row(const json& profiles, const std::string& profile, const std::string& check) {
    for (const json& each : profiles) {
        if (each["name"] != profile)
            continue;
        for (const json& entry : each["rows"]) {
            if (entry["check"] == check)
                return entry;
        }
    }
    ADD_FAILURE() << "no row " << check << " for " << profile;
    return json::object();
}

const json no_gaps = json::object();

TEST(EvidenceProfiles, TestsAreAssignedToTheProfileTheyExercise) {
    for (const char* v4 :
         {"Pqxdh.ProfileIsLibsignalVersionFour", "PqxdhResponder.UnknownKyberPrekeyIdIsRefused",
          "KyberKat.EveryKyber1024AnswerMatches",
          "PqxdhDerivation.WithoutOneTimePrekeyThereIsNoDh4",
          "LiveInteropV4.AnAlteredKyberCiphertextIsRejectedByBoth",
          "Faults/LiveInteropV4Catches.APlantedFaultAndShrinksItToAReplayableTrace/WrongPlaintext",
          "InteropTracesV4.GenerationIsReproducible", "libsignal_client_seat_selftest",
          "cli_replay_peer_libsignal_client_each_seat", "fuzz_replay_decrypt_v4", "decrypt_v4",
          "differential_libsignal_client", "fuzz_replay_differential_libsignal_client"})
        EXPECT_EQ(profile_of_test(v4), "signal-v4-pqxdh") << v4;
    for (const char* v3 :
         {"StatefulProperties.NoMessageAcceptedTwice", "Rfc7748X25519.IteratedOneMillionTimes",
          "TraceProfile.AJsonTraceNamesSignalV4PqxdhAndWhetherTheKyberPrekeyIsOneTime",
          "fuzz_replay_decrypt", "differential_libsignal", "decrypt", "vectors_test"})
        EXPECT_EQ(profile_of_test(v3), "signal-v3") << v3;
}

TEST(EvidenceProfiles, TheV4InteropCountSeedAndSpeedAreReadFromTheOutput) {
    const auto run = v4_interop_run(interop_output);
    EXPECT_TRUE(run.found);
    EXPECT_EQ(run.seed, 20240601u);
    EXPECT_EQ(run.traces, 500u);
    EXPECT_DOUBLE_EQ(run.seconds, 26.2);
    EXPECT_DOUBLE_EQ(run.trace_runs_per_second, 38.2);
    // The v3 random traces of the batch's seed, not the fixed-seed run printed before them.
    const auto v3 = v3_interop_run(interop_output, 20240601);
    EXPECT_TRUE(v3.found);
    EXPECT_EQ(v3.traces, 2000u);
    EXPECT_NEAR(v3.seconds, 31.5231, 1e-9);
    EXPECT_FALSE(v3_interop_run(interop_output, 1).found);
}

TEST(EvidenceProfiles, WithoutItsSummaryLineNoV4TraceIsCounted) {
    // The v4 suite did not run (not built, Node missing) or died before its summary.
    const std::string cut = interop_output.substr(0, interop_output.find("v4 interop: 500"));
    const auto run = v4_interop_run(cut);
    EXPECT_FALSE(run.found);
    EXPECT_EQ(run.traces, 0u);
    EXPECT_FALSE(v4_interop_run("").found);
    // Digits that do not fit, or a lone dot, are read as nothing rather than thrown at the pack.
    const auto garbled = v4_interop_run(
        "v4 interop: RATCHETCHECK_V4_INTEROP_SEED=1\nv4 interop: 99999999999999999999999 traces, "
        "each in both placements, in . s: . trace runs/s");
    EXPECT_EQ(garbled.traces, 0u);
    EXPECT_EQ(garbled.seconds, 0.0);
}

TEST(EvidenceProfiles, EveryCheckPassedGivesV3PassAndV4IncompleteWithoutTheModel) {
    const json profiles = profiles_section(every_check_passed());
    ASSERT_EQ(profiles.size(), 2u);
    EXPECT_EQ(profiles[0]["name"], "signal-v3");
    EXPECT_EQ(profiles[0]["verdict"], "pass") << profiles[0].dump(2);
    EXPECT_EQ(profiles[1]["name"], "signal-v4-pqxdh");
    EXPECT_EQ(profiles[1]["verdict"], "incomplete");
    for (const char* check :
         {"unit", "kat", "vectors", "interop", "fuzz-replay", "fuzz", "coverage"})
        EXPECT_EQ(row(profiles, "signal-v4-pqxdh", check)["status"], "pass") << check;
    EXPECT_EQ(row(profiles, "signal-v4-pqxdh", "vectors")["command"],
              "ratchetcheck vectors tests/vectors/signal-v4-pqxdh");
    // The model, the proofs and ct know signal-v3 only: NOT RUN for v4 although each of these
    // checks passed, and out of its scope.
    for (const char* check : {"property", "mutants", "proof", "certificates", "ct"}) {
        const json entry = row(profiles, "signal-v4-pqxdh", check);
        EXPECT_EQ(entry["status"], "not_run") << check;
        EXPECT_FALSE(entry["in_scope"].get<bool>()) << check;
    }
    EXPECT_NE(row(profiles, "signal-v4-pqxdh", "interop")["detail"].get<std::string>().find(
                  "500 random traces"),
              std::string::npos);
    EXPECT_EQ(row(profiles, "signal-v4-pqxdh", "unit")["command"],
              "ctest --test-dir build -L '^unit$' -R '^(Pqxdh|Kyber)|^[^.]*V4|_v4$|"
              "libsignal_client'");
    // signal-v3's command keeps the check's own exclusion: ctest honours only the last -E.
    json checks = every_check_passed();
    checks[0]["command"] =
        "ctest --test-dir build -L '^unit$' -E '^(install_and_find_package)$' -j2";
    checks[0]["parameters"] = {{"excluded", "^(install_and_find_package)$"}};
    EXPECT_EQ(row(profiles_section(checks), "signal-v3", "unit")["command"],
              "ctest --test-dir build -L '^unit$' -E "
              "'^(install_and_find_package)$|^(Pqxdh|Kyber)|^[^.]*V4|_v4$|libsignal_client' -j2");
    // Out-of-scope rows do not make the run's verdict incomplete: those checks never claimed v4.
    EXPECT_TRUE(profile_shortfalls(profiles).empty());
    EXPECT_EQ(
        decide_verdict(every_check_passed(), no_gaps, {}, profile_shortfalls(profiles)).outcome,
        "pass");
}

TEST(EvidenceProfiles, AMissingV4TraceCountIsIncompleteNotPass) {
    const json checks = every_check_passed(false);
    const json profiles = profiles_section(checks);
    const json entry = row(profiles, "signal-v4-pqxdh", "interop");
    EXPECT_EQ(entry["status"], "incomplete");
    EXPECT_NE(entry["detail"].get<std::string>().find("is not in the output"), std::string::npos);
    EXPECT_EQ(row(profiles, "signal-v3", "interop")["status"], "pass");
    const auto shortfalls = profile_shortfalls(profiles);
    ASSERT_EQ(shortfalls.size(), 1u);
    EXPECT_EQ(shortfalls[0].rfind("interop signal-v4-pqxdh: incomplete", 0), 0u) << shortfalls[0];
    const auto verdict = decide_verdict(checks, no_gaps, {}, shortfalls);
    EXPECT_EQ(verdict.outcome, "incomplete");
    EXPECT_NE(verdict.reasons().find("interop signal-v4-pqxdh"), std::string::npos);
}

TEST(EvidenceProfiles, AV4PartThatDidNotRunIsNeverReportedAsPassed) {
    json checks = every_check_passed();
    // The libsignal-client suite was not there (no Node): interop passed on v3 tests alone.
    checks[5]["tests"] = json::array({test_result("LiveInterop.RandomTracesAgreeInEitherSeat")});
    // The fuzz run had v3 targets only.
    checks[9]["targets"] = json::array({json{{"target", "decrypt"}, {"result", "ok"}}});
    const json profiles = profiles_section(checks);
    EXPECT_EQ(row(profiles, "signal-v4-pqxdh", "interop")["status"], "not_run");
    EXPECT_EQ(row(profiles, "signal-v4-pqxdh", "fuzz")["status"], "not_run");
    EXPECT_EQ(row(profiles, "signal-v3", "interop")["status"], "pass");
    EXPECT_EQ(profiles[1]["verdict"], "incomplete");
    EXPECT_EQ(profile_shortfalls(profiles).size(), 2u);
    EXPECT_EQ(decide_verdict(checks, no_gaps, {}, profile_shortfalls(profiles)).outcome,
              "incomplete");
}

TEST(EvidenceProfiles, AV4FailureFailsTheV4RowOnly) {
    json checks = every_check_passed();
    checks[0]["status"] = "fail";
    checks[0]["tests"][1]["status"] = "fail";
    const json profiles = profiles_section(checks);
    EXPECT_EQ(row(profiles, "signal-v4-pqxdh", "unit")["status"], "fail");
    EXPECT_EQ(profiles[1]["verdict"], "fail");
    EXPECT_EQ(row(profiles, "signal-v3", "unit")["status"], "pass");
}

TEST(EvidenceProfiles, EachProfilesTranscriptsCountOnlyWhenTheirOwnReplayRan) {
    // A vectors result without the v4 replay (an older pack's): v3 passes, v4 is NOT RUN although
    // the check passed, and, the check claiming both profiles, the run is INCOMPLETE.
    json checks = every_check_passed();
    checks[2]["by_profile"].erase("signal-v4-pqxdh");
    json profiles = profiles_section(checks);
    EXPECT_EQ(row(profiles, "signal-v3", "vectors")["status"], "pass");
    EXPECT_EQ(row(profiles, "signal-v4-pqxdh", "vectors")["status"], "not_run");
    EXPECT_EQ(decide_verdict(checks, no_gaps, {}, profile_shortfalls(profiles)).outcome,
              "incomplete");
    // A failing v4 replay fails the v4 row, not the v3 one.
    checks = every_check_passed();
    checks[2]["by_profile"]["signal-v4-pqxdh"]["status"] = "fail";
    profiles = profiles_section(checks);
    EXPECT_EQ(row(profiles, "signal-v4-pqxdh", "vectors")["status"], "fail");
    EXPECT_EQ(row(profiles, "signal-v3", "vectors")["status"], "pass");
}

TEST(EvidenceProfiles, ACheckLeftOutIsNotRunForBothProfiles) {
    json checks = every_check_passed();
    checks[5] = {{"id", "interop"},
                 {"status", "skipped"},
                 {"summary", "not selected (--only)"},
                 {"command", "ratchetcheck evidence --only interop"}};
    checks.erase(checks.begin() + 9);  // fuzz: not in the checks at all
    const json profiles = profiles_section(checks);
    for (const char* profile : {"signal-v3", "signal-v4-pqxdh"}) {
        EXPECT_EQ(row(profiles, profile, "interop")["status"], "not_run") << profile;
        EXPECT_EQ(row(profiles, profile, "fuzz")["status"], "not_run") << profile;
        EXPECT_EQ(profiles[profile == std::string("signal-v3") ? 0 : 1]["verdict"], "incomplete");
    }
    // The verdict already counts a check that did not run; the profiles do not count it twice.
    EXPECT_TRUE(profile_shortfalls(profiles).empty());
}

TEST(EvidenceProfiles, AV4InvariantWouldCountForV4) {
    // When the model knows PQXDH (issue 25), an invariant tracing a PQXDH clause is v4's.
    json checks = every_check_passed();
    checks[6]["invariants"].push_back(
        {{"id", "INV-PQ"}, {"spec_clause", "PQXDH-3.4"}, {"status", "proved"}});
    const json profiles = profiles_section(checks);
    EXPECT_EQ(row(profiles, "signal-v4-pqxdh", "proof")["status"], "pass");
    EXPECT_EQ(row(profiles, "signal-v4-pqxdh", "certificates")["status"], "pass");
}

}  // namespace
