// libsignal-client (Signal's current libsignal through Node.js, peers/libsignal-client/seat.js)
// behind the side-by-side runner's Endpoint interface (harness/endpoint.hpp): the live peer of the
// signal-v4-pqxdh profile, put in either seat by the one runner exactly as libsignal-protocol-c
// is for signal-v3 (peers/libsignal_endpoint.hpp). Each endpoint drives one long-running seat
// process through the line protocol of docs/libsignal-client-peer.md; seats are started once and
// reused across runs (`reset`), since starting one costs about a third of a second.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "ratchetcheck/harness/endpoint.hpp"

namespace ratchetcheck::peers {

// LibsignalClientFault plants one fault in the Node seat itself (seat.js `plant`), so that the
// interop suite can show that the runner catches and shrinks it: none, the third plaintext
// decrypted comes back altered, a message libsignal rejects as InvalidMessage is answered as
// accepted, or a rejected message changes the seat's stores.
enum class LibsignalClientFault { none, wrong_plaintext, accept_tamper, change_state_on_rejection };

// make_libsignal_client_endpoint makes a libsignal-client participant for `context`'s seat. Its
// identity, signed prekey, one-time prekey and Kyber prekeys are drawn from the context's key
// source in the order our own endpoint draws them (so the other seat's keys are those of an
// ours-only run up to the first key libsignal draws itself) and handed to the seat as bytes; its
// base keys, ratchet keys, KEM encapsulations and XEdDSA nonces are libsignal's own randomness,
// so its messages are not reproducible byte for byte (the runner compares them abstractly: epochs
// are numbered from the ratchet keys it shows). Refuses a setup that is not signal-v4-pqxdh
// (0.79.0 refuses X3DH) or has limits other than libsignal's (2000 / 2000 / 5 chains).
harness::EndpointOrProblem make_libsignal_client_endpoint(const harness::EndpointContext& context);

// libsignal_client_endpoint_factory is make_libsignal_client_endpoint with `fault` planted in the
// seat after `create`.
harness::EndpointFactory libsignal_client_endpoint_factory(LibsignalClientFault fault);

// LibsignalClientSeat is one seat process of its own (not from the endpoints' pool), driven
// through the raw line protocol (docs/libsignal-client-peer.md), for a caller that hands the seat
// keys it chose and needs every answer as the seat gave it: the v4 transcript recorder and its
// live re-check (docs/v4-transcripts.md). The process ends when the object is destroyed.
class LibsignalClientSeat {
  public:
    // start starts `node seat.js` and checks it answers `hello`; or says what went wrong.
    static std::variant<std::unique_ptr<LibsignalClientSeat>, std::string> start();
    ~LibsignalClientSeat();
    LibsignalClientSeat(const LibsignalClientSeat&) = delete;
    LibsignalClientSeat& operator=(const LibsignalClientSeat&) = delete;

    // request sends one request object and returns the seat's answer object ("ok" true or
    // false), or what went wrong with the process (which then stays broken).
    std::variant<nlohmann::json, std::string> request(const nlohmann::json& message);

  private:
    struct Process;
    explicit LibsignalClientSeat(std::unique_ptr<Process> process);
    std::unique_ptr<Process> process_;
};

// libsignal_client_version names the peer ("libsignal-client <version> (Node.js seat)").
std::string libsignal_client_version();

// libsignal_client_seats_started counts the seat processes started so far (reuse shows as a small
// number against many runs).
std::size_t libsignal_client_seats_started();

}  // namespace ratchetcheck::peers
