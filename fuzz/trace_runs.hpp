// What the op-trace targets (interaction, differential_model, differential_libsignal) share: the
// fuzz input decoded as an op trace (op_trace_codec.hpp, lenient: every byte string is a trace),
// the side-by-side runner stepping it, and failure reports that carry the trace as JSON so that
// `ratchetcheck replay` reproduces them.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "ratchetcheck/harness/side_by_side.hpp"

namespace ratchetcheck::fuzz {

// max_trace_ops bounds the ops of one input: long enough for skipped-key and chain bounds with
// small custom limits, short enough for thousands of runs a second.
inline constexpr std::size_t max_trace_ops = 96;
// max_fuzz_send_size bounds a send's filler (the format allows 65536).
inline constexpr std::uint32_t max_fuzz_send_size = 512;

// decode_fuzz_trace decodes `input` leniently (at most max_trace_ops ops), and checks the codec
// itself on the way: the re-encoding of the decoded trace decodes strictly to the same trace, and
// an input that decodes strictly decodes leniently to the same trace. Then bounds send sizes and
// limits for speed (max_fuzz_send_size, signal-v3's limits; at most 10 receiving chains).
harness::OpTrace decode_fuzz_trace(ByteView input);

// without_known_gaps (side_by_side.hpp): a fuzz run reports new findings only.
using harness::without_known_gaps;

// create_runner starts a runner on the trace's setup; a leniently decoded setup is always valid,
// so a refusal is a failure of the target.
std::unique_ptr<harness::SideBySideRunner> create_runner(const harness::TraceSetup& setup,
                                                         const harness::RunnerOptions& options);

// fail_with_trace fails the target with `what`, the step that broke, and the ops run so far as
// JSON (replay with `ratchetcheck replay FILE.json`).
[[noreturn]] void fail_with_trace(const std::string& what, const harness::SideBySideRunner& runner,
                                  const harness::StepReport& report);

// run_differential steps `trace` through two runners, ours in both seats and `peer` in
// `peer_seat` with ours in the other, and fails the target when the mixed run breaks any of the
// runner's checks (its recorded expectations aside) or when the two runs differ on an op's
// applicability, acceptance or plaintext. `peer_name` names the peer in the failure message. The
// differential_libsignal and differential_libsignal_client targets.
void run_differential(const harness::OpTrace& trace, model::PartyId peer_seat,
                      const harness::EndpointFactory& peer, const std::string& peer_name);

}  // namespace ratchetcheck::fuzz
