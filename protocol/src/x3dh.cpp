// X3DH (Signal specification, Revision 1) as libsignal's session version 3 runs it, and PQXDH
// (Revision 3) with Kyber-1024 as libsignal's session version 4 runs it, each followed by the
// Double Ratchet initialisation (DR §3.3) in libsignal's form (SCHEMA.md §6.2).
#include <cstring>

#include "ratchetcheck/crypto/kyber.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"
#include "session_state.hpp"

namespace ratchetcheck {
namespace {

constexpr std::string_view x3dh_info = "WhisperText";
// PQXDH §2.1: the info string names the curve, the hash and the KEM (libsignal ratchet.rs).
constexpr std::string_view pqxdh_info = "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024";

std::string_view info_of(const Profile& profile) {
    return profile.key_agreement == KeyAgreement::pqxdh ? pqxdh_info : x3dh_info;
}

// The X3DH / PQXDH secret input: 32 0xFF bytes (X3DH §2.2, PQXDH §2.2: the curve's "F" prefix),
// the DH outputs, and for PQXDH the KEM shared secret last (PQXDH §3.3).
class SecretInput {
  public:
    explicit SecretInput(std::string_view info) : info_(info) { bytes_.assign(32, 0xff); }
    // append_agreement appends DH(own, peer); fails with invalid_key on a small-order peer key.
    template <typename OwnRole, typename PeerRole>
    [[nodiscard]] Result<void> append_agreement(const KeyPair<OwnRole>& own,
                                                const PublicKey<PeerRole>& peer) {
        auto shared = agree(own, peer);
        if (!shared.ok())
            return shared.error();
        bytes_.insert(bytes_.end(), shared.value().view().begin(), shared.value().view().end());
        return {};
    }
    // append_kem_secret appends the Kyber shared secret (PQXDH §3.3: after DH4).
    void append_kem_secret(const crypto::KyberSharedSecret& secret) {
        bytes_.insert(bytes_.end(), secret.view().begin(), secret.view().end());
    }
    // derive returns RK and CK = HKDF(secret, salt = 32 zero bytes, info, 64), info "WhisperText"
    // or PQXDH's. libsignal derives 96 bytes for PQXDH and keeps the last 32 for SPQR, which this
    // profile does not run; HKDF's output is a prefix of any longer output, so the first 64 bytes
    // are the same (docs/decisions.md E65).
    void derive(RootKey& root_key, ChainKey& chain_key) const {
        SecretArray<64> expanded;
        const ByteView info(reinterpret_cast<const std::uint8_t*>(info_.data()), info_.size());
        if (!crypto::hkdf_sha256_zero_salt(bytes_, info, expanded.mutable_view()).ok())
            std::abort();
        std::memcpy(root_key.key.data(), expanded.data(), 32);
        std::memcpy(chain_key.key.data(), expanded.data() + 32, 32);
        chain_key.index = 0;
    }

