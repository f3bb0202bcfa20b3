// Our implementation behind the Endpoint interface (endpoint.hpp).
#include "ratchetcheck/harness/endpoint.hpp"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "ratchetcheck/crypto/xeddsa.hpp"

namespace ratchetcheck::harness {
namespace {

class PartyEndpoint final : public Endpoint {
  public:
    PartyEndpoint(IdentityKeyPair identity, const EndpointContext& context)
        : identity_(std::move(identity)),
          registration_id_(context.registration_id),
          key_seed_(context.setup->key_seed),
          profile_(*context.profile),
          keys_(context.keys),
          one_time_kyber_prekey_(context.setup->one_time_kyber_prekey) {}

    // A copy for probing: its own key source, so that probing draws no key of the run.
    PartyEndpoint(Party party, const Profile& profile, std::uint64_t key_seed,
                  std::unique_ptr<SeededKeySource> owned_keys)
        : registration_id_(party.registration_id()),
          key_seed_(key_seed),
          profile_(profile),
          keys_(owned_keys.get()),
          owned_keys_(std::move(owned_keys)),
          party_(std::move(party)) {}

    std::string_view implementation() const override { return "ours"; }

    IdentityPublicKey identity_public_key() const override {
        return party_ ? party_->identity_public_key() : identity_->public_key;
    }

    Result<void> trust_peer(const IdentityPublicKey& peer) override {
        // Party pins its peer at construction, so the Party is made here.
        changed();
        party_.emplace(std::move(*identity_), registration_id_, peer, *keys_, profile_);
        identity_.reset();
        if (signed_prekey_)
            party_->add_signed_prekey(std::move(*signed_prekey_));
        if (one_time_prekey_)
            party_->add_one_time_prekey(std::move(*one_time_prekey_));
        for (KyberPreKeyRecord& kyber : kyber_prekeys_)
            party_->add_kyber_prekey(std::move(kyber));
        signed_prekey_.reset();
        one_time_prekey_.reset();
        kyber_prekeys_.clear();
        return {};
    }

    Result<PreKeyBundle> publish_prekeys(std::uint32_t signed_prekey_id,
                                         std::optional<std::uint32_t> one_time_prekey_id) override {
        if (!identity_)
            return record(Error::no_session);  // the runner publishes before trust_peer
        auto signed_private = keys_->next_private_key(KeyRole::signed_prekey);
        if (!signed_private.ok())
            return record(signed_private.error());
        // X3DH §3.2: the signed prekey is signed with the identity key; the signature's randomness
        // comes from the seed so that the serialized state is a function of the trace.
        SignedPreKeyRecord signed_prekey{
            signed_prekey_id,
            KeyPair<role::SignedPreKey>::from_private(std::move(signed_private).value()),
            {}};
        std::array<std::uint8_t, crypto::xeddsa_nonce_bytes> signature_randomness{};
        seeded_bytes(key_seed_, "signature", 0, signature_randomness);
        const IdentityKeyPair& identity = *identity_;
        signed_prekey.signature =
            crypto::xeddsa_sign(identity.private_key, signed_prekey.key_pair.public_key.serialize(),
                                signature_randomness);
        std::optional<OneTimePreKeyRecord> one_time_prekey;
        if (one_time_prekey_id) {
            auto generated = generate_one_time_prekey(*one_time_prekey_id, *keys_);
            if (!generated.ok())
                return record(generated.error());
            one_time_prekey = std::move(generated).value();
        }
        // PQXDH §3.2: a signal-v4-pqxdh bundle carries a signed Kyber prekey, the one-time one
        // when the setup asks for it, else the last-resort one, which is stored either way.
        std::vector<KyberPreKeyRecord> kyber_prekeys;
        if (profile_.key_agreement == KeyAgreement::pqxdh) {
            std::vector<std::pair<std::uint32_t, bool>> wanted;
            if (one_time_kyber_prekey_)
                wanted.emplace_back(one_time_kyber_prekey_id, false);
            wanted.emplace_back(last_resort_kyber_prekey_id, true);
            for (const auto& [id, last_resort] : wanted) {
                auto generated = generate_kyber_prekey(identity, id, last_resort, *keys_);
                if (!generated.ok())
                    return record(generated.error());
                KyberPreKeyRecord kyber = std::move(generated).value();
                // Signed again with randomness from the seed, so that the serialized state is a
                // function of the trace (generate_kyber_prekey draws its XEdDSA nonce).
                seeded_bytes(key_seed_, "kyber-signature", id, signature_randomness);
                kyber.signature = crypto::xeddsa_sign(identity.private_key,
                                                      serialize_kyber_public_key(kyber.public_key),
                                                      signature_randomness);
                kyber_prekeys.push_back(std::move(kyber));
            }
        }
        PreKeyBundle bundle =
            make_prekey_bundle(registration_id_, 1, identity.public_key, signed_prekey,
                               one_time_prekey ? &*one_time_prekey : nullptr,
                               kyber_prekeys.empty() ? nullptr : &kyber_prekeys.front());
        signed_prekey_ = std::move(signed_prekey);
        one_time_prekey_ = std::move(one_time_prekey);
        kyber_prekeys_ = std::move(kyber_prekeys);
        return bundle;
    }

