// The other implementations `ratchetcheck replay --peer NAME` can put in a seat. Which are
// available is decided when the CLI is built: with the peers (RATCHETCHECK_WITH_PEERS, on when
// tests or benchmarks are built) peer_registry.cpp lists libsignal-protocol-c ("libsignal", for
// signal-v3 traces) and libsignal-client through Node.js ("libsignal-client", for
// signal-v4-pqxdh traces); without them
// no_peer_registry.cpp lists none.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ratchetcheck/harness/endpoint.hpp"

namespace ratchetcheck::cli {

// peer_factory returns the endpoint factory of peer `name` ("libsignal", "libsignal-client"), or
// nullopt.
std::optional<harness::EndpointFactory> peer_factory(std::string_view name);

// available_peers lists the names peer_factory knows, comma-separated ("" when none).
std::string available_peers();

}  // namespace ratchetcheck::cli
