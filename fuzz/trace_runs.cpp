// The op-trace helpers of trace_runs.hpp.
#include "trace_runs.hpp"

#include <algorithm>
#include <variant>

#include "fuzz_driver.hpp"
#include "ratchetcheck/harness/op_trace_codec.hpp"

namespace ratchetcheck::fuzz {

harness::OpTrace decode_fuzz_trace(ByteView input) {
    harness::OpTrace trace = harness::decode_trace_lenient(input, max_trace_ops);
    const Bytes canonical = harness::encode_trace(trace);
    auto strict = harness::decode_trace_strict(canonical);
    if (const auto* problem = std::get_if<std::string>(&strict))
        fail("the canonical encoding " + hex(canonical) +
             " of a leniently decoded trace does not decode strictly: " + *problem);
    require(std::get<harness::OpTrace>(strict) == trace, [&] {
        return "the canonical encoding " + hex(canonical) + " decodes to another trace";
    });
    auto strict_input = harness::decode_trace_strict(input);
    if (const auto* decoded = std::get_if<harness::OpTrace>(&strict_input)) {
        if (decoded->ops.size() <= max_trace_ops)
            require(*decoded == trace, "strict and lenient decoding of the input disagree");
    }
    // Bounded further for speed (docs/decisions.md E26): plaintexts beyond a few AES blocks and
    // limits beyond signal-v3's exercise no other code, only take longer.
    for (harness::Op& op : trace.ops) {
        if (auto* send = std::get_if<harness::SendOp>(&op))
            send->size = std::min(send->size, max_fuzz_send_size);
    }
    model::Limits& limits = trace.setup.limits;
    const model::Limits signal_v3{};
    limits.max_forward_jump = std::min(limits.max_forward_jump, signal_v3.max_forward_jump);
    limits.max_skipped_keys_per_chain =
        std::min(limits.max_skipped_keys_per_chain, signal_v3.max_skipped_keys_per_chain);
    limits.max_skipped_keys_total =
        std::min(limits.max_skipped_keys_total, signal_v3.max_skipped_keys_total);
    limits.max_receiving_chains =
        std::min(limits.max_receiving_chains, signal_v3.max_receiving_chains * 2);
    return trace;
}

std::unique_ptr<harness::SideBySideRunner> create_runner(const harness::TraceSetup& setup,
                                                         const harness::RunnerOptions& options) {
    auto created = harness::SideBySideRunner::create(setup, options);
    if (const auto* problem = std::get_if<std::string>(&created))
        fail("the runner refused a leniently decoded setup: " + *problem);
    return std::move(std::get<std::unique_ptr<harness::SideBySideRunner>>(created));
}

void fail_with_trace(const std::string& what, const harness::SideBySideRunner& runner,
                     const harness::StepReport& report) {
    std::string text =
        what + "\n  at op " + std::to_string(report.op_index) + ": " + report.describe();
    for (const harness::Violation& violation : report.violations)
        text += "\n  !! [" + std::string(harness::check_name(violation.check)) + "] " +
                violation.detail;
    text += "\n  the ops run so far (save as FILE.json; replay: ratchetcheck replay FILE.json):\n" +
            harness::trace_to_json(runner.trace());
    fail(text);
}

void run_differential(const harness::OpTrace& trace, model::PartyId peer_seat,
                      const harness::EndpointFactory& peer, const std::string& peer_name) {
    harness::RunnerOptions mixed_options;
    mixed_options.seats[model::index_of(peer_seat)] = peer;
    // Only the outcomes of our run are compared (its own checks are interaction's and
    // differential_model's), so it skips their work.
    auto ours = create_runner(trace.setup, {.model_agreement_only = true});
    auto mixed = create_runner(trace.setup, mixed_options);
    for (const harness::Op& op : trace.ops) {
        const harness::Op checked = without_known_gaps(*ours, op);
        const harness::StepReport our_report = ours->step(checked);
        const harness::StepReport mixed_report = mixed->step(checked);
        for (const harness::Violation& violation : mixed_report.violations) {
            if (violation.check != harness::Check::expectation)
                fail_with_trace(peer_name + " in one seat broke a check", *mixed, mixed_report);
        }
        const bool same = our_report.applicable == mixed_report.applicable &&
                          our_report.implementation_ok == mixed_report.implementation_ok &&
                          our_report.plaintext_message == mixed_report.plaintext_message;
        if (!same) {
            std::string what = "ours and " + peer_name + " differ: ours ";
            what += our_report.describe();
            what += "; with " + peer_name + " ";
            what += mixed_report.describe();
            fail_with_trace(what, *mixed, mixed_report);
        }
    }
}

}  // namespace ratchetcheck::fuzz
