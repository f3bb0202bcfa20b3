// peer_registry.hpp in a build without the peers (RATCHETCHECK_WITH_PEERS off).
#include "peer_registry.hpp"

namespace ratchetcheck::cli {

std::optional<harness::EndpointFactory> peer_factory(std::string_view) {
    return std::nullopt;
}

std::string available_peers() {
    return "";
}

}  // namespace ratchetcheck::cli
