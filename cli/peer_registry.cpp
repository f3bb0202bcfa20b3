// peer_registry.hpp with libsignal-protocol-c available.
#include "peer_registry.hpp"

#include "libsignal_endpoint.hpp"

namespace ratchetcheck::cli {

std::optional<harness::EndpointFactory> peer_factory(std::string_view name) {
    if (name == "libsignal")
        return harness::EndpointFactory(peers::make_libsignal_endpoint);
    return std::nullopt;
}

std::string available_peers() {
    return "libsignal";
}

}  // namespace ratchetcheck::cli
