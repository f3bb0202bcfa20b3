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

    run_differential(trace, libsignal_seat, peers::make_libsignal_endpoint, "libsignal");
}

}  // namespace ratchetcheck::fuzz
