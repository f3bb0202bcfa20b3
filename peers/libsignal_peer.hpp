// LibsignalParty: one participant run by libsignal-protocol-c (Debian's 2.3.3), the independent
// implementation that the interop tests (tests/interop) and the benchmarks (bench/) put beside
// ours. It supplies what the C library leaves to its user: a crypto provider (libsodium for
// HMAC-SHA256, SHA-512 and randomness, OpenSSL for AES, as issue 3 prescribes) and in-memory
// session, prekey, signed-prekey and identity stores. Test and benchmark support only: it is not
// part of the ratchetcheck library and is never installed.
//
// The public types are ours (PreKeyBundle, OutgoingMessage, MessageType from party.hpp), so a
// bundle or a message passes between the two implementations without conversion code in the
// callers; libsignal's C headers stay inside libsignal_peer.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "ratchetcheck/keys.hpp"
#include "ratchetcheck/party.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::peers {

// RandomFill fills its argument with random bytes. libsignal draws every private key, XEdDSA
// nonce and registration id through it. An empty RandomFill means libsodium's CSPRNG.
using RandomFill = std::function<void(std::span<std::uint8_t>)>;

// SignalResult<T> is a libsignal status code (SG_SUCCESS = 0, negative SG_ERR_* on failure) with
// the value that goes with success. The code is kept, rather than mapped onto ratchetcheck::Error,
// so that a report shows exactly what libsignal said.
template <typename T>
struct SignalResult {
    int status = 0;
    T value{};
    bool ok() const { return status >= 0; }
};

// signal_status_name returns the SG_ERR_* name of a libsignal status ("SG_SUCCESS" for >= 0).
std::string_view signal_status_name(int status);

struct LibsignalState;  // the C objects and stores (defined in libsignal_peer.cpp)

// LibsignalParty holds one participant: its own signal_context (with the crypto provider), its
// stores, and a session_cipher for its one remote peer. Move-only; not thread-safe.
class LibsignalParty {
  public:
    // create makes a participant with a fresh identity key pair (drawn from `random`) and the
    // given registration id. Fails only if libsignal cannot allocate or generate keys.
    [[nodiscard]] static SignalResult<std::unique_ptr<LibsignalParty>> create(
        std::uint32_t registration_id, RandomFill random = {});
    ~LibsignalParty();
    LibsignalParty(const LibsignalParty&) = delete;
    LibsignalParty& operator=(const LibsignalParty&) = delete;

    // identity_public_key returns this party's identity key in our strong type.
    IdentityPublicKey identity_public_key() const;
    std::uint32_t registration_id() const;

    // publish_prekeys generates a signed prekey (XEdDSA-signed by libsignal) and, if
    // `one_time_prekey_id` is set, a one-time prekey; stores both and returns the bundle a server
    // would hand out.
    [[nodiscard]] SignalResult<PreKeyBundle> publish_prekeys(
        std::uint32_t signed_prekey_id, std::optional<std::uint32_t> one_time_prekey_id);

    // trust_peer pins the peer identity: the identity store's is_trusted_identity accepts this key
    // and no other, and libsignal's save_identity cannot replace it.
    void trust_peer(const IdentityPublicKey& peer);

    // initiate_session runs session_builder_process_pre_key_bundle on `bundle` (X3DH §3.3).
    [[nodiscard]] int initiate_session(const PreKeyBundle& bundle);

    // encrypt runs session_cipher_encrypt; the message type is 3 until the peer has answered.
    [[nodiscard]] SignalResult<OutgoingMessage> encrypt(ByteView plaintext);

    // decrypt parses `message` as a type-2 or type-3 message and runs the matching
    // session_cipher_decrypt_*; a parse failure is returned as its status like any other.
    [[nodiscard]] SignalResult<Bytes> decrypt(MessageType type, ByteView message);

    // stored_session_record returns the serialized session record for the peer (empty if none).
    ByteView stored_session_record() const;
    // round_trip_session_record deserializes the stored record and serializes it again (what a
    // client does to load and save a session); the bytes produced are returned.
    [[nodiscard]] SignalResult<Bytes> round_trip_session_record() const;

    // SessionPublicKeys are the public keys of the current session that the side-by-side runner
    // reads to number ratchet keys (the model's epochs) and to build forgeries.
    struct SessionPublicKeys {
        crypto::X25519Public sending_ratchet_key;  // DHs (libsignal: sender ratchet key)
        crypto::X25519Public alice_base_key;       // the initiator's X3DH base key
    };
    // current_session_keys reads them from the stored session record; nullopt when there is no
    // session with a sending chain (a responder before the first message, for example).
    std::optional<SessionPublicKeys> current_session_keys() const;

    // snapshot returns every byte of mutable state that a message can change: the session
    // record and the one-time prekey store. Two equal snapshots mean nothing observable changed.
    Bytes snapshot() const;

    // replace_session_record stores `record` as the peer's session record (what a client does
    // after loading a saved session). Fails if libsignal cannot parse it.
    [[nodiscard]] int replace_session_record(ByteView record);

    // forget_sessions deletes every session; republish_one_time_prekeys puts back every one-time
    // prekey this party published (libsignal removes one on use). Benchmarks use both to set up a
    // session again and again from the same published keys.
    void forget_sessions();
    void republish_one_time_prekeys();

  private:
    explicit LibsignalParty(std::unique_ptr<LibsignalState> state);
    std::unique_ptr<LibsignalState> state_;
};

}  // namespace ratchetcheck::peers
