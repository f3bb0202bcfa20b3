// Endpoint: one seat (Alice or Bob) of a two-party session, as the side-by-side runner drives it.
// Our Party sits behind it (PartyEndpoint, here), and so does libsignal-protocol-c
// (peers/libsignal_endpoint.hpp), so that one runner puts either implementation in either seat
// and checks both with the same model, the same oracle and the same checks (ARCHITECTURE.md
// "One runner").
//
// The life of an endpoint follows X3DH (§3): it is created with its identity; both seats learn
// each other's identity (trust_peer); Bob publishes his prekeys; Alice initiates a session on
// Bob's bundle; then messages flow.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/seeded_key_source.hpp"
#include "ratchetcheck/model/state.hpp"
#include "ratchetcheck/party.hpp"
#include "ratchetcheck/profile.hpp"

namespace ratchetcheck::harness {

// The ids of Bob's Kyber prekeys under signal-v4-pqxdh (PQXDH §3.2): a one-time one (in the
// bundle when TraceSetup::one_time_kyber_prekey) and a last-resort one (always stored; in the
// bundle otherwise). Public facts of every v4 trace, like the EC prekey ids of the runner.
inline constexpr std::uint32_t one_time_kyber_prekey_id = 41;
inline constexpr std::uint32_t last_resort_kyber_prekey_id = 42;

class Endpoint {
  public:
    virtual ~Endpoint() = default;

    // implementation names what runs in this seat: "ours", "libsignal" (libsignal-protocol-c) or
    // "libsignal-client" (through Node.js, peers/libsignal_client_endpoint.hpp).
    virtual std::string_view implementation() const = 0;

    // identity_public_key is this seat's identity (X3DH IK).
    virtual IdentityPublicKey identity_public_key() const = 0;

    // trust_peer pins the peer's identity: a PreKeySignalMessage with any other identity is
    // untrusted. Fails only if the implementation cannot be set up (reported as a setup problem).
    [[nodiscard]] virtual Result<void> trust_peer(const IdentityPublicKey& peer) = 0;

    // publish_prekeys (called before trust_peer) generates and stores a signed prekey with id
    // `signed_prekey_id` and, when `one_time_prekey_id` is set, a one-time prekey; under
    // signal-v4-pqxdh also the Kyber prekeys (one_time_kyber_prekey_id when the setup asks for
    // it, and last_resort_kyber_prekey_id); returns the bundle a server would hand out.
    [[nodiscard]] virtual Result<PreKeyBundle> publish_prekeys(
        std::uint32_t signed_prekey_id, std::optional<std::uint32_t> one_time_prekey_id) = 0;

    // initiate_session runs the initiator's half of X3DH (§3.3) on `bundle`.
    [[nodiscard]] virtual Result<void> initiate_session(const PreKeyBundle& bundle) = 0;

    // encrypt / decrypt are the Double Ratchet's (DR §3.4, §3.5). A failure is mapped onto our
    // Error; native_error() then names the implementation's own code for reports.
    [[nodiscard]] virtual Result<OutgoingMessage> encrypt(ByteView plaintext) = 0;
    [[nodiscard]] virtual Result<SecureBytes> decrypt(MessageType type, ByteView message) = 0;
    virtual std::string native_error() const = 0;

    // reports_too_far_ahead is false for an implementation that reports a message beyond the
    // forward-jump limit as an ordinary rejection (libsignal: SG_ERR_INVALID_MESSAGE); the runner
    // then accepts any opaque rejection where the model names too_far_ahead.
    virtual bool reports_too_far_ahead() const { return true; }

    // snapshot returns every byte of state a message can change; equal snapshots before and
    // after a rejected message mean it changed nothing (DR §3.5).
    virtual SecureBytes snapshot() const = 0;

    // save_restore saves the state and loads it back in place of the live one (docs/state-format.md
    // for ours; the session record for libsignal). Returns what went wrong, or nullopt.
    virtual std::optional<std::string> save_restore() = 0;

    // sending_ratchet_key is the current session's DHs public key (nullopt without a session
    // that can send); session_base_key is that session's X3DH base key (Alice's EK).
    virtual std::optional<crypto::X25519Public> sending_ratchet_key() const = 0;
    virtual std::optional<crypto::X25519Public> session_base_key() const = 0;

    // probe_copy returns an independent copy of the current state, to try a message on without
    // changing this endpoint (nullptr where the implementation cannot be copied).
    virtual std::unique_ptr<Endpoint> probe_copy() const { return nullptr; }

    // party is our implementation's Party in this seat (for α and StateView), or nullptr.
    virtual const Party* party() const { return nullptr; }
};

// EndpointContext is what a seat is made from: the trace's setup, its profile, and the key
// source every "ours" seat of a run shares (so that the order of key generation, and hence
// every key, is a function of the trace).
struct EndpointContext {
    model::PartyId seat = model::PartyId::alice;
    std::uint32_t registration_id = 0;
    const TraceSetup* setup = nullptr;
    const Profile* profile = nullptr;
    SeededKeySource* keys = nullptr;
};

// EndpointOrProblem is a new endpoint, or why it could not be made.
using EndpointOrProblem = std::variant<std::unique_ptr<Endpoint>, std::string>;

// EndpointFactory makes the endpoint of one seat.
using EndpointFactory = std::function<EndpointOrProblem(const EndpointContext& context)>;

// make_party_endpoint is the factory of our implementation: a Party whose keys come from the
// context's key source, whose signed prekey signature randomness comes from the trace seed.
EndpointOrProblem make_party_endpoint(const EndpointContext& context);

}  // namespace ratchetcheck::harness
