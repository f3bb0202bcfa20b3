// Fuzz target differential_libsignal_client: the same signal-v4-pqxdh op trace through our
// implementation and through libsignal-client 0.79.0 (Signal's libsignal, in a Node.js seat:
// peers/libsignal_client_endpoint.hpp), differential against the reference implementation of the
// v4 protocol.
//
// Input: byte 0 bit 0 puts libsignal-client in Bob's seat (0) or Alice's (1); the rest is an op
// trace in byte form (decoded leniently), run as signal-v4-pqxdh with libsignal's limits. Bit 1
// of byte 0 chooses the Kyber prekey of Bob's bundle: one-time (0) or last-resort (1); bit 2
// whether it has a one-time EC prekey (0) or none (1: the altered-base-key case of decisions
// E74/E79 needs none).
//
// Two runs step the same ops: ours in both seats, and libsignal-client in one seat with ours in
// the other. Asserts for every op: both runs find it applicable or not alike, accept or reject
// alike and accept the same plaintext; and the mixed run violates none of the runner's checks.
// Slow: every op is a round trip through the seat's pipe (docs/fuzzing.md gives the speed).
// @evidence check=fuzz:differential_libsignal_client functions=SF.KEY_AGREEMENT,SF.PER_MESSAGE_KEYS,SF.OUT_OF_ORDER clauses=DR-3.4,DR-3.5,PQXDH-3.3,PQXDH-3.4
#include <string>

#include "fuzz_driver.hpp"
#include "libsignal_client_endpoint.hpp"
#include "trace_runs.hpp"

namespace ratchetcheck::fuzz {

const FuzzTarget fuzz_target{"differential_libsignal_client", 1024};

void fuzz_one_input(ByteView input) {
    if (input.empty())
        return;
    const model::PartyId peer_seat =
        (input[0] & 0x01) != 0 ? model::PartyId::alice : model::PartyId::bob;
    harness::OpTrace trace = decode_fuzz_trace(input.subspan(1));
    trace.setup.limits = model::Limits{};
    trace.setup.profile = harness::TraceProfile::signal_v4_pqxdh;
    trace.setup.one_time_prekey = (input[0] & 0x04) == 0;
    trace.setup.one_time_kyber_prekey = (input[0] & 0x02) == 0;

    run_differential(trace, peer_seat, peers::make_libsignal_client_endpoint, "libsignal-client");
}

}  // namespace ratchetcheck::fuzz
