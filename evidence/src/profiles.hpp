// The evidence pack per protocol profile (issue 23): what each check covered for signal-v3 and
// for signal-v4-pqxdh, derived from what ran (the checks' ctest results, fuzz targets, proved
// invariants and the interop logs), never declared. A profile's row is PASS only when tests of
// that profile ran and passed in this run; a check that does not know the profile (the model,
// the proofs) shows NOT RUN for it, whatever the check's own result.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ratchetcheck::evidence {

// The profiles the pack reports, as Profile::by_name spells them.
inline constexpr const char* profile_v3 = "signal-v3";
inline constexpr const char* profile_v4 = "signal-v4-pqxdh";

// v4_test_pattern matches the ctest names (and fuzz target names) of the signal-v4-pqxdh
// checks: suites Pqxdh* and Kyber*, suites naming V4 (LiveInteropV4, InteropTracesV4), targets
// and replays ending in _v4, and everything run against libsignal-client. Only the suite part of a
// gtest name is read for V4 (TraceProfile.AJsonTraceNamesSignalV4Pqxdh tests the trace format
// under the v3 model, not v4). It is written for ctest -R (CMake's regex) and std::regex alike, so
// the command in the report selects exactly the tests the row counts.
inline constexpr const char* v4_test_pattern = "^(Pqxdh|Kyber)|^[^.]*V4|_v4$|libsignal_client";

// profile_of_test is the profile a test or fuzz target exercises: signal-v4-pqxdh when
// v4_test_pattern matches its name, signal-v3 (the default profile) otherwise.
[[nodiscard]] std::string profile_of_test(const std::string& name);

// InteropRun is what one interop batch's random-trace test said it ran, read from its output.
struct InteropRun {
    bool found = false;  // the test's summary line was in the output
    std::uint64_t seed = 0;
    std::uint64_t traces = 0;  // each in both seats
    double seconds = 0;
    double trace_runs_per_second = 0;  // 0 when the line does not give it (v3)
};

// v4_interop_run reads the output of LiveInteropV4.RandomTracesAgreeWithLibsignalClientInEitherSeat
// (tests/interop/libsignal_client_interop_test.cpp): "v4 interop: RATCHETCHECK_V4_INTEROP_SEED=S
// ..." then "v4 interop: N traces, each in both placements, in X s: R trace runs/s, ...".
[[nodiscard]] InteropRun v4_interop_run(const std::string& output);

// v3_interop_run reads the output of the libsignal-protocol-c random traces (interop_test):
// "interop: RATCHETCHECK_INTEROP_SEED=S ..." then "interop: N traces x 2 placements, ...; X s",
// the first summary after the seed line of `seed` (the file holds fixed-seed runs too).
[[nodiscard]] InteropRun v3_interop_run(const std::string& output, std::uint64_t seed);

// profiles_section is report.json's `profiles`: for each profile its verdict (pass only when
// every row passed) and one row per check of the catalogue {check, status: pass, fail,
// incomplete or not_run, in_scope, detail, tests {passed, failed, skipped}, command}. `checks`
// is report.json's checks.
[[nodiscard]] nlohmann::json profiles_section(const nlohmann::json& checks);

// profile_shortfalls lists "check profile: status (detail)" for each row of a check that passed
// and claims the profile (in_scope) while the profile's part of it did not pass: a check shown as
// passed must not hide that half of it did not run. The verdict counts them as not complete.
[[nodiscard]] std::vector<std::string> profile_shortfalls(const nlohmann::json& profiles);

}  // namespace ratchetcheck::evidence
