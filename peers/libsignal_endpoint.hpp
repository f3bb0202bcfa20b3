// libsignal-protocol-c behind the side-by-side runner's Endpoint interface
// (harness/endpoint.hpp): the second implementation the runner can put in either seat, so that
// interop scenarios, `ratchetcheck replay --peer libsignal` and differential fuzzing all run
// through the one runner.
#pragma once

#include "ratchetcheck/harness/endpoint.hpp"

namespace ratchetcheck::peers {

// make_libsignal_endpoint makes a libsignal participant for `context`'s seat. Every random byte
// libsignal draws (keys, XEdDSA nonces) comes from the trace seed, so a trace replays exactly.
// Its limits are libsignal's own (2000 / 2000 / 5 chains): a setup with other limits is refused.
harness::EndpointOrProblem make_libsignal_endpoint(const harness::EndpointContext& context);

// libsignal_version names the peer ("libsignal-protocol-c <version>" from pkg-config at build).
const char* libsignal_version();

}  // namespace ratchetcheck::peers
