// The totals of record_run, and this suite's RapidCheck defaults.
#include "run_statistics.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace ratchetcheck::property {
namespace {

struct Totals {
    std::size_t sequences = 0;
    harness::RunStatistics sum;
    std::chrono::steady_clock::duration elapsed{};
};

std::mutex totals_mutex;
std::map<std::string, Totals>& totals() {
    static std::map<std::string, Totals> table;
    return table;
}

// Prints the totals when the test program ends (RapidCheck prints each property's own
// distribution of tags as it finishes).
class TotalsPrinter final : public ::testing::Environment {
  public:
    void TearDown() override {
        const std::lock_guard lock(totals_mutex);
        std::size_t sequences = 0;
        double seconds = 0;
        for (const auto& [property, entry] : totals()) {
            const harness::RunStatistics& s = entry.sum;
            const double elapsed = std::chrono::duration<double>(entry.elapsed).count();
            sequences += entry.sequences;
            seconds += elapsed;
            fmt::print(
                "[statistics] {}: {} sequences, {} ops ({:.1f}/sequence), {:.0f} sequences/s; "
                "deliveries {} ({:.1f}% within the limits), accepted {} (late from a stored key "
                "{}, "
                "after a gap {}, DH steps {}, tampered yet genuine {}), rejected: duplicate {}, "
                "too_far_ahead {}, no_session {}, other {}; evicted: skipped keys {}, chains {}; "
                "save/restores {}\n",
                property, entry.sequences, s.ops,
                entry.sequences ? double(s.ops) / entry.sequences : 0.0,
                elapsed > 0 ? entry.sequences / elapsed : 0.0, s.deliveries,
                s.deliveries ? 100.0 * s.deliveries_deliverable / s.deliveries : 0.0, s.accepted,
                s.accepted_out_of_order, s.accepted_after_gap, s.ratchet_steps, s.tampered_accepted,
                s.rejected_duplicate, s.rejected_too_far_ahead, s.rejected_no_session,
                s.rejected_other, s.skipped_keys_evicted, s.chains_evicted, s.save_restores);
        }
        if (sequences > 0) {
            fmt::print(
                "[statistics] total: {} sequences in {:.1f} s of property time, {:.0f} "
                "sequences/s\n",
                sequences, seconds, seconds > 0 ? sequences / seconds : 0.0);
        }
    }
};

// This suite's RapidCheck defaults, merged into RC_PARAMS before RapidCheck reads it (it reads
// it once, when the first property runs): 500 sequences per property (100 when
// RATCHETCHECK_SANITIZED_RUN is set, as ci/test-asan.sh does: sanitizers run ~10x slower) and
// command sequences of up to max_size + 1 = 200 ops. Anything RC_PARAMS already sets wins, so
// RC_PARAMS="seed=N" (or the "reproduce=..." string RapidCheck prints) replays a run. The seed
// is RapidCheck's: random on every run, printed first ("Using configuration: ... seed=N").
const bool suite_defaults_installed = [] {
    std::string parameters = std::getenv("RC_PARAMS") != nullptr ? std::getenv("RC_PARAMS") : "";
    const bool sanitized = std::getenv("RATCHETCHECK_SANITIZED_RUN") != nullptr;
    if (parameters.find("max_success") == std::string::npos) {
        parameters += sanitized ? " max_success=100" : " max_success=500";
    }
    if (parameters.find("max_size") == std::string::npos)
        parameters += " max_size=199";
    setenv("RC_PARAMS", parameters.c_str(), /*overwrite=*/1);
    ::testing::AddGlobalTestEnvironment(new TotalsPrinter);
    return true;
}();

}  // namespace

void record_run(const std::string& property, const harness::RunStatistics& statistics,
                std::chrono::steady_clock::duration elapsed) {
    const std::lock_guard lock(totals_mutex);
    Totals& entry = totals()[property];
    ++entry.sequences;
    entry.sum += statistics;
    entry.elapsed += elapsed;
}

}  // namespace ratchetcheck::property
