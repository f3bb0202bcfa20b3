#include "replay_command.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <variant>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/op_trace_codec.hpp"
#include "ratchetcheck/harness/side_by_side.hpp"

namespace ratchetcheck::cli {
namespace {

std::variant<harness::OpTrace, std::string> load(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return fmt::format("{}: cannot open", path);
    const std::string content((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
    if (path.ends_with(".json")) {
        auto parsed = harness::trace_from_json(content);
        if (const auto* error = std::get_if<harness::TraceParseError>(&parsed)) {
            return fmt::format("{}: {}", path, error->message());
        }
        return std::get<harness::OpTrace>(std::move(parsed));
    }
    const Bytes bytes(content.begin(), content.end());
    auto decoded = harness::decode_trace_strict(bytes);
    if (const auto* error = std::get_if<std::string>(&decoded))
        return fmt::format("{}: {}", path, *error);
    return std::get<harness::OpTrace>(std::move(decoded));
}

}  // namespace

int run_replay(const std::string& path, const ReplayOptions& options) {
    auto loaded = load(path);
    if (const auto* error = std::get_if<std::string>(&loaded)) {
        fmt::print(stderr, "ratchetcheck replay: {}\n", *error);
        return 2;
    }
    const harness::OpTrace& trace = std::get<harness::OpTrace>(loaded);
    if (!trace.note.empty())
        fmt::print("note: {}\n", trace.note);
    fmt::print(
        "setup: key seed {:016x}, one-time prekey {}, max_forward_jump {}, "
        "max_skipped_keys_per_chain {}, max_skipped_keys_total {}, max_receiving_chains {}\n",
        trace.setup.key_seed, trace.setup.one_time_prekey ? "yes" : "no",
        trace.setup.limits.max_forward_jump, trace.setup.limits.max_skipped_keys_per_chain,
        trace.setup.limits.max_skipped_keys_total, trace.setup.limits.max_receiving_chains);

    std::optional<std::size_t> divergence;
    std::vector<std::optional<std::string>> outcomes;
    const auto problem = harness::run_trace(trace, {}, [&](const harness::StepReport& report) {
        fmt::print("{}\n", report.describe());
        outcomes.push_back(report.outcome_label());
        if (!report.violations.empty()) {
            divergence = report.op_index;
            return false;
        }
        return true;
    });
    if (problem) {
        fmt::print(stderr, "ratchetcheck replay: {}: {}\n", path, *problem);
        return 2;
    }
    if (divergence) {
        fmt::print("DIVERGED at op {} of {}\n", *divergence, trace.ops.size());
        return 1;
    }
    fmt::print("agreed on all {} ops\n", trace.ops.size());
    if (!options.record_path.empty()) {
        harness::OpTrace annotated = trace;
        annotated.expectations = outcomes;
        std::ofstream output(options.record_path, std::ios::binary | std::ios::trunc);
        output << harness::trace_to_json(annotated);
        if (!output) {
            fmt::print(stderr, "ratchetcheck replay: {}: cannot write\n", options.record_path);
            return 2;
        }
        fmt::print("recorded {} with expectations\n", options.record_path);
    }
    return 0;
}

}  // namespace ratchetcheck::cli
