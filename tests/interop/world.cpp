#include "world.hpp"

#include <random>

#include "libsignal_peer.hpp"
#include "ratchetcheck/crypto/primitives.hpp"

namespace ratchetcheck::interop {

std::string_view pairing_name(Pairing pairing) {
    return pairing == Pairing::ours_alice_libsignal_bob ? "ours(alice) <-> libsignal(bob)"
                                                        : "libsignal(alice) <-> ours(bob)";
}

namespace {

// SeededKeySource hands out clamped X25519 keys from a seeded generator: reproducible test keys,
// not secret ones.
class SeededKeySource final : public KeySource {
  public:
    explicit SeededKeySource(std::uint64_t seed) : random_(seed) {}
    [[nodiscard]] Result<crypto::X25519Private> next_private_key(KeyRole) override {
        crypto::X25519Private key;
        for (std::uint8_t& byte : key.mutable_view())
            byte = static_cast<std::uint8_t>(random_());
        crypto::x25519_clamp(key.mutable_view());
        return key;
    }

  private:
    std::mt19937_64 random_;
};

peers::RandomFill seeded_random_fill(std::uint64_t seed) {
    auto random = std::make_shared<std::mt19937_64>(seed);
    return [random](std::span<std::uint8_t> output) {
        for (std::uint8_t& byte : output)
            byte = static_cast<std::uint8_t>((*random)());
    };
}

class OurEndpoint final : public Endpoint {
  public:
    OurEndpoint(std::unique_ptr<SeededKeySource> key_source, Party party)
        : key_source_(std::move(key_source)), party_(std::move(party)) {}
    std::string_view implementation() const override { return "ours"; }
    SendOutcome send(ByteView plaintext) override {
        auto message = party_.encrypt(plaintext);
        if (!message.ok())
            return {false, {}, std::string(error_name(message.error()))};
        return {true, std::move(message).value(), {}};
    }
    ReceiveOutcome receive(MessageType type, ByteView message) override {
        auto plaintext = party_.decrypt(type, message);
        if (!plaintext.ok())
            return {false, {}, std::string(error_name(plaintext.error()))};
        return {true, Bytes(plaintext.value().begin(), plaintext.value().end()), {}};
    }
    Party& party() { return party_; }

  private:
    std::unique_ptr<SeededKeySource> key_source_;  // borrowed by party_: declared first
    Party party_;
};

class LibsignalEndpoint final : public Endpoint {
  public:
    explicit LibsignalEndpoint(std::unique_ptr<peers::LibsignalParty> party)
        : party_(std::move(party)) {}
    std::string_view implementation() const override { return "libsignal"; }
    SendOutcome send(ByteView plaintext) override {
        auto message = party_->encrypt(plaintext);
        if (!message.ok())
            return {false, {}, std::string(peers::signal_status_name(message.status))};
        return {true, std::move(message.value), {}};
    }
    ReceiveOutcome receive(MessageType type, ByteView message) override {
        auto plaintext = party_->decrypt(type, message);
        if (!plaintext.ok())
            return {false, {}, std::string(peers::signal_status_name(plaintext.status))};
        return {true, std::move(plaintext.value), {}};
    }
    peers::LibsignalParty& party() { return *party_; }

