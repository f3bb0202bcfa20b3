// What the v4 transcript recorder (record_v4_transcripts.cpp) and the live re-check
// (v4_transcripts_live_test.cpp) share: where to flip bits in a message, how a transcript's Bob
// becomes a libsignal-client seat, and the transcript's names for things (docs/v4-transcripts.md).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ratchetcheck/party.hpp"

namespace ratchetcheck::v4 {

// libsignal_client names the recording peer in `producer`, `recorded_from`, `rejected_by`.
inline constexpr const char* libsignal_client = "libsignal-client 0.79.0";

// alice_address is the seat's address of Alice (libsignal's ProtocolAddress).
nlohmann::json alice_address();

// type_name is the transcript's name of a message type: "prekey" or "message".
std::string_view type_name(MessageType type);

// TamperSite is one bit to flip in a message: which part (`target`: "version", "base_key",
// "kyber_ciphertext", "body" for the (embedded) SignalMessage's AES ciphertext, "mac" for its MAC),
// the byte offset in the whole message and the bit (0 = least significant).
struct TamperSite {
    std::string target;
    std::size_t offset = 0;
    int bit = 0;
};

// tamper_sites lists the sites of `message` of `type`: version, base_key, kyber_ciphertext, body
// and mac for a PreKeySignalMessage; version, body and mac for a SignalMessage. A message whose
// protobuf cannot be walked gives only the sites found.
std::vector<TamperSite> tamper_sites(ByteView message, MessageType type);

// seat_create_request makes the seat's `create` request for a transcript's `parties.bob`.
nlohmann::json seat_create_request(const nlohmann::json& bob_party);

// reason_of_libsignal_client is the normalised rejection reason (SCHEMA.md §3.4) of a seat
// error name, or the name itself where the table has none (ours: harness::reason_of).
std::string reason_of_libsignal_client(std::string_view name);

// format_transcript writes a transcript with one event per line (diffs stay readable).
std::string format_transcript(const nlohmann::ordered_json& transcript);

}  // namespace ratchetcheck::v4
