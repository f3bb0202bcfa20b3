// Internal state of a Party and of its Double Ratchet sessions. Not installed: the public API is
// Party and StateView.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "ratchetcheck/key_source.hpp"
#include "ratchetcheck/keys.hpp"
#include "ratchetcheck/party.hpp"
#include "ratchetcheck/profile.hpp"
#include "ratchetcheck/wire/signal_message.hpp"

namespace ratchetcheck {

// ReceivingChain is one receiving chain: the peer ratchet key, its chain key, and the stored
// keys of messages skipped on it (DR §3.2 MKSKIPPED, kept per chain as libsignal does), in
// ascending counter order.
struct ReceivingChain {
    RatchetPublicKey sender_ratchet_key;
    ChainKey chain_key;
    std::vector<MessageKeys> skipped;
};

// PendingPreKey records what an initiator repeats in every PreKeySignalMessage until the
// responder answers (libsignal's "unacknowledged prekey message").
struct PendingPreKey {
    std::optional<std::uint32_t> one_time_prekey_id;
    std::uint32_t signed_prekey_id = 0;
    BasePublicKey base_key;
    // PQXDH: the Kyber prekey encapsulated to and the ciphertext, repeated in every
    // PreKeySignalMessage as libsignal repeats them (its pending Kyber prekey).
    struct Kyber {
        std::uint32_t id = 0;
        crypto::KyberCiphertext ciphertext;
    };
    std::optional<Kyber> kyber;
};

// SessionState is one Double Ratchet session (DR §3.2 state variables).
struct SessionState {
    IdentityPublicKey local_identity;
    IdentityPublicKey remote_identity;
    std::uint32_t local_registration_id = 0;
    std::uint32_t remote_registration_id = 0;
    RootKey root_key;                              // RK
    RatchetKeyPair sending_ratchet_key;            // DHs
    ChainKey sending_chain;                        // CKs, Ns
    std::uint32_t previous_counter = 0;            // PN as libsignal sends it
    std::vector<ReceivingChain> receiving_chains;  // oldest first
    std::optional<PendingPreKey> pending_prekey;
    BasePublicKey base_key;  // initiator's base key (identifies the session)

    std::size_t skipped_key_count() const;
    SessionView view() const;
};

// PartyState is everything a Party owns.
struct PartyState {
    Profile profile;
    KeySource* key_source = nullptr;  // borrowed
    IdentityKeyPair identity;
    std::uint32_t registration_id = 0;
    std::optional<IdentityPublicKey> trusted_peer_identity;
    std::map<std::uint32_t, SignedPreKeyRecord> signed_prekeys;
    std::map<std::uint32_t, OneTimePreKeyRecord> one_time_prekeys;
    std::map<std::uint32_t, KyberPreKeyRecord> kyber_prekeys;
    std::optional<SessionState> current;
    std::vector<SessionState> archived;  // newest first
};

// --- x3dh.cpp ---------------------------------------------------------------------------------

// x3dh_initiate returns the initiator's new session (X3DH §3.3, or PQXDH §3.3 under a pqxdh
// profile, followed by DR §3.3 RatchetInitAlice).
[[nodiscard]] Result<SessionState> x3dh_initiate(const PartyState& party,
                                                 const PreKeyBundle& bundle);

// x3dh_respond builds the responder's new session from a PreKeySignalMessage (X3DH §3.4 or
// PQXDH §3.4, and DR §3.3 RatchetInitBob), without touching the party. Fails with
// unknown_prekey_id or invalid_key.
[[nodiscard]] Result<SessionState> x3dh_respond(const PartyState& party,
                                                const wire::PreKeySignalMessage& message);

// --- double_ratchet.cpp ------------------------------------------------------------------------

// encrypt_with_session encrypts with `session` and advances its sending chain (DR §3.4).
[[nodiscard]] Result<OutgoingMessage> encrypt_with_session(SessionState& session,
                                                           const Profile& profile,
                                                           ByteView plaintext);

// StagedDecrypt is the result of authenticating a message against a session without changing
// it: the plaintext and everything commit_decrypt must apply.
struct StagedDecrypt;

// DecryptOutcome owns a staged decrypt; commit it to apply it.
class DecryptOutcome {
  public:
    DecryptOutcome();
    DecryptOutcome(DecryptOutcome&&) noexcept;
    DecryptOutcome& operator=(DecryptOutcome&&) noexcept;
    ~DecryptOutcome();
    explicit DecryptOutcome(std::unique_ptr<StagedDecrypt> staged);
    StagedDecrypt& staged() { return *staged_; }

  private:
    std::unique_ptr<StagedDecrypt> staged_;
};

// stage_decrypt runs DR §3.5 RatchetDecrypt on `session` without modifying it: finds or derives
// the receiving chain, the message key, checks the MAC and decrypts. On success the outcome
// holds the plaintext and the update; nothing is changed until commit_decrypt. `message` must
// come from parse_signal_message with `profile.message_version` (every caller parses it so): its
// version is not checked again here.
[[nodiscard]] Result<DecryptOutcome> stage_decrypt(const SessionState& session,
                                                   const Profile& profile,
                                                   const wire::SignalMessage& message);

// commit_decrypt applies a staged decrypt to the session it was staged on. The new sending
// ratchet key of a DH step is drawn from `key_source` first; if that fails nothing changes.
// Returns the plaintext.
[[nodiscard]] Result<SecureBytes> commit_decrypt(SessionState& session, const Profile& profile,
                                                 KeySource& key_source, DecryptOutcome outcome);

// --- shared helpers ------------------------------------------------------------------------------

// kdf_root is KDF_RK (DR §5.2 as libsignal instantiates it): HKDF(dh, salt = RK,
// "WhisperRatchet", 64) -> (RK', CK).
void kdf_root(const RootKey& root_key, const SecretArray<32>& dh_output, RootKey& next_root,
              ChainKey& next_chain);

// ChainStep is the result of KDF_CK (DR §5.2) on one chain key: the message keys at its index
// and the next chain key. Both are wiped when dropped.
struct ChainStep {
    MessageKeys message_keys;
    ChainKey next;
};

// step_chain is KDF_CK as libsignal instantiates it: seed = HMAC(CK, 0x01), CK' = HMAC(CK, 0x02),
// message keys = HKDF(seed, zero salt, "WhisperMessageKeys", 80) split into cipher key, MAC key
// and IV, for the counter chain.index.
ChainStep step_chain(const ChainKey& chain);

// new_key_pair draws a key of `role` from the key source.
template <typename Role>
[[nodiscard]] Result<KeyPair<Role>> new_key_pair(KeySource& key_source, KeyRole role) {
    auto private_key = key_source.next_private_key(role);
    if (!private_key.ok())
        return private_key.error();
    return KeyPair<Role>::from_private(std::move(private_key).value());
}

}  // namespace ratchetcheck
