// LibsignalParty behind the Endpoint interface (libsignal_endpoint.hpp).
#include "libsignal_endpoint.hpp"

#include <fmt/format.h>

#include <memory>

#include <signal/signal_protocol.h>

#include "libsignal_peer.hpp"

#ifndef RATCHETCHECK_LIBSIGNAL_VERSION
#define RATCHETCHECK_LIBSIGNAL_VERSION "unknown"
#endif

namespace ratchetcheck::peers {
namespace {

// map_status gives a libsignal status our closest Error. SG_ERR_INVALID_MESSAGE covers both a
// failed MAC and a counter beyond the forward-jump limit (reports_too_far_ahead is false).
Error map_status(int status) {
    switch (status) {
        case SG_ERR_DUPLICATE_MESSAGE:
            return Error::duplicate;
        case SG_ERR_NO_SESSION:
            return Error::no_session;
        case SG_ERR_INVALID_KEY:
            return Error::invalid_key;
        case SG_ERR_INVALID_KEY_ID:
            return Error::unknown_prekey_id;
        case SG_ERR_UNTRUSTED_IDENTITY:
            return Error::untrusted_identity;
        case SG_ERR_INVALID_VERSION:
        case SG_ERR_LEGACY_MESSAGE:
            return Error::bad_version;
        case SG_ERR_INVALID_PROTO_BUF:
            return Error::malformed;
        default:
            return Error::authentication_failed;
    }
}

class LibsignalEndpoint final : public harness::Endpoint {
  public:
    explicit LibsignalEndpoint(std::unique_ptr<LibsignalParty> party) : party_(std::move(party)) {}

    std::string_view implementation() const override { return "libsignal"; }
    IdentityPublicKey identity_public_key() const override { return party_->identity_public_key(); }
    Result<void> trust_peer(const IdentityPublicKey& peer) override {
        party_->trust_peer(peer);
        return {};
    }
    Result<PreKeyBundle> publish_prekeys(std::uint32_t signed_prekey_id,
                                         std::optional<std::uint32_t> one_time_prekey_id) override {
        auto bundle = party_->publish_prekeys(signed_prekey_id, one_time_prekey_id);
        if (!bundle.ok())
            return record(bundle.status);
        return bundle.value;
    }
    Result<void> initiate_session(const PreKeyBundle& bundle) override {
        if (const int status = party_->initiate_session(bundle); status < 0)
            return record(status);
        return {};
    }
    Result<OutgoingMessage> encrypt(ByteView plaintext) override {
        auto sent = party_->encrypt(plaintext);
        if (!sent.ok()) {
            record(sent.status);
            // libsignal has no code for "no session" on encrypt: with no sending chain it fails
            // with SG_ERR_UNKNOWN. Say what it means; native_error() keeps libsignal's code.
            if (!party_->current_session_keys())
                return Error::no_session;
            return map_status(sent.status);
        }
        return std::move(sent.value);
    }
    Result<SecureBytes> decrypt(MessageType type, ByteView message) override {
        auto received = party_->decrypt(type, message);
        if (!received.ok())
            return record(received.status);
        return SecureBytes(received.value.begin(), received.value.end());
    }
    std::string native_error() const override {
        return std::string(signal_status_name(last_status_));
    }
    bool reports_too_far_ahead() const override { return false; }

    SecureBytes snapshot() const override {
        const Bytes snapshot = party_->snapshot();
        return SecureBytes(snapshot.begin(), snapshot.end());
    }

    std::optional<std::string> save_restore() override {
        const ByteView stored = party_->stored_session_record();
        if (stored.empty())
            return std::nullopt;
        const Bytes saved(stored.begin(), stored.end());
        auto reloaded = party_->round_trip_session_record();
        if (!reloaded.ok()) {
            return fmt::format("the saved session record does not load ({})",
                               signal_status_name(reloaded.status));
        }
        std::optional<std::string> problem;
        if (reloaded.value != saved)
            problem = "the reloaded session record serializes to other bytes";
        if (const int status = party_->replace_session_record(reloaded.value); status < 0)
            return fmt::format("the reloaded session record is refused ({})",
                               signal_status_name(status));
        return problem;
    }

    std::optional<crypto::X25519Public> sending_ratchet_key() const override {
        const auto keys = party_->current_session_keys();
        if (!keys)
            return std::nullopt;
        return keys->sending_ratchet_key;
    }
    std::optional<crypto::X25519Public> session_base_key() const override {
        const auto keys = party_->current_session_keys();
        if (!keys)
            return std::nullopt;
        return keys->alice_base_key;
    }

  private:
    Error record(int status) {
        last_status_ = status;
        return map_status(status);
    }

    std::unique_ptr<LibsignalParty> party_;
    int last_status_ = 0;
};

}  // namespace

harness::EndpointOrProblem make_libsignal_endpoint(const harness::EndpointContext& context) {
    if (context.setup->profile != harness::TraceProfile::signal_v3) {
        return std::string(
            "libsignal-protocol-c runs signal-v3 only; this trace is signal-v4-pqxdh (use --peer "
            "libsignal-client)");
    }
    if (context.setup->limits != model::Limits{}) {
        return std::string(
            "libsignal-protocol-c has fixed limits (forward jump 2000, 2000 skipped keys per "
            "chain, 5 receiving chains); this trace sets others");
    }
    // Every random byte libsignal draws comes from the trace seed, per seat.
    const std::uint64_t seed = context.setup->key_seed;
    const std::string label = fmt::format("libsignal-{}", model::party_name(context.seat));
    auto counter = std::make_shared<std::uint64_t>(0);
    RandomFill random = [seed, label, counter](std::span<std::uint8_t> output) {
        harness::seeded_bytes(seed, label, (*counter)++, output);
    };
    auto party = LibsignalParty::create(context.registration_id, std::move(random));
    if (!party.ok()) {
        return fmt::format("libsignal could not create {}: {}", model::party_name(context.seat),
                           signal_status_name(party.status));
    }
    return std::make_unique<LibsignalEndpoint>(std::move(party.value));
}

const char* libsignal_version() {
    return "libsignal-protocol-c " RATCHETCHECK_LIBSIGNAL_VERSION;
}

}  // namespace ratchetcheck::peers
