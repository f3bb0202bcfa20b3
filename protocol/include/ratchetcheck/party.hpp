// Party: one participant of a two-party Signal session — its identity, its prekeys, the peer it
// trusts and its sessions — with the operations of X3DH and the Double Ratchet.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ratchetcheck/key_source.hpp"
#include "ratchetcheck/keys.hpp"
#include "ratchetcheck/profile.hpp"
#include "ratchetcheck/result.hpp"
#include "ratchetcheck/secret.hpp"
#include "ratchetcheck/state_view.hpp"

namespace ratchetcheck {

// MessageType is the libsignal ciphertext type, carried outside the message.
enum class MessageType : std::uint8_t {
    signal_message = 2,  // SignalMessage (DR message)
    prekey_message = 3,  // PreKeySignalMessage (X3DH initial message wrapping a SignalMessage)
};

// PreKeyBundle is what a responder publishes (X3DH §3.2, PQXDH §3.2): public values only.
struct PreKeyBundle {
    std::uint32_t registration_id = 0;
    std::uint32_t device_id = 0;
    IdentityPublicKey identity_key;
    std::uint32_t signed_prekey_id = 0;
    PublicKey<role::SignedPreKey> signed_prekey;
    std::array<std::uint8_t, 64> signed_prekey_signature{};
    struct OneTimePreKey {
        std::uint32_t id = 0;
        PublicKey<role::OneTimePreKey> key;
    };
    std::optional<OneTimePreKey> one_time_prekey;
    // The signed Kyber prekey (PQXDH §3.2): required by a signal-v4-pqxdh initiator, ignored by a
    // signal-v3 one. `signature` is the identity key's XEdDSA signature over 0x08 || key.
    struct KyberPreKey {
        std::uint32_t id = 0;
        crypto::KyberPublicKey key;
        std::array<std::uint8_t, 64> signature{};
    };
    std::optional<KyberPreKey> kyber_prekey;
};

// OutgoingMessage is an encrypted message and its type.
struct OutgoingMessage {
    MessageType type = MessageType::signal_message;
    Bytes bytes;
};

struct PartyState;  // defined in the implementation

// Party holds one participant's state. Every operation is transactional: on failure nothing
// changes (serialize() gives the same bytes before and after), and no valid message is lost
// because an invalid one arrived. Move-only; all secrets are wiped when it is destroyed.
// Not thread-safe: one Party is used by one thread at a time.
class Party {
  public:
    // Party creates a participant with its identity key pair and registration id. `key_source`
    // is borrowed (it must outlive the Party) and supplies every generated key. If
    // `trusted_peer_identity` is set, only that peer identity is accepted; otherwise the first
    // identity seen is pinned (trust on first use).
    Party(IdentityKeyPair identity, std::uint32_t registration_id,
          std::optional<IdentityPublicKey> trusted_peer_identity, KeySource& key_source,
          Profile profile = Profile::signal_v3());
    ~Party();
    Party(Party&&) noexcept;
    Party& operator=(Party&&) noexcept;
    Party(const Party&) = delete;
    Party& operator=(const Party&) = delete;

    // add_signed_prekey / add_one_time_prekey store prekeys this party has published; a prekey
    // with an id already present replaces it.
    void add_signed_prekey(SignedPreKeyRecord record);
    void add_one_time_prekey(OneTimePreKeyRecord record);
    // add_kyber_prekey stores a Kyber prekey this party has published (PQXDH §3.2); one with an
    // id already present replaces it. A signal-v3 party stores it too but never uses it.
    void add_kyber_prekey(KyberPreKeyRecord record);

    // initiate_session runs the initiator's half of the profile's key agreement (X3DH §3.3, or
    // PQXDH §3.3: both signatures checked, then the Kyber encapsulation) on `bundle` and makes the
    // new session current (an existing one is archived). Fails with untrusted_identity,
    // invalid_key (bad signature, bad DH output), post_quantum_required (a PQXDH profile and a
    // bundle without a Kyber prekey) or key_source_exhausted; nothing changes then.
    [[nodiscard]] Result<void> initiate_session(const PreKeyBundle& bundle);

