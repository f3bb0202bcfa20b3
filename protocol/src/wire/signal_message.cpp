// SignalMessage and PreKeySignalMessage codecs (SCHEMA.md §6.4, §6.5). Checks run in
// libsignal-protocol-c's order (signal_message_deserialize, pre_key_signal_message_deserialize)
// so that the first error reported matches its reason where the transcripts record one.
#include "ratchetcheck/wire/signal_message.hpp"

#include "ratchetcheck/wire/protobuf.hpp"

namespace ratchetcheck::wire {
namespace {

// Field numbers of libsignal's WhisperTextProtocol.proto.
enum SignalField : std::uint32_t {
    ratchet_key = 1,
    counter = 2,
    previous_counter = 3,
    ciphertext = 4
};
enum PreKeyField : std::uint32_t {
    prekey_id = 1,
    base_key = 2,
    identity_key = 3,
    embedded_message = 4,
    registration_id = 5,
    signed_prekey_id = 6,
};

// Checks the version nibble as libsignal does: below 3 is a legacy message, above is unknown.
Result<void> check_version(std::uint8_t version_byte, std::uint8_t expected_version) {
    if ((version_byte >> 4) != expected_version)
        return Error::bad_version;
    return {};
}

// A known field with the wrong wire type fails the whole parse, as in protobuf-c.
bool has_type(const ProtobufField& field, WireType type) {
    return field.type == type;
}

}  // namespace

Result<SignalMessage> parse_signal_message(ByteView serialized, std::uint8_t expected_version,
                                           std::size_t mac_bytes) {
    if (serialized.size() <= 1 + mac_bytes)
        return Error::malformed;
    SignalMessage message;
    message.version_byte = serialized[0];
    RATCHETCHECK_TRY(check_version(message.version_byte, expected_version));

    const std::size_t body_end = serialized.size() - mac_bytes;
    message.authenticated_bytes = serialized.first(body_end);
    message.mac = serialized.subspan(body_end);

    ByteReader reader(serialized.subspan(1, body_end - 1));
    std::optional<ByteView> ratchet_key_bytes;
    std::optional<std::uint32_t> counter_value;
    std::optional<ByteView> ciphertext_bytes;
    for (;;) {
        auto field = next_protobuf_field(reader);
        if (!field.ok())
            return field.error();
        if (!field.value())
            break;
        const ProtobufField& current = *field.value();
        switch (current.number) {
            case SignalField::ratchet_key:
                if (!has_type(current, WireType::length_delimited))
                    return Error::malformed;
                ratchet_key_bytes = current.bytes;
                break;
            case SignalField::counter:
                if (!has_type(current, WireType::varint))
                    return Error::malformed;
                counter_value = static_cast<std::uint32_t>(current.varint);  // protobuf-c truncates
                break;
            case SignalField::previous_counter:
                if (!has_type(current, WireType::varint))
                    return Error::malformed;
                message.previous_counter = static_cast<std::uint32_t>(current.varint);
                break;
            case SignalField::ciphertext:
                if (!has_type(current, WireType::length_delimited))
                    return Error::malformed;
                ciphertext_bytes = current.bytes;
                break;
            default:
                break;  // unknown fields are skipped
        }
    }
    if (!ratchet_key_bytes || !counter_value || !ciphertext_bytes)
        return Error::malformed;
    auto key = RatchetPublicKey::decode(*ratchet_key_bytes);
    if (!key.ok())
        return key.error();
    message.ratchet_key = key.value();
    message.counter = *counter_value;
    message.ciphertext = *ciphertext_bytes;
    return message;
}

Bytes serialize_signal_message_body(std::uint8_t version_byte, const RatchetPublicKey& ratchet_key,
                                    std::uint32_t counter, std::uint32_t previous_counter,
                                    ByteView ciphertext) {
    ByteWriter writer;
    writer.reserve(1 + 2 + serialized_public_key_bytes + 12 + 4 + ciphertext.size() +
                   signal_mac_bytes);
    writer.write_byte(version_byte);
    write_bytes_field(writer, SignalField::ratchet_key, ratchet_key.serialize());
    write_varint_field(writer, SignalField::counter, counter);
    write_varint_field(writer, SignalField::previous_counter, previous_counter);
    write_bytes_field(writer, SignalField::ciphertext, ciphertext);
    return writer.take();
}

Result<PreKeySignalMessage> parse_prekey_signal_message(ByteView serialized,
                                                        std::uint8_t expected_version,
                                                        std::size_t mac_bytes) {
    if (serialized.size() <= 1)
        return Error::malformed;
    PreKeySignalMessage message;
    message.version_byte = serialized[0];
    RATCHETCHECK_TRY(check_version(message.version_byte, expected_version));

    ByteReader reader(serialized.subspan(1));
    std::optional<std::uint32_t> signed_prekey;
    std::optional<ByteView> base_key_bytes;
    std::optional<ByteView> identity_key_bytes;
    std::optional<ByteView> message_bytes;
    for (;;) {
        auto field = next_protobuf_field(reader);
        if (!field.ok())
            return field.error();
        if (!field.value())
            break;
        const ProtobufField& current = *field.value();
        const bool is_varint = has_type(current, WireType::varint);
        const bool is_bytes = has_type(current, WireType::length_delimited);
        switch (current.number) {
            case PreKeyField::prekey_id:
                if (!is_varint)
                    return Error::malformed;
                message.one_time_prekey_id = static_cast<std::uint32_t>(current.varint);
                break;
            case PreKeyField::base_key:
                if (!is_bytes)
                    return Error::malformed;
                base_key_bytes = current.bytes;
                break;
            case PreKeyField::identity_key:
                if (!is_bytes)
                    return Error::malformed;
                identity_key_bytes = current.bytes;
                break;
            case PreKeyField::embedded_message:
                if (!is_bytes)
                    return Error::malformed;
                message_bytes = current.bytes;
                break;
            case PreKeyField::registration_id:
                if (!is_varint)
                    return Error::malformed;
                message.registration_id = static_cast<std::uint32_t>(current.varint);
                break;
            case PreKeyField::signed_prekey_id:
                if (!is_varint)
                    return Error::malformed;
                signed_prekey = static_cast<std::uint32_t>(current.varint);
                break;
            default:
                break;
        }
    }
    if (!signed_prekey || !base_key_bytes || !identity_key_bytes || !message_bytes) {
        return Error::malformed;
    }
    message.signed_prekey_id = *signed_prekey;
    auto base = BasePublicKey::decode(*base_key_bytes);
    if (!base.ok())
        return base.error();
    message.base_key = base.value();
    auto identity = IdentityPublicKey::decode(*identity_key_bytes);
    if (!identity.ok())
        return identity.error();
    message.identity_key = identity.value();
    message.message_bytes = *message_bytes;
    auto inner = parse_signal_message(*message_bytes, expected_version, mac_bytes);
    if (!inner.ok())
        return inner.error();
    message.message = inner.value();
    if (message.message.message_version() != (message.version_byte >> 4))
        return Error::bad_version;
    return message;
}

Bytes serialize_prekey_signal_message(std::uint8_t version_byte,
                                      std::optional<std::uint32_t> one_time_prekey_id,
                                      std::uint32_t signed_prekey_id, const BasePublicKey& base_key,
                                      const IdentityPublicKey& identity_key,
                                      std::uint32_t registration_id, ByteView signal_message) {
    ByteWriter writer;
    writer.reserve(1 + 6 + 2 * (2 + serialized_public_key_bytes) + 4 + signal_message.size() + 12);
    writer.write_byte(version_byte);
    if (one_time_prekey_id)
        write_varint_field(writer, PreKeyField::prekey_id, *one_time_prekey_id);
    write_bytes_field(writer, PreKeyField::base_key, base_key.serialize());
    write_bytes_field(writer, PreKeyField::identity_key, identity_key.serialize());
    write_bytes_field(writer, PreKeyField::embedded_message, signal_message);
    write_varint_field(writer, PreKeyField::registration_id, registration_id);
    write_varint_field(writer, PreKeyField::signed_prekey_id, signed_prekey_id);
    return writer.take();
}

}  // namespace ratchetcheck::wire
