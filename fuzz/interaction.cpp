// Fuzz target interaction: the input is an op trace in byte form (docs/op-trace.md, decoded
// leniently); our Party in both seats runs it under the side-by-side runner (side_by_side.hpp).
//
// Asserts the runner's checks of the implementation's own safety properties after every op:
// every genuine delivery within the limits decrypts exactly once to its plaintext (and the
// independent oracle agrees), duplicates and forgeries are rejected, a rejection changes nothing,
// save/restore is unobservable, the stores stay within their bounds, a reply after a ratchet step
// uses a fresh key, and α of every received message obeys the adversary's rule. Agreement with
// the model is differential_model's. Also checks the byte codec on the way (trace_runs.hpp).
// @evidence check=fuzz:interaction functions=SF.TRANSACTIONAL_RECEIVE,SF.REPLAY_REJECTION,SF.OUT_OF_ORDER,SF.BOUNDED_STORES,SF.PER_MESSAGE_KEYS clauses=DR-3.5,DR-3.4
#include "fuzz_driver.hpp"
#include "trace_runs.hpp"

namespace ratchetcheck::fuzz {

const FuzzTarget fuzz_target{"interaction", 1024};

void fuzz_one_input(ByteView input) {
    const harness::OpTrace trace = decode_fuzz_trace(input);
    auto runner = create_runner(trace.setup, {});
    for (const harness::Op& op : trace.ops) {
        const harness::StepReport report = runner->step(without_known_gaps(*runner, op));
        for (const harness::Violation& violation : report.violations) {
            if (violation.check != harness::Check::model_agreement &&
                violation.check != harness::Check::expectation)
                fail_with_trace("the implementation broke a safety check", *runner, report);
        }
    }
}

}  // namespace ratchetcheck::fuzz
