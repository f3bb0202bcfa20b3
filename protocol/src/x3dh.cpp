// X3DH (Signal specification, Revision 1) as libsignal's session version 3 runs it, followed by
// the Double Ratchet initialisation (DR §3.3) in libsignal's form (SCHEMA.md §6.2).
#include <cstring>

#include "ratchetcheck/crypto/xeddsa.hpp"
#include "session_state.hpp"

namespace ratchetcheck {
namespace {

constexpr std::string_view x3dh_info = "WhisperText";

// The X3DH secret input: 32 0xFF bytes (X3DH §2.2, the curve's "F" prefix) then the DH outputs.
class SecretInput {
  public:
    SecretInput() { bytes_.assign(32, 0xff); }
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
    // derive returns RK and CK = HKDF(secret, salt = 32 zero bytes, "WhisperText", 64).
    void derive(RootKey& root_key, ChainKey& chain_key) const {
        SecretArray<64> expanded;
        const ByteView info(reinterpret_cast<const std::uint8_t*>(x3dh_info.data()),
                            x3dh_info.size());
        if (!crypto::hkdf_sha256_zero_salt(bytes_, info, expanded.mutable_view()).ok())
            std::abort();
        std::memcpy(root_key.key.data(), expanded.data(), 32);
        std::memcpy(chain_key.key.data(), expanded.data() + 32, 32);
        chain_key.index = 0;
    }

  private:
    SecureBytes bytes_;
};

}  // namespace

Result<SessionState> x3dh_initiate(const PartyState& party, const PreKeyBundle& bundle) {
    // X3DH §3.3: verify the prekey signature before anything else is computed.
    const SerializedPublicKey signed_prekey_bytes = bundle.signed_prekey.serialize();
    if (!crypto::xeddsa_verify(bundle.identity_key.u, signed_prekey_bytes,
                               bundle.signed_prekey_signature)) {
        return Error::invalid_key;
    }
    auto base_key = new_key_pair<role::Base>(*party.key_source, KeyRole::base);
    if (!base_key.ok())
        return base_key.error();

    // DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B).
    SecretInput secret;
    RATCHETCHECK_TRY(secret.append_agreement(party.identity, bundle.signed_prekey));
    RATCHETCHECK_TRY(secret.append_agreement(base_key.value(), bundle.identity_key));
    RATCHETCHECK_TRY(secret.append_agreement(base_key.value(), bundle.signed_prekey));
    if (bundle.one_time_prekey) {
        RATCHETCHECK_TRY(secret.append_agreement(base_key.value(), bundle.one_time_prekey->key));
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
        bundle.signed_prekey_id, base_key.value().public_key};
    return session;
}

Result<SessionState> x3dh_respond(const PartyState& party,
                                  const wire::PreKeySignalMessage& message) {
    // libsignal loads the signed prekey first, then the one-time prekey.
    const auto signed_prekey = party.signed_prekeys.find(message.signed_prekey_id);
    if (signed_prekey == party.signed_prekeys.end())
        return Error::unknown_prekey_id;
    const OneTimePreKeyRecord* one_time_prekey = nullptr;
    if (message.one_time_prekey_id) {
        const auto found = party.one_time_prekeys.find(*message.one_time_prekey_id);
        if (found == party.one_time_prekeys.end())
            return Error::unknown_prekey_id;
        one_time_prekey = &found->second;
    }

    // X3DH §3.4: the responder's DH terms mirror the initiator's.
    const auto& signed_key_pair = signed_prekey->second.key_pair;
    SecretInput secret;
    RATCHETCHECK_TRY(secret.append_agreement(signed_key_pair, message.identity_key));
    RATCHETCHECK_TRY(secret.append_agreement(party.identity, message.base_key));
    RATCHETCHECK_TRY(secret.append_agreement(signed_key_pair, message.base_key));
    if (one_time_prekey != nullptr) {
        RATCHETCHECK_TRY(secret.append_agreement(one_time_prekey->key_pair, message.base_key));
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