    // encrypt encrypts `plaintext` with the current session (DR §3.4). While the peer has not
    // yet answered, the result is a PreKeySignalMessage. Fails with no_session, too_far_ahead
    // (the sending counter has reached 2^32 - 1) or plaintext_too_large (over 2^31 - 17 bytes).
    [[nodiscard]] Result<OutgoingMessage> encrypt(ByteView plaintext);

    // decrypt authenticates and decrypts a message of `type` (DR §3.5; X3DH §3.4 or PQXDH §3.4
    // for a PreKeySignalMessage from a new initiator; a one-time Kyber prekey is deleted after
    // its first successful use, a last-resort one kept). Returns the plaintext (wiped when freed),
    // or one of malformed, bad_version, invalid_key, unknown_prekey_id, untrusted_identity,
    // duplicate, too_far_ahead, authentication_failed, no_session, key_source_exhausted; on any
    // failure the state is unchanged.
    [[nodiscard]] Result<SecureBytes> decrypt(MessageType type, ByteView message);

    // serialize returns the whole state (identity, prekeys, trust, sessions) in the versioned
    // binary format of docs/state-format.md. The buffer holds secrets and is wiped when freed.
    SecureBytes serialize() const;

    // deserialize rebuilds a Party from serialize()'s output. Fails with corrupt_state for a
    // truncated, inconsistent, over-bound or other-version state, or a state of another profile.
    [[nodiscard]] static Result<Party> deserialize(ByteView serialized, KeySource& key_source,
                                                   Profile profile = Profile::signal_v3());

    // view returns a snapshot of the public shape of the state (no secrets).
    StateView view() const;

    // identity_public_key / registration_id describe this party.
    IdentityPublicKey identity_public_key() const;
    std::uint32_t registration_id() const;
    // profile returns the limits and wire constants this party was created or loaded with; the
    // reference lives as long as the party.
    const Profile& profile() const;

  private:
    explicit Party(std::unique_ptr<PartyState> state);
    std::unique_ptr<PartyState> state_;
};

// generate_identity_key_pair / generate_signed_prekey / generate_one_time_prekey create key
// material for publishing a bundle. The signed prekey is signed with XEdDSA over its serialized
// public key (X3DH §3.2). Fail only with key_source_exhausted.
[[nodiscard]] Result<IdentityKeyPair> generate_identity_key_pair(KeySource& key_source);
[[nodiscard]] Result<SignedPreKeyRecord> generate_signed_prekey(const IdentityKeyPair& identity,
                                                                std::uint32_t id,
                                                                KeySource& key_source);
[[nodiscard]] Result<OneTimePreKeyRecord> generate_one_time_prekey(std::uint32_t id,
                                                                   KeySource& key_source);
// generate_kyber_prekey creates a Kyber-1024 prekey from 64 bytes of the key source
// (RandomPurpose::kyber_key_pair) and signs 0x08 || public key with the identity key (XEdDSA,
// PQXDH §3.2). Fails only with key_source_exhausted.
[[nodiscard]] Result<KyberPreKeyRecord> generate_kyber_prekey(const IdentityKeyPair& identity,
                                                              std::uint32_t id, bool last_resort,
                                                              KeySource& key_source);

// make_prekey_bundle returns the bundle a responder publishes for its own records (X3DH §3.2,
// PQXDH §3.2): the public halves of `identity`, `signed_prekey` (with its id and signature), unless
// `one_time_prekey` is nullptr of the one-time prekey with its id, and unless `kyber_prekey` is
// nullptr of the Kyber prekey with its id and signature. Only public values are
// copied; the records are borrowed for the call. Cannot fail; the bundle is not checked (a
// caller that wants a wrong bundle may change its fields afterwards).
PreKeyBundle make_prekey_bundle(std::uint32_t registration_id, std::uint32_t device_id,
                                const IdentityPublicKey& identity,
                                const SignedPreKeyRecord& signed_prekey,
                                const OneTimePreKeyRecord* one_time_prekey = nullptr,
                                const KyberPreKeyRecord* kyber_prekey = nullptr);

}  // namespace ratchetcheck
