// Lenient runs and delta-debugging of op traces (trace_shrink.hpp).
#include "ratchetcheck/harness/trace_shrink.hpp"

#include <algorithm>

namespace ratchetcheck::harness {

LenientRun run_lenient(const OpTrace& trace, const RunnerOptions& options) {
    LenientRun run;
    auto created = SideBySideRunner::create(trace.setup, options);
    if (const auto* problem = std::get_if<std::string>(&created)) {
        run.setup_problem = *problem;
        return run;
    }
    SideBySideRunner& runner = *std::get<std::unique_ptr<SideBySideRunner>>(created);
    for (const Op& op : trace.ops) {
        StepReport report = runner.step(op);
        if (!report.applicable) {
            ++run.not_applicable;
            continue;
        }
        if (!report.violations.empty()) {
            run.first_violation = std::move(report);
            break;
        }
    }
    run.applied = runner.trace();
    run.applied.note = trace.note;
    run.statistics = runner.statistics();
    return run;
}

namespace {

// message_of is the ledger index an op refers to, if any.
std::uint32_t* message_of(Op& op) {
    return std::visit(
        [](auto& value) -> std::uint32_t* {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, SendOp> || std::is_same_v<T, ForgeOp> ||
                          std::is_same_v<T, SaveRestoreOp>) {
                return nullptr;
            } else {
                return &value.message;
            }
        },
        op);
}

// The trace without ops [begin, begin + count). `trace` carries the model's outcomes as
// expectations (run_lenient's applied trace), so a removed send that sent message k takes every
// op about k with it, and later messages are renumbered: the rest keeps its meaning.
OpTrace without(const OpTrace& trace, std::size_t begin, std::size_t count) {
    OpTrace smaller;
    smaller.setup = trace.setup;
    smaller.note = trace.note;
    std::vector<std::uint32_t> removed_messages;  // ascending
    std::uint32_t next_message = 0;
    for (std::size_t index = 0; index < trace.ops.size(); ++index) {
        const bool sent = std::holds_alternative<SendOp>(trace.ops[index]) &&
                          index < trace.expectations.size() &&
                          trace.expectations[index] == std::optional<std::string>("sent");
        const bool removed = index >= begin && index < begin + count;
        if (sent) {
            if (removed)
                removed_messages.push_back(next_message);
            ++next_message;
        }
        if (removed)
            continue;
        Op op = trace.ops[index];
        if (std::uint32_t* message = message_of(op)) {
            if (std::binary_search(removed_messages.begin(), removed_messages.end(), *message))
                continue;
            const auto below =
                std::lower_bound(removed_messages.begin(), removed_messages.end(), *message) -
                removed_messages.begin();
            *message -= static_cast<std::uint32_t>(below);
        }
        smaller.ops.push_back(op);
    }
    return smaller;
}

}  // namespace

OpTrace shrink_trace(const OpTrace& failing, const RunnerOptions& options) {
    LenientRun first = run_lenient(failing, options);
    if (!first.first_violation)
        return failing;
    OpTrace current = first.applied;  // ends at the first violating op
    std::size_t chunk = std::max<std::size_t>(1, current.ops.size() / 2);
    while (true) {
        bool removed_any = false;
        for (std::size_t begin = 0; begin < current.ops.size();) {
            const OpTrace candidate = without(current, begin, chunk);
            LenientRun run = run_lenient(candidate, options);
            if (run.first_violation && run.applied.ops.size() < current.ops.size()) {
                current = std::move(run.applied);
                removed_any = true;
            } else {
                begin += chunk;
            }
        }
        if (removed_any)
            continue;
        if (chunk == 1)
            break;
        chunk /= 2;
    }
    return current;
}

}  // namespace ratchetcheck::harness