  private:
    std::string_view info_;
    SecureBytes bytes_;
};

// verify_kyber_prekey checks the identity key's XEdDSA signature over 0x08 || Kyber public key
// (PQXDH §3.3, libsignal process_prekey_bundle).
bool verify_kyber_prekey(const PreKeyBundle& bundle) {
    const SerializedKyberPublicKey serialized =
        serialize_kyber_public_key(bundle.kyber_prekey->key);
    return crypto::xeddsa_verify(bundle.identity_key.u, serialized, bundle.kyber_prekey->signature);
}

}  // namespace

SerializedKyberPublicKey serialize_kyber_public_key(const crypto::KyberPublicKey& key) {
    SerializedKyberPublicKey out{};
    out[0] = kyber1024_key_type;
    std::copy(key.view().begin(), key.view().end(), out.begin() + 1);
    return out;
}

Result<SessionState> x3dh_initiate(const PartyState& party, const PreKeyBundle& bundle) {
    const bool pqxdh = party.profile.key_agreement == KeyAgreement::pqxdh;
    // PQXDH §3.2 (and libsignal 0.75+): no bundle without a post-quantum prekey, no fallback to
    // X3DH.
    if (pqxdh && !bundle.kyber_prekey)
        return Error::post_quantum_required;
    // X3DH §3.3, PQXDH §3.3: verify the prekey signatures before anything else is computed.
    const SerializedPublicKey signed_prekey_bytes = bundle.signed_prekey.serialize();
    if (!crypto::xeddsa_verify(bundle.identity_key.u, signed_prekey_bytes,
                               bundle.signed_prekey_signature)) {
        return Error::invalid_key;
    }
    if (pqxdh && !verify_kyber_prekey(bundle))
        return Error::invalid_key;
    auto base_key = new_key_pair<role::Base>(*party.key_source, KeyRole::base);
    if (!base_key.ok())
        return base_key.error();

    // DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B).
    SecretInput secret(info_of(party.profile));
    RATCHETCHECK_TRY(secret.append_agreement(party.identity, bundle.signed_prekey));
    RATCHETCHECK_TRY(secret.append_agreement(base_key.value(), bundle.identity_key));
    RATCHETCHECK_TRY(secret.append_agreement(base_key.value(), bundle.signed_prekey));
    if (bundle.one_time_prekey) {
        RATCHETCHECK_TRY(secret.append_agreement(base_key.value(), bundle.one_time_prekey->key));
    }
    // PQXDH §3.3: (CT, SS) = PQKEM-ENC(PQPK_B), SS appended last.
    std::optional<PendingPreKey::Kyber> kyber;
    if (pqxdh) {
        SecretArray<crypto::kyber1024_encapsulation_randomness_bytes> randomness;
        RATCHETCHECK_TRY(party.key_source->fill_secret_random(RandomPurpose::kyber_encapsulation,
                                                              randomness.mutable_view()));
        auto encapsulation =
            crypto::kyber1024_encapsulate(bundle.kyber_prekey->key, randomness.view());
        if (!encapsulation.ok())
            return encapsulation.error();
        secret.append_kem_secret(encapsulation.value().shared_secret);
        kyber = PendingPreKey::Kyber{bundle.kyber_prekey->id, encapsulation.value().ciphertext};
    }

    SessionState session;
    ChainKey first_chain;
    secret.derive(session.root_key, first_chain);

    // DR §3.3 RatchetInitAlice, libsignal style: the X3DH chain becomes a receiving chain keyed
    // by SPK_B (never used), then a first DH step with a fresh ratchet key gives CKs.
    const RatchetPublicKey responder_ratchet = bundle.signed_prekey.rebind_role<role::Ratchet>();
    auto ratchet_key = new_key_pair<role::Ratchet>(*party.key_source, KeyRole::ratchet);
    if (!ratchet_key.ok())
        return ratchet_key.error();
    auto shared = agree(ratchet_key.value(), responder_ratchet);
    if (!shared.ok())
        return shared.error();
    RootKey root_after;
    kdf_root(session.root_key, shared.value(), root_after, session.sending_chain);
    session.root_key = std::move(root_after);
    session.receiving_chains.push_back(
        ReceivingChain{responder_ratchet, std::move(first_chain), {}});
    session.sending_ratchet_key = std::move(ratchet_key).value();

    session.local_identity = party.identity.public_key;
    session.remote_identity = bundle.identity_key;
    session.local_registration_id = party.registration_id;
    session.remote_registration_id = bundle.registration_id;
    session.previous_counter = 0;
    session.base_key = base_key.value().public_key;
    session.pending_prekey = PendingPreKey{
        bundle.one_time_prekey ? std::optional<std::uint32_t>(bundle.one_time_prekey->id)
                               : std::nullopt,
        bundle.signed_prekey_id, base_key.value().public_key, kyber};
    return session;
}

Result<SessionState> x3dh_respond(const PartyState& party,
                                  const wire::PreKeySignalMessage& message) {
    // libsignal loads the signed prekey first, then the Kyber prekey, then the one-time prekey.
    const auto signed_prekey = party.signed_prekeys.find(message.signed_prekey_id);
    if (signed_prekey == party.signed_prekeys.end())
        return Error::unknown_prekey_id;
    const bool pqxdh = party.profile.key_agreement == KeyAgreement::pqxdh;
    const KyberPreKeyRecord* kyber_prekey = nullptr;
    if (pqxdh) {
        // The parser (KeyAgreement::pqxdh) guarantees both Kyber fields.
        const auto found = party.kyber_prekeys.find(*message.kyber_prekey_id);
        if (found == party.kyber_prekeys.end())
            return Error::unknown_prekey_id;
        kyber_prekey = &found->second;
    }
    const OneTimePreKeyRecord* one_time_prekey = nullptr;
    if (message.one_time_prekey_id) {
        const auto found = party.one_time_prekeys.find(*message.one_time_prekey_id);
        if (found == party.one_time_prekeys.end())
            return Error::unknown_prekey_id;
        one_time_prekey = &found->second;
    }

    // X3DH §3.4, PQXDH §3.4: the responder's DH terms mirror the initiator's.
    const auto& signed_key_pair = signed_prekey->second.key_pair;
    SecretInput secret(info_of(party.profile));
    RATCHETCHECK_TRY(secret.append_agreement(signed_key_pair, message.identity_key));
    RATCHETCHECK_TRY(secret.append_agreement(party.identity, message.base_key));
    RATCHETCHECK_TRY(secret.append_agreement(signed_key_pair, message.base_key));
    if (one_time_prekey != nullptr) {
        RATCHETCHECK_TRY(secret.append_agreement(one_time_prekey->key_pair, message.base_key));
    }
    // PQXDH §3.4: SS = PQKEM-DEC(PQPK_B, CT). Decapsulation cannot fail: a ciphertext not made for
    // this key gives the implicit-rejection secret, and the embedded message then fails to
    // authenticate (authentication_failed), leaving the state as it was.
    if (kyber_prekey != nullptr) {
        secret.append_kem_secret(
            crypto::kyber1024_decapsulate(kyber_prekey->secret_key, *message.kyber_ciphertext));
    }

    // DR §3.3 RatchetInitBob: DHs = the signed prekey pair; its chain is replaced by the DH step
    // of the first message before it can be used.
    SessionState session;
    secret.derive(session.root_key, session.sending_chain);
    session.sending_ratchet_key = signed_key_pair.rebind_role<role::Ratchet>();
    session.local_identity = party.identity.public_key;
    session.remote_identity = message.identity_key;
    session.local_registration_id = party.registration_id;
    session.remote_registration_id = message.registration_id;
    session.previous_counter = 0;
    session.base_key = message.base_key;
    return session;
}

}  // namespace ratchetcheck
