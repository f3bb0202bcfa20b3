// Running a trace leniently and shrinking a failing one: what turns any checker's finding (a
// random interop scenario, a fuzz input) into a small op trace that `ratchetcheck replay` runs.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/side_by_side.hpp"

namespace ratchetcheck::harness {

// LenientRun is the outcome of run_lenient: the ops that applied (with the model's outcomes as
// expectations), how many did not, and the first violation (its op and text), if any.
struct LenientRun {
    std::optional<std::string> setup_problem;
    OpTrace applied;
    std::size_t not_applicable = 0;
    std::optional<StepReport> first_violation;
    RunStatistics statistics;
};

// run_lenient runs `trace` with `options`, skipping ops that are not applicable, and stops at the
// first step that violates a check.
LenientRun run_lenient(const OpTrace& trace, const RunnerOptions& options);

// shrink_trace removes ops from a trace that fails under `options` (chunks, then single ops,
// halving the chunk size whenever no chunk can go) while it still fails, keeping only the ops
// that apply, and returns the smallest failing trace found, with expectations recorded. A trace
// that does not fail is returned unchanged.
OpTrace shrink_trace(const OpTrace& failing, const RunnerOptions& options);

}  // namespace ratchetcheck::harness
