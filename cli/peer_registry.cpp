// peer_registry.hpp with libsignal-protocol-c available.
#include "peer_registry.hpp"

#include "libsignal_client_endpoint.hpp"
#include "libsignal_endpoint.hpp"

namespace ratchetcheck::cli {

std::optional<harness::EndpointFactory> peer_factory(std::string_view name) {
    if (name == "libsignal")
        return harness::EndpointFactory(peers::make_libsignal_endpoint);
    if (name == "libsignal-client")
        return harness::EndpointFactory(peers::make_libsignal_client_endpoint);
    return std::nullopt;
}

std::string available_peers() {
    return "libsignal, libsignal-client";
}

}  // namespace ratchetcheck::cli
