// Profile: the named parameters of a protocol variant. Later variants (full-length tags,
// separate signing keys, header encryption) are values of this type, not forks of the code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ratchetcheck {

// KeyAgreement is the handshake that starts a session.
enum class KeyAgreement : std::uint8_t {
    // X3DH (revision 1) as libsignal-protocol-c runs it: message version 3, HKDF info
    // "WhisperText".
    x3dh,
    // PQXDH (revision 3) with Kyber-1024 as libsignal runs it since 0.75: message version 4, a
    // signed Kyber prekey in every bundle, field 7 (Kyber prekey id) and field 8 (KEM ciphertext)
    // in
    // every PreKeySignalMessage, HKDF info "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024". The
    // post-quantum part is required: a bundle without a Kyber prekey and a PreKeySignalMessage of
    // another version are refused (no downgrade to X3DH; docs/decisions.md E65).
    pqxdh,
};

// Profile collects every tunable of the ratchet. All bounds are enforced by Party and proved
// in proofs/; see docs/decisions.md for why each signal-v3 value is what it is.
struct Profile {
    // name identifies the profile in serialized state; a state saved under one profile does not
    // load under another. At most max_name_bytes long (Party aborts on a longer one, a
    // programming error: the state format stores the length in one byte).
    std::string_view name = "signal-v3";
    // message_version is the high nibble of the version byte (libsignal
    // CIPHERTEXT_CURRENT_VERSION).
    std::uint8_t message_version = 3;
    // mac_bytes is how many bytes of HMAC-SHA256 a SignalMessage carries, 1 to 32 (Party aborts
    // on a profile outside that range: it is a programming error, not input).
    std::size_t mac_bytes = 8;
    // max_forward_jump: a message whose counter exceeds its chain's next index by more than
    // this is rejected as too_far_ahead before any key is derived (DR §3.5 MAX_SKIP;
    // libsignal's limit of 2000).
    std::uint32_t max_forward_jump = 2000;
    // max_skipped_keys_per_chain: stored skipped message keys per receiving chain; the oldest
    // is dropped beyond it (libsignal MAX_MESSAGE_KEYS).
    std::size_t max_skipped_keys_per_chain = 2000;
    // max_skipped_keys_total: stored skipped message keys over all chains of a session; the
    // oldest (oldest chain first) is dropped beyond it. 10000 = 5 chains x 2000, so with the
    // signal-v3 values it never binds before the per-chain bound; variants may lower it.
    std::size_t max_skipped_keys_total = 10000;
    // max_receiving_chains: receiving chains kept per session, current included; the oldest is
    // dropped beyond it (libsignal keeps 5).
    std::size_t max_receiving_chains = 5;
    // max_archived_sessions: earlier sessions kept besides the current one, newest first
    // (libsignal ARCHIVED_STATES_MAX_LENGTH = 40).
    std::size_t max_archived_sessions = 40;
    // key_agreement is the handshake; it fixes what a bundle and a PreKeySignalMessage carry and
    // how the first root and chain keys are derived.
    KeyAgreement key_agreement = KeyAgreement::x3dh;
    // prekey_message_tries_every_session: when the session a PreKeySignalMessage starts or names
    // cannot decrypt its message, the other sessions are tried in turn (libsignal-protocol-c
    // session_cipher, signal-v3). When false the message is decrypted under that one session
    // only and is otherwise refused, as libsignal 0.75+ does ("A PreKey message creates a
    // session and then decrypts a Whisper message using that session"; docs/decisions.md E79).
    bool prekey_message_tries_every_session = true;

    // max_name_bytes is the longest name the state format can store (docs/state-format.md).
    static constexpr std::size_t max_name_bytes = 255;

    // signal_v3 is the libsignal v3 wire and behaviour profile the shared transcripts pin down.
    static constexpr Profile signal_v3() { return Profile{}; }

    // signal_v4_pqxdh is libsignal 0.75 to 0.79 without SPQR: PQXDH (required) and the same
    // Double Ratchet, message version 4 (version byte 0x44), the same 8-byte tags and limits; a
    // PreKeySignalMessage is decrypted only under the session it starts or names.
    static constexpr Profile signal_v4_pqxdh() {
        Profile profile;
        profile.name = "signal-v4-pqxdh";
        profile.message_version = 4;
        profile.key_agreement = KeyAgreement::pqxdh;
        profile.prekey_message_tries_every_session = false;
        return profile;
    }

    // by_name returns the built-in profile called `profile_name` ("signal-v3",
    // "signal-v4-pqxdh"), or nullptr for any other name.
    static const Profile* by_name(std::string_view profile_name);
};

}  // namespace ratchetcheck
