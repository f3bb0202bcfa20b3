// Transcripts in the `ratchet-transcript/1` format (../shared/vectors/SCHEMA.md): loading them
// and replaying them against the implementation. Profile `signal-v3` as SCHEMA.md defines it, and
// `signal-v4-pqxdh` with the few fields docs/v4-transcripts.md adds (Bob's Kyber prekey, Alice's
// Kyber encapsulation randomness, events recorded from another implementation).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ratchetcheck/keys.hpp"
#include "ratchetcheck/party.hpp"

namespace ratchetcheck::harness {

// TranscriptKey is one injected key pair of an event's fresh_keys.
struct TranscriptKey {
    KeyRole role = KeyRole::ratchet;
    Bytes private_key;  // 32 bytes
    Bytes public_key;   // 33 bytes, 0x05 || u
};

// TranscriptRandom is one injected string of secret random bytes of an event's fresh_randomness
// (signal-v4-pqxdh: the Kyber encapsulation randomness of Alice's init_session).
struct TranscriptRandom {
    RandomPurpose purpose = RandomPurpose::kyber_encapsulation;
    Bytes bytes;
};

enum class TranscriptOp { init_session, encrypt, decrypt };

// TranscriptEvent is one event (SCHEMA.md §3).
struct TranscriptEvent {
    std::uint64_t seq = 0;
    TranscriptOp op = TranscriptOp::encrypt;
    std::string party;  // "alice" or "bob"
    std::vector<TranscriptKey> fresh_keys;
    std::vector<TranscriptRandom> fresh_randomness;
    // recorded_from names the implementation that performed this event when it was recorded
    // (e.g. "libsignal-client 0.79.0"), when that is not the implementation under test: its keys
    // are its own and unknown, so a replay does not perform the event; its ciphertexts are inputs
    // to the other party's events. Empty: a replay performs it.
    std::string recorded_from;
    std::optional<std::uint64_t> source_seq;  // the encrypt event a decrypt delivers
    std::optional<MessageType> type;
    Bytes plaintext;
    Bytes ciphertext;
    bool expect_ok = true;
    std::string reason;  // advisory rejection reason, when expect_ok is false
};

// TranscriptParty is a party's long-term material (SCHEMA.md §2).
struct TranscriptParty {
    Bytes identity_private;
    Bytes identity_public;
    std::uint32_t registration_id = 0;
    std::uint32_t device_id = 0;
    struct PreKey {
        std::uint32_t id = 0;
        Bytes private_key;
        Bytes public_key;
        Bytes signature;  // signed prekey only
    };
    std::optional<PreKey> signed_prekey;
    std::optional<PreKey> one_time_prekey;
    // The Kyber prekey of Bob's bundle (signal-v4-pqxdh, PQXDH §3.2): libsignal's serialized
    // forms, 0x08 || key (1569 bytes public, 3169 secret), and the identity key's signature over
    // the public one.
    struct KyberPreKey {
        std::uint32_t id = 0;
        Bytes public_key;
        Bytes secret_key;
        Bytes signature;
        bool last_resort = false;
    };
    std::optional<KyberPreKey> kyber_prekey;
};

struct Transcript {
    std::string profile = "signal-v3";  // "signal-v3" or "signal-v4-pqxdh"
    std::string producer;
    std::string name;
    std::string description;
    TranscriptParty alice;
    TranscriptParty bob;
    std::vector<TranscriptEvent> events;
};

// TranscriptError is a malformed transcript: which file and which field.
struct TranscriptError {
    std::string file;
    std::string field;
    std::string problem;
    std::string message() const;
};

// transcript_files lists the `.json` files directly in `directory`, sorted by path: the
// transcripts a test suite or a replay runs, in a stable order. Throws std::filesystem's error when
// the directory cannot be read (a missing shared directory is a configuration error, never an empty
// suite).
std::vector<std::filesystem::path> transcript_files(const std::filesystem::path& directory);

// load_transcript reads and validates a transcript file. Every missing or ill-typed field is a
// TranscriptError naming the field (e.g. "events[3].ciphertext"); nothing throws.
std::variant<Transcript, TranscriptError> load_transcript(const std::filesystem::path& file);

// parse_transcript validates a transcript already read into memory (load_transcript's reader,
// also the transcript_json fuzz target's); `file` only names it in errors. Nothing throws.
std::variant<Transcript, TranscriptError> parse_transcript(std::string_view text,
                                                           const std::string& file);

// ReplayResult is the outcome of replaying one transcript.
struct ReplayResult {
    bool passed = false;
    std::optional<std::uint64_t> failing_seq;  // first failing event
    std::string failure;                       // what differed
    std::vector<std::string> notes;            // advisory differences (rejection reasons, ...)
    std::size_t events = 0;
    std::size_t decrypt_ok = 0;
    std::size_t decrypt_rejected = 0;
    std::size_t encrypt_matched = 0;  // encrypts reproduced byte for byte
    std::size_t not_replayed = 0;     // events recorded from another implementation
};

// replay_transcript runs `transcript` against the implementation with its keys injected
// (SCHEMA.md §7): encrypts must match byte for byte, accepted decrypts must give the recorded
// plaintext, rejected decrypts must fail with the serialized state unchanged. Events with
// `recorded_from` are counted, not performed (docs/v4-transcripts.md).
ReplayResult replay_transcript(const Transcript& transcript);

// map_reason maps a transcript's normalised rejection reason to the Error it corresponds to.
std::optional<Error> map_reason(std::string_view reason);
// reason_of is the inverse: the normalised reason of `error`, or its error_name where SCHEMA.md
// has none.
std::string_view reason_of(Error error);

}  // namespace ratchetcheck::harness
