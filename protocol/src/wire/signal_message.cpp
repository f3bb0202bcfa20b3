// SignalMessage and PreKeySignalMessage codecs (SCHEMA.md §6.4, §6.5). Checks run in
// libsignal-protocol-c's order (signal_message_deserialize, pre_key_signal_message_deserialize)
// so that the first error reported matches its reason where the transcripts record one.
#include "ratchetcheck/wire/signal_message.hpp"

#include "ratchetcheck/wire/protobuf.hpp"

namespace ratchetcheck::wire {
namespace {

// The encoders' one layout: the fields as views, so that the serializers of our own messages
// write straight from their inputs and the public field encoders from their owned bytes.
struct SignalFieldViews {
    std::uint8_t version_byte = 0;
    std::optional<ByteView> ratchet_key;
    std::optional<std::uint32_t> counter;
    std::optional<std::uint32_t> previous_counter;
    std::optional<ByteView> ciphertext;
};

struct PreKeyFieldViews {
    std::uint8_t version_byte = 0;
    std::optional<std::uint32_t> one_time_prekey_id;
    std::optional<ByteView> base_key;
    std::optional<ByteView> identity_key;
    std::optional<ByteView> message;
    std::optional<std::uint32_t> registration_id;
    std::optional<std::uint32_t> signed_prekey_id;
    std::optional<std::uint32_t> kyber_prekey_id;
    std::optional<ByteView> kyber_ciphertext;
};

// Upper bounds of one encoded field: tag (1 byte for these field numbers) and a varint of at most
// 10 bytes; only used to reserve the buffer once.
constexpr std::size_t max_varint_field_bytes = 1 + 10;
std::size_t max_bytes_field_bytes(const std::optional<ByteView>& value) {
    return value ? max_varint_field_bytes + value->size() : 0;
}

void write_optional_varint(ByteWriter& writer, std::uint32_t number,
                           const std::optional<std::uint32_t>& value) {
    if (value)
        write_varint_field(writer, number, *value);
}

void write_optional_bytes(ByteWriter& writer, std::uint32_t number,
                          const std::optional<ByteView>& value) {
    if (value)
        write_bytes_field(writer, number, *value);
}

Bytes encode_signal(const SignalFieldViews& fields) {
    ByteWriter writer;
    // Room for the MAC too: the sender appends it to this buffer (signal-v3 tag length).
    writer.reserve(1 + max_bytes_field_bytes(fields.ratchet_key) + 2 * max_varint_field_bytes +
                   max_bytes_field_bytes(fields.ciphertext) + signal_mac_bytes);
    writer.write_byte(fields.version_byte);
    write_optional_bytes(writer, signal_message_field::ratchet_key, fields.ratchet_key);
    write_optional_varint(writer, signal_message_field::counter, fields.counter);
    write_optional_varint(writer, signal_message_field::previous_counter, fields.previous_counter);
    write_optional_bytes(writer, signal_message_field::ciphertext, fields.ciphertext);
    return writer.take();
}

Bytes encode_prekey(const PreKeyFieldViews& fields) {
    ByteWriter writer;
    writer.reserve(1 + 4 * max_varint_field_bytes + max_bytes_field_bytes(fields.base_key) +
                   max_bytes_field_bytes(fields.identity_key) +
                   max_bytes_field_bytes(fields.message) +
                   max_bytes_field_bytes(fields.kyber_ciphertext));
    writer.write_byte(fields.version_byte);
    write_optional_varint(writer, prekey_message_field::one_time_prekey_id,
                          fields.one_time_prekey_id);
    write_optional_bytes(writer, prekey_message_field::base_key, fields.base_key);
    write_optional_bytes(writer, prekey_message_field::identity_key, fields.identity_key);
    write_optional_bytes(writer, prekey_message_field::message, fields.message);
    write_optional_varint(writer, prekey_message_field::registration_id, fields.registration_id);
    write_optional_varint(writer, prekey_message_field::signed_prekey_id, fields.signed_prekey_id);
    write_optional_varint(writer, prekey_message_field::kyber_prekey_id, fields.kyber_prekey_id);
    write_optional_bytes(writer, prekey_message_field::kyber_ciphertext, fields.kyber_ciphertext);
    return writer.take();
}

std::optional<ByteView> view_of(const std::optional<Bytes>& bytes) {
    if (!bytes)
        return std::nullopt;
    return ByteView(*bytes);
}

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
    // The length check above guarantees every read below: version || protobuf || MAC.
    SignalMessage message;
    ByteReader input(serialized);
    message.authenticated_bytes = *input.read_bytes(serialized.size() - mac_bytes);
    message.mac = *input.read_bytes(mac_bytes);
    ByteReader reader(message.authenticated_bytes);
    message.version_byte = *reader.read_byte();
    RATCHETCHECK_TRY(check_version(message.version_byte, expected_version));

