// The v4 transcript recorder's and live re-check's shared pieces (v4_transcript_support.hpp).
#include "v4_transcript_support.hpp"

#include <cstdint>
#include <optional>

namespace ratchetcheck::v4 {
namespace {

// FieldLocation is where a length-delimited protobuf field's content lies in a message.
struct FieldLocation {
    std::size_t offset = 0;
    std::size_t length = 0;
};

std::optional<std::uint64_t> read_varint(ByteView message, std::size_t& position, std::size_t end) {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64 && position < end; shift += 7) {
        const std::uint8_t byte = message[position++];
        value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0)
            return value;
    }
    return std::nullopt;
}

// find_field walks the protobuf in message[start, end) for the first length-delimited field
// `number` (the messages here have only varint and length-delimited fields).
std::optional<FieldLocation> find_field(ByteView message, std::size_t start, std::size_t end,
                                        std::uint64_t number) {
    std::size_t position = start;
    while (position < end) {
        const auto key = read_varint(message, position, end);
        if (!key)
            return std::nullopt;
        const std::uint64_t wire_type = *key & 7;
        if (wire_type == 0) {
            if (!read_varint(message, position, end))
                return std::nullopt;
        } else if (wire_type == 2) {
            const auto length = read_varint(message, position, end);
            if (!length || *length > end - position)
                return std::nullopt;
            if ((*key >> 3) == number)
                return FieldLocation{position, static_cast<std::size_t>(*length)};
            position += static_cast<std::size_t>(*length);
        } else {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

constexpr std::size_t mac_bytes = 8;

// The sites of a SignalMessage occupying message[start, end): its ciphertext field and its MAC.
void signal_message_sites(ByteView message, std::size_t start, std::size_t end,
                          std::vector<TamperSite>& sites) {
    if (end < start + 1 + mac_bytes)
        return;
    if (const auto body = find_field(message, start + 1, end - mac_bytes, 4);
        body && body->length > 0)
        sites.push_back(TamperSite{"body", body->offset + body->length / 2, 0});
    sites.push_back(TamperSite{"mac", end - 1, 0});
}

}  // namespace

nlohmann::json alice_address() {
    return nlohmann::json{{"name", "alice"}, {"device_id", 1}};
}

std::string_view type_name(MessageType type) {
    return type == MessageType::prekey_message ? "prekey" : "message";
}

std::vector<TamperSite> tamper_sites(ByteView message, MessageType type) {
    std::vector<TamperSite> sites;
    if (message.empty())
        return sites;
    // Bit 4 turns version 4 into 5: a version neither implementation knows.
    sites.push_back(TamperSite{"version", 0, 4});
    if (type == MessageType::signal_message) {
        signal_message_sites(message, 0, message.size(), sites);
        return sites;
    }
    // Bit 0 of the middle byte of u: every bit of a base key's u counts but the top one, which
    // X25519 ignores.
    if (const auto base_key = find_field(message, 1, message.size(), 2);
        base_key && base_key->length == 33)
        sites.push_back(TamperSite{"base_key", base_key->offset + 16, 0});
    if (const auto kyber = find_field(message, 1, message.size(), 8); kyber && kyber->length > 1)
        sites.push_back(TamperSite{"kyber_ciphertext", kyber->offset + 1 + kyber->length / 2, 0});
    if (const auto embedded = find_field(message, 1, message.size(), 4); embedded) {
        signal_message_sites(message, embedded->offset, embedded->offset + embedded->length, sites);
    }
    return sites;
}

nlohmann::json seat_create_request(const nlohmann::json& bob) {
    nlohmann::json prekeys = nlohmann::json::array();
    if (bob.contains("one_time_prekey") && bob["one_time_prekey"].is_object())
        prekeys.push_back(bob["one_time_prekey"]);
    const nlohmann::json& kyber = bob["kyber_prekey"];
    return nlohmann::json{
        {"cmd", "create"},
        {"name", "bob"},
        {"device_id", bob["device_id"]},
        {"registration_id", bob["registration_id"]},
        {"identity", bob["identity_key"]},
        {"signed_prekey", bob["signed_prekey"]},
        {"prekeys", std::move(prekeys)},
        {"kyber_prekeys",
         nlohmann::json::array({nlohmann::json{{"id", kyber["id"]},
                                               {"public", kyber["public"]},
                                               {"secret", kyber["secret"]},
                                               {"signature", kyber["signature"]},
                                               {"last_resort", kyber["last_resort"]}}})}};
}

std::string reason_of_libsignal_client(std::string_view name) {
    if (name == "InvalidMessage")
        return "bad_mac";
    if (name == "UnrecognizedCiphertextVersion" || name == "LegacyCiphertextVersion")
        return "bad_version";
    if (name == "DuplicatedMessage")
        return "duplicate";
    if (name == "InvalidProtobufEncoding" || name == "CiphertextMessageTooShort")
        return "malformed";
    if (name == "InvalidPreKeyId" || name == "InvalidSignedPreKeyId" ||
        name == "InvalidKyberPreKeyId")
        return "invalid_key_id";
    if (name == "UntrustedIdentity")
        return "untrusted_identity";
    return std::string(name);
}

std::string format_transcript(const nlohmann::ordered_json& transcript) {
    std::string text = "{\n";
    bool first = true;
    for (const auto& [key, value] : transcript.items()) {
        if (!first)
            text += ",\n";
        first = false;
        text += "  " + nlohmann::json(key).dump() + ": ";
        if (key == "events") {
            text += "[\n";
            for (std::size_t index = 0; index < value.size(); ++index) {
                text += "    ";
                text += value[index].dump();
                text += index + 1 < value.size() ? ",\n" : "\n";
            }
            text += "  ]";
        } else {
            // Nested one level: every line of the value gets the key's indentation.
            for (const char character : value.dump(2)) {
                text += character;
                if (character == '\n')
                    text += "  ";
            }
        }
    }
    text += "\n}\n";
    return text;
}

}  // namespace ratchetcheck::v4
