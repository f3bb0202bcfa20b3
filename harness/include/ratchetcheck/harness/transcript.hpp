// Transcripts in the `ratchet-transcript/1` format (../shared/vectors/SCHEMA.md): loading them
// and replaying them against the implementation.
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

enum class TranscriptOp { init_session, encrypt, decrypt };

// TranscriptEvent is one event (SCHEMA.md §3).
struct TranscriptEvent {
    std::uint64_t seq = 0;
    TranscriptOp op = TranscriptOp::encrypt;
    std::string party;  // "alice" or "bob"
    std::vector<TranscriptKey> fresh_keys;
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
};

struct Transcript {
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
};

// replay_transcript runs `transcript` against the implementation with its keys injected
// (SCHEMA.md §7): encrypts must match byte for byte, accepted decrypts must give the recorded
// plaintext, rejected decrypts must fail with the serialized state unchanged.
ReplayResult replay_transcript(const Transcript& transcript);

// map_reason maps a transcript's normalised rejection reason to the Error it corresponds to.
std::optional<Error> map_reason(std::string_view reason);

}  // namespace ratchetcheck::harness
