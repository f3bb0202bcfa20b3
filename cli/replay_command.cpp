#include "replay_command.hpp"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <variant>

#include "peer_registry.hpp"
#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/op_trace_codec.hpp"
#include "ratchetcheck/harness/side_by_side.hpp"
#include "ratchetcheck/wire/signal_message.hpp"

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

// Replay as JSON (ReplayOptions::json) ------------------------------------------------------------

// implementation_label is the implementation's outcome in the vocabulary of trace expectations
// (outcome_label): "sent", "accepted", "done", or the error's name.
std::string implementation_label(const harness::StepReport& report) {
    using Kind = harness::StepReport::Kind;
    if (report.kind == Kind::network || report.kind == Kind::restored)
        return "done";
    if (!report.implementation_ok) {
        return report.implementation_error ? std::string(error_name(*report.implementation_error))
                                           : std::string("failed");
    }
    return report.kind == Kind::sent ? "sent" : "accepted";
}

// header_of is the header of ledger message `message` as its bytes carry it: type, the first
// four bytes of the ratchet public key (after the 0x05 type byte) in hex, N, PN, and sizes. The
// bytes are public (they crossed the network); no key material of a party is read.
nlohmann::json header_of(const harness::SideBySideRunner& runner, std::size_t message) {
    const harness::GenuineMessage& genuine = runner.genuine_messages().at(message);
    nlohmann::json header = {
        {"message", message},
        {"sender", model::party_name(genuine.sender)},
        {"type",
         genuine.type == MessageType::prekey_message ? "PreKeySignalMessage" : "SignalMessage"},
        {"message_bytes", genuine.bytes.size()}};
    if (genuine.signal_bytes.empty())
        return header;
    const std::uint8_t version = static_cast<std::uint8_t>(genuine.signal_bytes[0] >> 4);
    const std::size_t mac_bytes = runner.endpoint(genuine.sender).party() != nullptr
                                      ? runner.implementation(genuine.sender).profile().mac_bytes
                                      : wire::signal_mac_bytes;
    const auto parsed = wire::parse_signal_message(genuine.signal_bytes, version, mac_bytes);
    if (!parsed.ok())
        return header;
    const wire::SignalMessage& signal = parsed.value();
    std::string prefix;
    for (std::size_t index = 0; index < 4; ++index)
        prefix += fmt::format("{:02x}", signal.ratchet_key.u[index]);
    header["ratchet_key_prefix"] = prefix;
    header["counter"] = signal.counter;
    header["previous_counter"] = signal.previous_counter;
    header["ciphertext_bytes"] = signal.ciphertext.size();
    header["mac_bytes"] = signal.mac.size();
    return header;
}

// message_of is the ledger message an op sends or carries, if any.
std::optional<std::size_t> message_of(const harness::Op& op, const harness::StepReport& report) {
    if (std::holds_alternative<harness::SendOp>(op))
        return report.sent_message;
    if (const auto* deliver = std::get_if<harness::DeliverOp>(&op))
        return deliver->message;
    if (const auto* duplicate = std::get_if<harness::DuplicateOp>(&op))
        return duplicate->message;
    if (const auto* drop = std::get_if<harness::DropOp>(&op))
        return drop->message;
    if (const auto* tamper = std::get_if<harness::TamperOp>(&op))
        return tamper->message;
    if (const auto* truncate = std::get_if<harness::TruncateOp>(&op))
        return truncate->message;
    return std::nullopt;
}

