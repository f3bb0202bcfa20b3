// Totals over every sequence a property ran, printed when the test program ends: what the
// generated traces exercised, and sequences per second.
#pragma once

#include <chrono>
#include <string>

#include "ratchetcheck/harness/side_by_side.hpp"

namespace ratchetcheck::property {

// record_run adds one sequence of `property` to the totals.
void record_run(const std::string& property, const harness::RunStatistics& statistics,
                std::chrono::steady_clock::duration elapsed);

}  // namespace ratchetcheck::property
