#include "unit_fixture.hpp"

#include <algorithm>
#include <sstream>

#include "ratchetcheck/wire/signal_message.hpp"

namespace ratchetcheck::unit {
namespace {

KeySource& source_or_sodium(KeySource* source) {
    return source != nullptr ? *source : SodiumKeySource::instance();
}

std::array<std::uint8_t, 32> u_from_hex(std::string_view hex) {
    std::array<std::uint8_t, 32> u{};
    for (std::size_t index = 0; index < u.size(); ++index) {
        u[index] = static_cast<std::uint8_t>(
            std::stoul(std::string(hex.substr(2 * index, 2)), nullptr, 16));
    }
    return u;
}

}  // namespace

Bytes text_bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

std::string as_text(ByteView bytes) {
    return std::string(bytes.begin(), bytes.end());
}

Bytes djb_key(ByteView u) {
    // Reserved up front: GCC 12 misreads the insert into a one-byte vector as out of bounds.
    Bytes key;
    key.reserve(1 + u.size());
    key.push_back(djb_key_type);
    key.insert(key.end(), u.begin(), u.end());
    return key;
}

Bytes filled_djb_key(std::uint8_t fill) {
    const Bytes u(32, fill);
    return djb_key(u);
}

crypto::X25519Private test_private_key(std::uint8_t seed) {
    crypto::X25519Private key;
    for (std::size_t index = 0; index < key.size(); ++index) {
        key.mutable_view()[index] = static_cast<std::uint8_t>(seed * 37 + index * 11 + 1);
    }
    return key;
}

const std::vector<LowOrderPoint>& low_order_points() {
    // Wycheproof x25519_test.json, test cases 32, 33, 63, 64, 65, 74, 75 (public values).
    static const std::vector<LowOrderPoint> points = {
        {"zero (tc 32)",
         u_from_hex("0000000000000000000000000000000000000000000000000000000000000000")},
        {"one (tc 33)",
         u_from_hex("0100000000000000000000000000000000000000000000000000000000000000")},
        {"order 8 (tc 63)",
         u_from_hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")},
        {"order 8 (tc 64)",
         u_from_hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157")},
        {"p - 1 (tc 65)",
         u_from_hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")},
        {"p, non-canonical zero (tc 74)",
         u_from_hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")},
        {"p + 1, non-canonical one (tc 75)",
         u_from_hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")},
    };
    return points;
}

Bytes encode_signal_message(const SignalMessageParts& parts) {
    Bytes bytes = wire::encode_signal_message_fields(parts);
    bytes.insert(bytes.end(), parts.extra_protobuf.begin(), parts.extra_protobuf.end());
    bytes.insert(bytes.end(), parts.mac.begin(), parts.mac.end());
    return bytes;
}

Bytes encode_prekey_message(const PreKeyMessageParts& parts) {
    Bytes bytes = wire::encode_prekey_signal_message_fields(parts);
    bytes.insert(bytes.end(), parts.extra_protobuf.begin(), parts.extra_protobuf.end());
    return bytes;
}

SignalMessageParts well_formed_signal_fields() {
    SignalMessageParts fields;
    fields.version_byte = wire::version_byte(Profile::signal_v3());
    fields.ratchet_key = filled_djb_key(0x11);
    fields.counter = 5;
    fields.previous_counter = 3;
    fields.ciphertext = Bytes(16, 0xaa);
    fields.mac = Bytes(8, 0xee);
    return fields;
}

PreKeyMessageParts well_formed_prekey_fields() {
    PreKeyMessageParts fields;
    fields.version_byte = wire::version_byte(Profile::signal_v3());
    fields.one_time_prekey_id = 11;
    fields.base_key = filled_djb_key(0x22);
    fields.identity_key = filled_djb_key(0x55);
    fields.message = encode_signal_message(well_formed_signal_fields());
    fields.registration_id = 1234;
    fields.signed_prekey_id = 7;
    return fields;
}

SignalMessageParts signal_fields_of(ByteView genuine_signal_message) {
    auto parsed = wire::parse_signal_message(
        genuine_signal_message,
        // the version the message says: 3, or 4 under PQXDH
        genuine_signal_message.empty() ? std::uint8_t{3}
                                       : static_cast<std::uint8_t>(genuine_signal_message[0] >> 4));
    if (!parsed.ok()) {
        // Well-formed stand-in fields keep the calling test from dereferencing absent ones.
        ADD_FAILURE() << "genuine SignalMessage does not parse: " << error_name(parsed.error());
        return well_formed_signal_fields();
    }
    const wire::SignalMessage& message = parsed.value();
    SignalMessageParts fields;
    fields.version_byte = message.version_byte;
    fields.ratchet_key = serialized(message.ratchet_key);
    fields.counter = message.counter;
    fields.previous_counter = message.previous_counter;
    fields.ciphertext = Bytes(message.ciphertext.begin(), message.ciphertext.end());
    fields.mac = Bytes(message.mac.begin(), message.mac.end());
    return fields;
}

PreKeyMessageParts prekey_fields_of(ByteView genuine_prekey_message) {
    // A version-4 message is PQXDH's (Profile::signal_v4_pqxdh), any other signal-v3's.
    const bool pqxdh = !genuine_prekey_message.empty() && (genuine_prekey_message[0] >> 4) == 4;
    const Profile profile = pqxdh ? Profile::signal_v4_pqxdh() : Profile::signal_v3();
    auto parsed = wire::parse_prekey_signal_message(genuine_prekey_message, profile.message_version,
                                                    profile.mac_bytes, profile.key_agreement);
    if (!parsed.ok()) {
        ADD_FAILURE() << "genuine PreKeySignalMessage does not parse: "
                      << error_name(parsed.error());
        return well_formed_prekey_fields();
    }
    const wire::PreKeySignalMessage& message = parsed.value();
    PreKeyMessageParts fields;
    fields.version_byte = message.version_byte;
    fields.one_time_prekey_id = message.one_time_prekey_id;
    fields.base_key = serialized(message.base_key);
    fields.identity_key = serialized(message.identity_key);
    fields.message = Bytes(message.message_bytes.begin(), message.message_bytes.end());
    fields.registration_id = message.registration_id;
    fields.signed_prekey_id = message.signed_prekey_id;
    fields.kyber_prekey_id = message.kyber_prekey_id;
    if (message.kyber_ciphertext) {
        Bytes ciphertext{kyber1024_key_type};
        const auto bytes = message.kyber_ciphertext->view();
        ciphertext.insert(ciphertext.end(), bytes.begin(), bytes.end());
        fields.kyber_ciphertext = std::move(ciphertext);
    }
    return fields;
}

Conversation make_conversation(const ConversationOptions& options) {
    KeySource& generator = SodiumKeySource::instance();
    auto alice_identity = generate_identity_key_pair(generator);
    auto bob_identity = generate_identity_key_pair(generator);
    EXPECT_TRUE(alice_identity.ok() && bob_identity.ok());
    auto signed_prekey =
        generate_signed_prekey(bob_identity.value(), bob_signed_prekey_id, generator);
    auto one_time_prekey = generate_one_time_prekey(bob_one_time_prekey_id, generator);
    EXPECT_TRUE(signed_prekey.ok() && one_time_prekey.ok());

    const IdentityPublicKey alice_public = alice_identity.value().public_key;
    const IdentityPublicKey bob_public = bob_identity.value().public_key;

    // PQXDH §2.5: Bob publishes a one-time and a last-resort Kyber prekey.
    std::optional<KyberPreKeyRecord> one_time_kyber;
    std::optional<KyberPreKeyRecord> last_resort_kyber;
    const KyberPreKeyRecord* bundled_kyber = nullptr;
    if (options.profile.key_agreement == KeyAgreement::pqxdh) {
        auto one_time = generate_kyber_prekey(bob_identity.value(), bob_one_time_kyber_prekey_id,
                                              false, generator);
        auto last_resort = generate_kyber_prekey(bob_identity.value(),
                                                 bob_last_resort_kyber_prekey_id, true, generator);
        EXPECT_TRUE(one_time.ok() && last_resort.ok());
        one_time_kyber.emplace(std::move(one_time).value());
        last_resort_kyber.emplace(std::move(last_resort).value());
        bundled_kyber = options.with_one_time_kyber_prekey ? &*one_time_kyber : &*last_resort_kyber;
    }
    const PreKeyBundle bundle = make_prekey_bundle(
        bob_registration_id, bob_device_id, bob_public, signed_prekey.value(),
        options.with_one_time_prekey ? &one_time_prekey.value() : nullptr, bundled_kyber);

    Conversation conversation{
        Party(std::move(alice_identity).value(), alice_registration_id,
              options.pin_trust ? std::optional(bob_public) : std::nullopt,
              source_or_sodium(options.alice_key_source), options.profile),
        Party(bob_identity.value().clone(), bob_registration_id,
              options.pin_trust ? std::optional(alice_public) : std::nullopt,
              source_or_sodium(options.bob_key_source), options.profile),
        std::move(bob_identity).value(),
        signed_prekey.value().clone(),
        bundle,
        std::nullopt,
        std::nullopt,
    };
    if (one_time_kyber) {
        conversation.bob.add_kyber_prekey(one_time_kyber->clone());
        conversation.bob.add_kyber_prekey(last_resort_kyber->clone());
        conversation.bob_one_time_kyber_prekey = std::move(one_time_kyber);
        conversation.bob_last_resort_kyber_prekey = std::move(last_resort_kyber);
    }
    conversation.bob.add_signed_prekey(std::move(signed_prekey).value());
    if (options.with_one_time_prekey)
        conversation.bob.add_one_time_prekey(std::move(one_time_prekey).value());
    if (options.initiate_session) {
        const Result<void> initiated = conversation.alice.initiate_session(bundle);
        EXPECT_TRUE(initiated.ok()) << error_name(initiated.error());
    }
    return conversation;
}

PreKeyBundle bob_bundle_with(const Conversation& conversation,
                             const OneTimePreKeyRecord* one_time_prekey) {
    return make_prekey_bundle(bob_registration_id, bob_device_id,
                              conversation.bob_identity.public_key, conversation.bob_signed_prekey,
                              one_time_prekey);
}

Party make_mallory(const PreKeyBundle& bob_bundle, const Profile& profile) {
    auto identity = generate_identity_key_pair(SodiumKeySource::instance());
    Party mallory(std::move(identity).value(), mallory_registration_id, bob_bundle.identity_key,
                  SodiumKeySource::instance(), profile);
    const Result<void> initiated = mallory.initiate_session(bob_bundle);
    EXPECT_TRUE(initiated.ok()) << error_name(initiated.error());
    return mallory;
}

OutgoingMessage encrypt_text(Party& sender, std::string_view text) {
    auto encrypted = sender.encrypt(text_bytes(text));
    if (!encrypted.ok()) {
        ADD_FAILURE() << "encrypt failed: " << error_name(encrypted.error());
        return {};
    }
    return std::move(encrypted).value();
}

std::string rejected_text(Error error) {
    return "<rejected: " + std::string(error_name(error)) + ">";
}

std::string decrypt_text(Party& receiver, MessageType type, ByteView bytes) {
    auto decrypted = receiver.decrypt(type, bytes);
    if (!decrypted.ok())
        return rejected_text(decrypted.error());
    return as_text(decrypted.value());
}

std::string decrypt_text(Party& receiver, const OutgoingMessage& message) {
    return decrypt_text(receiver, message.type, message.bytes);
}

void establish(Conversation& conversation) {
    const OutgoingMessage first = encrypt_text(conversation.alice, "hello bob");
    EXPECT_EQ(first.type, MessageType::prekey_message);
    EXPECT_EQ(decrypt_text(conversation.bob, first), "hello bob");
    const OutgoingMessage reply = encrypt_text(conversation.bob, "hello alice");
    EXPECT_EQ(reply.type, MessageType::signal_message);
    EXPECT_EQ(decrypt_text(conversation.alice, reply), "hello alice");
}

::testing::AssertionResult same_state(ByteView before, ByteView after) {
    if (before.size() == after.size() && std::equal(before.begin(), before.end(), after.begin())) {
        return ::testing::AssertionSuccess();
    }
    const auto mismatch = std::mismatch(before.begin(), before.end(), after.begin(), after.end());
    return ::testing::AssertionFailure()
           << "state changed: " << before.size() << " bytes before, " << after.size()
           << " after, first difference at offset " << (mismatch.first - before.begin());
}

::testing::AssertionResult rejects_unchanged(Party& receiver, MessageType type, ByteView bytes,
                                             Error expected) {
    const SecureBytes state_before = receiver.serialize();
    const StateView view_before = receiver.view();
    auto decrypted = receiver.decrypt(type, bytes);
    if (decrypted.ok()) {
        return ::testing::AssertionFailure()
               << "accepted (plaintext \"" << as_text(decrypted.value()) << "\"), expected "
               << error_name(expected);
    }
    if (decrypted.error() != expected) {
        return ::testing::AssertionFailure() << "rejected with " << error_name(decrypted.error())
                                             << ", expected " << error_name(expected);
    }
    const SecureBytes state_after = receiver.serialize();
    if (auto same = same_state(state_before, state_after); !same)
        return same;
    if (!(receiver.view() == view_before)) {
        return ::testing::AssertionFailure() << "view changed although serialize() did not";
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult rejects_unchanged(Party& receiver, const OutgoingMessage& message,
                                             Error expected) {
    return rejects_unchanged(receiver, message.type, message.bytes, expected);
}

std::optional<std::vector<std::uint32_t>> skipped_counters(const Party& party,
                                                           const RatchetPublicKey& sender_key) {
    const StateView view = party.view();
    if (!view.current)
        return std::nullopt;
    for (const ReceivingChainView& chain : view.current->receiving_chains) {
        if (chain.sender_ratchet_key == sender_key)
            return chain.skipped;
    }
    return std::nullopt;
}

RatchetPublicKey sending_ratchet_key(const Party& party) {
    const StateView view = party.view();
    if (!view.current) {
        ADD_FAILURE() << "party has no current session";
        return {};
    }
    return view.current->sending_ratchet_key;
}

std::size_t total_skipped(const SessionView& session) {
    std::size_t total = 0;
    for (const ReceivingChainView& chain : session.receiving_chains)
        total += chain.skipped.size();
    return total;
}

}  // namespace ratchetcheck::unit