// run_replay_json runs `trace` as run_replay does, ours in both seats, and prints one JSON
// document (format ratchetcheck-replay/1, docs/op-trace.md): the setup and its limits, then per
// op what was expected (the trace), what the model predicts, what the implementation did, the
// header of the message it sent or carried, and the violations; stops at the first divergence.
int run_replay_json(const std::string& path, const harness::OpTrace& trace) {
    nlohmann::json document = {
        {"format", "ratchetcheck-replay/1"},
        {"trace", path},
        {"note", trace.note},
        {"setup",
         {{"key_seed", fmt::format("{:016x}", trace.setup.key_seed)},
          {"one_time_prekey", trace.setup.one_time_prekey},
          {"max_forward_jump", trace.setup.limits.max_forward_jump},
          {"max_skipped_keys_per_chain", trace.setup.limits.max_skipped_keys_per_chain},
          {"max_skipped_keys_total", trace.setup.limits.max_skipped_keys_total},
          {"max_receiving_chains", trace.setup.limits.max_receiving_chains}}}};
    if (trace.setup.profile != harness::TraceProfile::signal_v3) {
        document["setup"]["profile"] =
            std::string(harness::trace_profile_name(trace.setup.profile));
        document["setup"]["one_time_kyber_prekey"] = trace.setup.one_time_kyber_prekey;
    }
    const auto print = [&document](const std::string& result) {
        document["result"] = result;
        fmt::print("{}\n", document.dump(2));
    };
    auto created = harness::SideBySideRunner::create(trace.setup, {});
    if (const auto* problem = std::get_if<std::string>(&created)) {
        print("setup: " + *problem);
        return 2;
    }
    harness::SideBySideRunner& runner =
        *std::get<std::unique_ptr<harness::SideBySideRunner>>(created);
    nlohmann::json ops = nlohmann::json::array();
    for (std::size_t index = 0; index < trace.ops.size(); ++index) {
        harness::StepReport report = runner.step(trace.ops[index]);
        nlohmann::json entry = {{"index", index},
                                {"op", std::string(harness::op_name(trace.ops[index]))},
                                {"actor", model::party_name(report.actor)}};
        if (!report.applicable) {
            entry["not_applicable"] = report.not_applicable_reason;
            ops.push_back(std::move(entry));
            document["ops"] = std::move(ops);
            print(fmt::format("op {} is not applicable", index));
            return 2;
        }
        const std::optional<std::string> expected =
            index < trace.expectations.size() ? trace.expectations[index] : std::nullopt;
        if (expected && *expected != report.outcome_label()) {
            report.violations.push_back(
                {harness::Check::expectation,
                 fmt::format("the trace expects \"{}\", the model now predicts \"{}\"", *expected,
                             report.outcome_label())});
        }
        entry["expected"] = expected ? nlohmann::json(*expected) : nlohmann::json(nullptr);
        entry["model"] = report.outcome_label();
        entry["implementation"] = implementation_label(report);
        entry["implementation_detail"] = outcome_of(report);
        if (const auto* send = std::get_if<harness::SendOp>(&trace.ops[index]))
            entry["plaintext_bytes"] = 4 + send->size;
        if (const auto message = message_of(trace.ops[index], report);
            message && *message < runner.messages_sent())
            entry["header"] = header_of(runner, *message);
        if (report.model_view) {
            entry["model_view"] = {{"prekey", report.model_view->is_prekey},
                                   {"epoch", report.model_view->epoch},
                                   {"counter", report.model_view->counter},
                                   {"previous_counter", report.model_view->previous_counter},
                                   {"authentic", report.model_view->authentic}};
        }
        nlohmann::json violations = nlohmann::json::array();
        for (const harness::Violation& violation : report.violations)
            violations.push_back(
                {{"check", harness::check_name(violation.check)}, {"detail", violation.detail}});
        entry["violations"] = violations;
        ops.push_back(std::move(entry));
        if (!report.violations.empty()) {
            document["ops"] = std::move(ops);
            print(fmt::format("diverged at op {} of {}", index, trace.ops.size()));
            return 1;
        }
    }
    document["ops"] = std::move(ops);
    print(fmt::format("agreed on all {} ops", trace.ops.size()));
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
    if (options.json)
        return run_replay_json(path, trace);
    if (!trace.note.empty())
        fmt::print("note: {}\n", trace.note);
    fmt::print(
        "setup: key seed {:016x}, one-time prekey {}, max_forward_jump {}, "
        "max_skipped_keys_per_chain {}, max_skipped_keys_total {}, max_receiving_chains {}\n",
        trace.setup.key_seed, trace.setup.one_time_prekey ? "yes" : "no",
        trace.setup.limits.max_forward_jump, trace.setup.limits.max_skipped_keys_per_chain,
        trace.setup.limits.max_skipped_keys_total, trace.setup.limits.max_receiving_chains);
    if (trace.setup.profile != harness::TraceProfile::signal_v3) {
        fmt::print("profile: {}, one-time Kyber prekey {}\n",
                   harness::trace_profile_name(trace.setup.profile),
                   trace.setup.one_time_kyber_prekey ? "yes" : "no (last-resort only)");
    }
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
