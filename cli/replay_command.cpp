#include "replay_command.hpp"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <iterator>
#include <sstream>
#include <variant>

#include "peer_registry.hpp"
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

// Outcome is what one op did in one run, as compared across implementations.
std::string outcome_of(const harness::StepReport& report) {
    using Kind = harness::StepReport::Kind;
    if (report.kind == Kind::network || report.kind == Kind::restored)
        return "done";
    if (!report.implementation_ok) {
        const std::string error = report.implementation_error
                                      ? std::string(error_name(*report.implementation_error))
                                      : std::string("?");
        return report.kind == Kind::sent ? "send failed (" + error + ")"
                                         : "rejected (" + error + ")";
    }
    if (report.kind == Kind::sent)
        return fmt::format("sent message {}", report.sent_message.value_or(0));
    return report.plaintext_message ? fmt::format("accepted message {}", *report.plaintext_message)
                                    : std::string("accepted an unknown plaintext");
}

// Errors an implementation names differently without disagreeing: libsignal reports a counter
// beyond the forward-jump limit as an ordinary rejection.
bool same_outcome(const harness::StepReport& ours, const harness::StepReport& other) {
    if (outcome_of(ours) == outcome_of(other))
        return true;
    const bool both_rejected = ours.kind == harness::StepReport::Kind::received &&
                               !ours.implementation_ok && !other.implementation_ok;
    return both_rejected && ours.implementation_error == Error::too_far_ahead &&
           other.implementation_error == Error::authentication_failed;
}

struct Placement {
    std::string name;
    std::array<bool, 2> peer_in_seat;  // by model::PartyId
};

std::vector<Placement> placements_for(const std::string& seat, const std::string& peer) {
    const auto label = [&peer](bool alice, bool bob) {
        return fmt::format("{}(alice) <-> {}(bob)", alice ? peer : "ours", bob ? peer : "ours");
    };
    if (seat == "alice")
        return {{label(true, false), {true, false}}};
    if (seat == "bob")
        return {{label(false, true), {false, true}}};
    if (seat == "both")
        return {{label(true, true), {true, true}}};
    return {{label(false, true), {false, true}}, {label(true, false), {true, false}}};
}

int run_with_peer(const std::string& path, const harness::OpTrace& trace,
                  const ReplayOptions& options) {
    const auto factory = peer_factory(options.peer);
    if (!factory) {
        const std::string available = available_peers();
        fmt::print(stderr, "ratchetcheck replay: no peer \"{}\" in this build (available: {})\n",
                   options.peer, available.empty() ? "none" : available);
        return 2;
    }
    // The reference run: ours in both seats.
    std::vector<harness::StepReport> reference;
    bool reference_clean = true;
    fmt::print("== ours(alice) <-> ours(bob)\n");
    auto problem = harness::run_trace(trace, {}, [&](const harness::StepReport& report) {
        if (options.verbose || !report.violations.empty())
            fmt::print("{}\n", report.describe());
        reference_clean = reference_clean && report.violations.empty();
        reference.push_back(report);
        return true;
    });
    if (problem) {
        fmt::print(stderr, "ratchetcheck replay: {}: {}\n", path, *problem);
        return 2;
    }
    fmt::print("   {} ops, {}\n", reference.size(),
               reference_clean ? "every check holds" : "CHECKS VIOLATED");
    bool all_clean = reference_clean;
    for (const Placement& placement : placements_for(options.seat, options.peer)) {
        harness::RunnerOptions runner_options;
        for (const model::PartyId seat : {model::PartyId::alice, model::PartyId::bob}) {
            if (placement.peer_in_seat[model::index_of(seat)])
                runner_options.seats[model::index_of(seat)] = *factory;
        }
        fmt::print("== {}\n", placement.name);
        std::size_t differing = 0;
        std::size_t violating = 0;
        std::size_t index = 0;
        problem = harness::run_trace(trace, runner_options, [&](const harness::StepReport& report) {
            const bool differs =
                index < reference.size() && !same_outcome(reference[index], report);
            if (options.verbose || differs || !report.violations.empty())
                fmt::print("{}\n", report.describe());
            if (differs) {
                ++differing;
                fmt::print("    <> ours in both seats: {}; here: {}\n",
                           outcome_of(reference[index]), outcome_of(report));
            }
            if (!report.violations.empty())
                ++violating;
            ++index;
            return true;
        });
        if (problem) {
            fmt::print(stderr, "ratchetcheck replay: {}: {}: {}\n", path, placement.name, *problem);
            return 2;
        }
        fmt::print("   {} ops, {} with an outcome other than ours, {} violating a check\n", index,
                   differing, violating);
        all_clean = all_clean && differing == 0 && violating == 0;
    }
    if (!all_clean) {
        fmt::print("DISAGREED: see the ops marked <> and !! above\n");
        return 1;
    }
    fmt::print("agreed on all {} ops in every placement\n", trace.ops.size());
    return 0;
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
    if (!options.peer.empty())
        return run_with_peer(path, trace, options);

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
