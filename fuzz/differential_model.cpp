// Fuzz target differential_model: the input is an op trace in byte form (decoded leniently); the
// side-by-side runner steps the implementation (our Party in both seats) and the executable model
// together. Asserts after every op that both agree: the same outcome (accept/reject, the error
// where the model names one, the plaintext, each sent header) and α(implementation) = model
// (Check::model_agreement). The implementation's own safety checks are interaction's: the runner
// here is a model-agreement-only run (RunnerOptions::model_agreement_only), which skips their work.
// @evidence check=fuzz:differential_model functions=SF.PER_MESSAGE_KEYS,SF.OUT_OF_ORDER,SF.BOUNDED_STORES clauses=DR-3.4,DR-3.5
#include "fuzz_driver.hpp"
#include "trace_runs.hpp"

namespace ratchetcheck::fuzz {

const FuzzTarget fuzz_target{"differential_model", 1024};

void fuzz_one_input(ByteView input) {
    const harness::OpTrace trace = decode_fuzz_trace(input);
    auto runner = create_runner(trace.setup, {.model_agreement_only = true});
    for (const harness::Op& op : trace.ops) {
        const harness::StepReport report = runner->step(without_known_gaps(*runner, op));
        if (report.has(harness::Check::model_agreement))
            fail_with_trace("the implementation and the model disagree", *runner, report);
    }
}

}  // namespace ratchetcheck::fuzz