  private:
    std::unique_ptr<peers::LibsignalParty> party_;
};

// Our side's identity and (for Bob) published prekeys, with the bundle a server would hand out.
struct OurParty {
    std::unique_ptr<OurEndpoint> endpoint;
    PreKeyBundle bundle;
};

std::optional<OurParty> make_our_party(std::uint64_t seed, std::uint32_t registration_id,
                                       const IdentityPublicKey& peer, bool publish,
                                       bool with_one_time_prekey, std::string& error) {
    auto key_source = std::make_unique<SeededKeySource>(seed);
    auto identity = generate_identity_key_pair(*key_source);
    if (!identity.ok()) {
        error = "our identity: " + std::string(error_name(identity.error()));
        return std::nullopt;
    }
    OurParty made;
    made.bundle.registration_id = registration_id;
    made.bundle.device_id = 1;
    made.bundle.identity_key = identity.value().public_key;
    std::optional<SignedPreKeyRecord> signed_prekey;
    std::optional<OneTimePreKeyRecord> one_time_prekey;
    if (publish) {
        auto signed_record =
            generate_signed_prekey(identity.value(), signed_prekey_id, *key_source);
        if (!signed_record.ok()) {
            error = "our signed prekey: " + std::string(error_name(signed_record.error()));
            return std::nullopt;
        }
        made.bundle.signed_prekey_id = signed_prekey_id;
        made.bundle.signed_prekey = signed_record.value().key_pair.public_key;
        made.bundle.signed_prekey_signature = signed_record.value().signature;
        signed_prekey = std::move(signed_record).value();
        if (with_one_time_prekey) {
            auto one_time = generate_one_time_prekey(one_time_prekey_id, *key_source);
            if (!one_time.ok()) {
                error = "our one-time prekey: " + std::string(error_name(one_time.error()));
                return std::nullopt;
            }
            made.bundle.one_time_prekey = PreKeyBundle::OneTimePreKey{
                one_time_prekey_id, one_time.value().key_pair.public_key};
            one_time_prekey = std::move(one_time).value();
        }
    }
    Party party(std::move(identity).value(), registration_id, peer, *key_source);
    if (signed_prekey)
        party.add_signed_prekey(std::move(*signed_prekey));
    if (one_time_prekey)
        party.add_one_time_prekey(std::move(*one_time_prekey));
    made.endpoint = std::make_unique<OurEndpoint>(std::move(key_source), std::move(party));
    return made;
}

std::unique_ptr<peers::LibsignalParty> make_libsignal_party(std::uint64_t seed,
                                                            std::uint32_t registration_id,
                                                            std::string& error) {
    auto party = peers::LibsignalParty::create(registration_id, seeded_random_fill(seed));
    if (!party.ok()) {
        error = "libsignal party: " + std::string(peers::signal_status_name(party.status));
        return nullptr;
    }
    return std::move(party.value);
}

// Party pins its peer at construction, so each side's identity must exist before the other side
// is built: the libsignal side is made first in both pairings.
WorldOrError make_ours_alice(std::uint64_t seed, bool with_one_time_prekey) {
    WorldOrError result;
    auto bob = make_libsignal_party(seed ^ 0xb0b, bob_registration_id, result.error);
    if (!bob)
        return result;
    std::optional<std::uint32_t> one_time_id;
    if (with_one_time_prekey)
        one_time_id = one_time_prekey_id;
    auto bundle = bob->publish_prekeys(signed_prekey_id, one_time_id);
    if (!bundle.ok()) {
        result.error = "libsignal bundle: " + std::string(peers::signal_status_name(bundle.status));
        return result;
    }
    auto alice = make_our_party(seed ^ 0xa11ce, alice_registration_id, bob->identity_public_key(),
                                false, false, result.error);
    if (!alice)
        return result;
    bob->trust_peer(alice->endpoint->party().identity_public_key());
    // X3DH §3.3 on libsignal's bundle: checks libsignal's XEdDSA signature with ours.
    if (auto started = alice->endpoint->party().initiate_session(bundle.value); !started.ok()) {
        result.error = "our initiate_session: " + std::string(error_name(started.error()));
        return result;
    }
    result.world = World{Pairing::ours_alice_libsignal_bob, std::move(alice->endpoint),
                         std::make_unique<LibsignalEndpoint>(std::move(bob))};
    return result;
}

WorldOrError make_libsignal_alice(std::uint64_t seed, bool with_one_time_prekey) {
    WorldOrError result;
    auto alice = make_libsignal_party(seed ^ 0xa11ce, alice_registration_id, result.error);
    if (!alice)
        return result;
    auto bob = make_our_party(seed ^ 0xb0b, bob_registration_id, alice->identity_public_key(), true,
                              with_one_time_prekey, result.error);
    if (!bob)
        return result;
    alice->trust_peer(bob->bundle.identity_key);
    // X3DH §3.3 on our bundle: libsignal checks our XEdDSA signature.
    if (const int status = alice->initiate_session(bob->bundle); status < 0) {
        result.error =
            "libsignal initiate_session: " + std::string(peers::signal_status_name(status));
        return result;
    }
    result.world =
        World{Pairing::libsignal_alice_ours_bob,
              std::make_unique<LibsignalEndpoint>(std::move(alice)), std::move(bob->endpoint)};
    return result;
}

}  // namespace

WorldOrError make_world(Pairing pairing, std::uint64_t seed, bool with_one_time_prekey) {
    return pairing == Pairing::ours_alice_libsignal_bob
               ? make_ours_alice(seed, with_one_time_prekey)
               : make_libsignal_alice(seed, with_one_time_prekey);
}

}  // namespace ratchetcheck::interop