    Result<void> initiate_session(const PreKeyBundle& bundle) override {
        if (!party_)
            return record(Error::no_session);
        changed();
        auto started = party_->initiate_session(bundle);
        if (!started.ok())
            return record(started.error());
        return {};
    }

    Result<OutgoingMessage> encrypt(ByteView plaintext) override {
        if (!party_)
            return record(Error::no_session);
        changed();
        auto sent = party_->encrypt(plaintext);
        if (!sent.ok())
            return record(sent.error());
        return sent;
    }

    Result<SecureBytes> decrypt(MessageType type, ByteView message) override {
        if (!party_)
            return record(Error::no_session);
        changed();
        auto received = party_->decrypt(type, message);
        if (!received.ok())
            return record(received.error());
        return received;
    }

    std::string native_error() const override { return std::string(error_name(last_error_)); }

    SecureBytes snapshot() const override { return party_ ? party_->serialize() : SecureBytes{}; }

    std::optional<std::string> save_restore() override {
        if (!party_)
            return std::nullopt;
        changed();
        const SecureBytes saved = party_->serialize();
        const StateView view = party_->view();
        auto restored = Party::deserialize(saved, *keys_, profile_);
        if (!restored.ok())
            return fmt::format("the saved state does not load ({})", error_name(restored.error()));
        std::optional<std::string> problem;
        if (restored.value().serialize() != saved)
            problem = "the restored state serializes to other bytes";
        else if (restored.value().view() != view)
            problem = "the restored state has another view";
        party_ = std::move(restored).value();
        return problem;
    }

    std::optional<crypto::X25519Public> sending_ratchet_key() const override {
        const auto session = current_session();
        return session ? std::optional(session->sending_ratchet_key) : std::nullopt;
    }

    std::optional<crypto::X25519Public> session_base_key() const override {
        const auto session = current_session();
        return session ? std::optional(session->base_key) : std::nullopt;
    }

    std::unique_ptr<Endpoint> probe_copy() const override {
        if (!party_)
            return nullptr;
        auto probe_keys = std::make_unique<SeededKeySource>(key_seed_, "probe");
        auto copy = Party::deserialize(party_->serialize(), *probe_keys, profile_);
        if (!copy.ok())
            return nullptr;
        return std::make_unique<PartyEndpoint>(std::move(copy).value(), profile_, key_seed_,
                                               std::move(probe_keys));
    }

    const Party* party() const override { return party_ ? &*party_ : nullptr; }

  private:
    // The current session's two public keys, remembered until the Party changes: the runner asks
    // for them after every op, and a view() of the whole state per question was a large share of a
    // fuzz input's allocations (docs/fuzzing.md, "Speed").
    struct SessionKeys {
        crypto::X25519Public sending_ratchet_key;
        crypto::X25519Public base_key;
    };
    std::optional<SessionKeys> current_session() const {
        if (!session_keys_known_) {
            session_keys_.reset();
            if (party_) {
                if (const auto session = party_->view().current)
                    session_keys_ =
                        SessionKeys{session->sending_ratchet_key.u, session->base_key.u};
            }
            session_keys_known_ = true;
        }
        return session_keys_;
    }
    // changed forgets the remembered session keys; every method that can change party_ calls it.
    void changed() { session_keys_known_ = false; }
    Error record(Error error) {
        last_error_ = error;
        return error;
    }

    std::optional<IdentityKeyPair> identity_;  // until trust_peer makes the Party
    std::uint32_t registration_id_ = 0;
    std::uint64_t key_seed_ = 0;
    Profile profile_;
    SeededKeySource* keys_ = nullptr;
    std::unique_ptr<SeededKeySource> owned_keys_;  // a probe copy's own keys; before party_
    std::optional<SignedPreKeyRecord> signed_prekey_;
    std::optional<OneTimePreKeyRecord> one_time_prekey_;
    std::vector<KyberPreKeyRecord> kyber_prekeys_;  // signal-v4-pqxdh, until trust_peer
    bool one_time_kyber_prekey_ = true;
    std::optional<Party> party_;
    Error last_error_ = Error::malformed;
    mutable bool session_keys_known_ = false;
    mutable std::optional<SessionKeys> session_keys_;
};

}  // namespace

EndpointOrProblem make_party_endpoint(const EndpointContext& context) {
    auto identity = generate_identity_key_pair(*context.keys);
    if (!identity.ok()) {
        return fmt::format("{}: the key source failed ({})", model::party_name(context.seat),
                           error_name(identity.error()));
    }
    return std::make_unique<PartyEndpoint>(std::move(identity).value(), context);
}

}  // namespace ratchetcheck::harness
