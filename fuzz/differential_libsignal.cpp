// Fuzz target differential_libsignal: the same op trace through our implementation and through
// libsignal-protocol-c (peers/libsignal_endpoint.hpp), differential against an independent
// implementation.
//
// Input: byte 0 bit 0 puts libsignal in Bob's seat (0) or Alice's (1); the rest is an op trace
// in byte form (decoded leniently), run with signal-v3 limits (libsignal's are fixed).
//
// Two runs step the same ops: ours in both seats, and libsignal in one seat with ours in the
// other. Asserts for every op: both runs find it applicable or not alike, accept or reject alike
// and accept the same plaintext; and the mixed run violates none of the runner's checks (each
// endpoint agrees with the model and keeps the safety properties, as in the interop suite).
// @evidence check=fuzz:differential_libsignal functions=SF.KEY_AGREEMENT,SF.PER_MESSAGE_KEYS,SF.OUT_OF_ORDER clauses=DR-3.4,DR-3.5,X3DH-3.3
#include <string>

#include "fuzz_driver.hpp"
#include "libsignal_endpoint.hpp"
#include "trace_runs.hpp"

namespace ratchetcheck::fuzz {

const FuzzTarget fuzz_target{"differential_libsignal", 1024};

void fuzz_one_input(ByteView input) {
    if (input.empty())
        return;
    const model::PartyId libsignal_seat =
        (input[0] & 0x01) != 0 ? model::PartyId::alice : model::PartyId::bob;
    harness::OpTrace trace = decode_fuzz_trace(input.subspan(1));
    trace.setup.limits = model::Limits{};
    // libsignal-protocol-c speaks signal-v3 only; the byte form can also name signal-v4-pqxdh.
    trace.setup.profile = harness::TraceProfile::signal_v3;
    trace.setup.one_time_kyber_prekey = true;

    harness::RunnerOptions mixed_options;
    mixed_options.seats[model::index_of(libsignal_seat)] = peers::make_libsignal_endpoint;
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
                fail_with_trace("libsignal in one seat broke a check", *mixed, mixed_report);
        }
        const bool same = our_report.applicable == mixed_report.applicable &&
                          our_report.implementation_ok == mixed_report.implementation_ok &&
                          our_report.plaintext_message == mixed_report.plaintext_message;
        if (!same)
            fail_with_trace("ours and libsignal differ: ours " + our_report.describe() +
                                "; with libsignal " + mixed_report.describe(),
                            *mixed, mixed_report);
    }
}

}  // namespace ratchetcheck::fuzz