    std::optional<ByteView> ratchet_key_bytes;
    std::optional<std::uint32_t> counter_value;
    std::optional<ByteView> ciphertext_bytes;
    for (;;) {
        auto field = next_protobuf_field(reader, dialect_of_version(expected_version));
        if (!field.ok())
            return field.error();
        if (!field.value())
            break;
        const ProtobufField& current = *field.value();
        switch (current.number) {
            case signal_message_field::ratchet_key:
                if (!has_type(current, WireType::length_delimited))
                    return Error::malformed;
                ratchet_key_bytes = current.bytes;
                break;
            case signal_message_field::counter:
                if (!has_type(current, WireType::varint))
                    return Error::malformed;
                counter_value = static_cast<std::uint32_t>(current.varint);  // protobuf-c truncates
                break;
            case signal_message_field::previous_counter:
                if (!has_type(current, WireType::varint))
                    return Error::malformed;
                message.previous_counter = static_cast<std::uint32_t>(current.varint);
                break;
            case signal_message_field::ciphertext:
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

std::uint8_t version_byte(const Profile& profile) {
    // High nibble: this message's version; low nibble: the highest version the sender supports.
    return static_cast<std::uint8_t>((profile.message_version << 4) | profile.message_version);
}

Bytes encode_signal_message_fields(const SignalMessageFields& fields) {
    return encode_signal({fields.version_byte, view_of(fields.ratchet_key), fields.counter,
                          fields.previous_counter, view_of(fields.ciphertext)});
}

Bytes encode_prekey_signal_message_fields(const PreKeySignalMessageFields& fields) {
    return encode_prekey({fields.version_byte, fields.one_time_prekey_id, view_of(fields.base_key),
                          view_of(fields.identity_key), view_of(fields.message),
                          fields.registration_id, fields.signed_prekey_id, fields.kyber_prekey_id,
                          view_of(fields.kyber_ciphertext)});
}

Bytes serialize_signal_message_body(std::uint8_t version_byte, const RatchetPublicKey& ratchet_key,
                                    std::uint32_t counter, std::uint32_t previous_counter,
                                    ByteView ciphertext) {
    const SerializedPublicKey key = ratchet_key.serialize();
    return encode_signal({version_byte, ByteView(key), counter, previous_counter, ciphertext});
}

Result<PreKeySignalMessage> parse_prekey_signal_message(ByteView serialized,
                                                        std::uint8_t expected_version,
                                                        std::size_t mac_bytes,
                                                        KeyAgreement key_agreement) {
    const bool pqxdh = key_agreement == KeyAgreement::pqxdh;
    if (serialized.size() <= 1)
        return Error::malformed;
    PreKeySignalMessage message;
    ByteReader reader(serialized);
    message.version_byte = *reader.read_byte();  // present: checked just above
    RATCHETCHECK_TRY(check_version(message.version_byte, expected_version));

    std::optional<std::uint32_t> signed_prekey;
    std::optional<ByteView> base_key_bytes;
    std::optional<ByteView> identity_key_bytes;
    std::optional<ByteView> message_bytes;
    std::optional<ByteView> kyber_ciphertext_bytes;
    for (;;) {
        auto field = next_protobuf_field(reader, dialect_of_version(expected_version));
        if (!field.ok())
            return field.error();
        if (!field.value())
            break;
        const ProtobufField& current = *field.value();
        const bool is_varint = has_type(current, WireType::varint);
        const bool is_bytes = has_type(current, WireType::length_delimited);
        switch (current.number) {
            case prekey_message_field::one_time_prekey_id:
                if (!is_varint)
                    return Error::malformed;
                message.one_time_prekey_id = static_cast<std::uint32_t>(current.varint);
                break;
            case prekey_message_field::base_key:
                if (!is_bytes)
                    return Error::malformed;
                base_key_bytes = current.bytes;
                break;
            case prekey_message_field::identity_key:
                if (!is_bytes)
                    return Error::malformed;
                identity_key_bytes = current.bytes;
                break;
            case prekey_message_field::message:
                if (!is_bytes)
                    return Error::malformed;
                message_bytes = current.bytes;
                break;
            case prekey_message_field::registration_id:
                if (!is_varint)
                    return Error::malformed;
                message.registration_id = static_cast<std::uint32_t>(current.varint);
                break;
            case prekey_message_field::signed_prekey_id:
                if (!is_varint)
                    return Error::malformed;
                signed_prekey = static_cast<std::uint32_t>(current.varint);
                break;
            case prekey_message_field::kyber_prekey_id:
                if (!pqxdh)
                    break;  // an unknown field to X3DH, skipped as libsignal-protocol-c does
                if (!is_varint)
                    return Error::malformed;
                message.kyber_prekey_id = static_cast<std::uint32_t>(current.varint);
                break;
            case prekey_message_field::kyber_ciphertext:
                if (!pqxdh)
                    break;
                // The size is checked here, before anything is copied: a ciphertext field is
                // exactly 0x08 || 1568 bytes, whatever the input claims.
                if (!is_bytes || current.bytes.size() != serialized_kyber_ciphertext_bytes)
                    return Error::malformed;
                kyber_ciphertext_bytes = current.bytes;
                break;
            default:
                break;
        }
    }
    if (!signed_prekey || !base_key_bytes || !identity_key_bytes || !message_bytes) {
        return Error::malformed;
    }
    // PQXDH §3.3: the initial message names the Kyber prekey and carries the ciphertext; libsignal
    // 0.75 and later refuse a PreKeySignalMessage without them.
    if (pqxdh && (!message.kyber_prekey_id || !kyber_ciphertext_bytes))
        return Error::malformed;
    message.signed_prekey_id = *signed_prekey;
    auto base = BasePublicKey::decode(*base_key_bytes);
    if (!base.ok())
        return base.error();
    message.base_key = base.value();
    auto identity = IdentityPublicKey::decode(*identity_key_bytes);
    if (!identity.ok())
        return identity.error();
    message.identity_key = identity.value();
    if (kyber_ciphertext_bytes) {
        if ((*kyber_ciphertext_bytes)[0] != kyber1024_key_type)
            return Error::invalid_key;
        message.kyber_ciphertext.emplace(
            kyber_ciphertext_bytes->subspan(1).first<crypto::kyber1024_ciphertext_bytes>());
    }
    message.message_bytes = *message_bytes;
    auto inner = parse_signal_message(*message_bytes, expected_version, mac_bytes);
    if (!inner.ok())
        return inner.error();
    // The embedded message's version was checked against `expected_version` like the outer one,
    // so the two agree (SCHEMA.md §6.5) without a comparison of their own.
    message.message = inner.value();
    return message;
}

Bytes serialize_prekey_signal_message(std::uint8_t version_byte,
                                      std::optional<std::uint32_t> one_time_prekey_id,
                                      std::uint32_t signed_prekey_id, const BasePublicKey& base_key,
                                      const IdentityPublicKey& identity_key,
                                      std::uint32_t registration_id, ByteView signal_message,
                                      std::optional<KyberPreKeyReference> kyber) {
    const SerializedPublicKey base = base_key.serialize();
    const SerializedPublicKey identity = identity_key.serialize();
    std::array<std::uint8_t, serialized_kyber_ciphertext_bytes> ciphertext{};
    std::optional<std::uint32_t> kyber_prekey_id;
    std::optional<ByteView> kyber_ciphertext;
    if (kyber) {
        ciphertext[0] = kyber1024_key_type;
        const auto bytes = kyber->ciphertext->view();
        std::copy(bytes.begin(), bytes.end(), ciphertext.begin() + 1);
        kyber_prekey_id = kyber->id;
        kyber_ciphertext = ByteView(ciphertext);
    }
    return encode_prekey({version_byte, one_time_prekey_id, ByteView(base), ByteView(identity),
                          signal_message, registration_id, signed_prekey_id, kyber_prekey_id,
                          kyber_ciphertext});
}

}  // namespace ratchetcheck::wire
