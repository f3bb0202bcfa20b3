// Loading and replaying ratchet-transcript/1 files (../shared/vectors/SCHEMA.md).
#include "ratchetcheck/harness/transcript.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "ratchetcheck/harness/hex.hpp"
#include "ratchetcheck/harness/queue_key_source.hpp"

namespace ratchetcheck::harness {

std::string TranscriptError::message() const {
    return field.empty() ? fmt::format("{}: {}", file, problem)
                         : fmt::format("{}: field '{}': {}", file, field, problem);
}

namespace {

using Json = nlohmann::json;

// FieldReader extracts typed fields from JSON, remembering the first error with its path.
class FieldReader {
  public:
    std::optional<TranscriptError> error;
    std::string file;

    void fail(const std::string& field, const std::string& problem) {
        if (!error)
            error = TranscriptError{file, field, problem};
    }
    const Json* member(const Json& object, const std::string& path, const char* key) {
        const std::string field = path.empty() ? key : path + "." + key;
        if (!object.is_object() || !object.contains(key)) {
            fail(field, "missing");
            return nullptr;
        }
        return &object.at(key);
    }
    std::string text(const Json& object, const std::string& path, const char* key) {
        const Json* value = member(object, path, key);
        if (value == nullptr)
            return {};
        if (!value->is_string()) {
            fail(join(path, key), "expected a string");
            return {};
        }
        return value->get<std::string>();
    }
    std::uint32_t u32(const Json& object, const std::string& path, const char* key) {
        const Json* value = member(object, path, key);
        if (value == nullptr)
            return 0;
        if (!value->is_number_unsigned() || value->get<std::uint64_t>() > UINT32_MAX) {
            fail(join(path, key), "expected an integer from 0 to 2^32-1");
            return 0;
        }
        return value->get<std::uint32_t>();
    }
    Bytes hex(const Json& object, const std::string& path, const char* key,
              std::optional<std::size_t> length = std::nullopt) {
        const std::string value = text(object, path, key);
        if (error)
            return {};
        auto bytes = from_hex(value);
        if (!bytes) {
            fail(join(path, key), "expected lowercase hex");
            return {};
        }
        if (length && bytes->size() != *length) {
            fail(join(path, key),
                 fmt::format("expected {} bytes, found {}", *length, bytes->size()));
            return {};
        }
        return *bytes;
    }
    static std::string join(const std::string& path, const char* key) {
        return path.empty() ? key : path + "." + key;
    }
};

TranscriptParty read_party(FieldReader& reader, const Json& parties, const char* name) {
    TranscriptParty party;
    const Json* object = reader.member(parties, "parties", name);
    if (object == nullptr)
        return party;
    const std::string path = std::string("parties.") + name;
    const Json* identity = reader.member(*object, path, "identity_key");
    if (identity != nullptr) {
        party.identity_private = reader.hex(*identity, path + ".identity_key", "private", 32);
        party.identity_public = reader.hex(*identity, path + ".identity_key", "public", 33);
    }
    party.registration_id = reader.u32(*object, path, "registration_id");
    if (std::string(name) == "bob") {
        party.device_id = reader.u32(*object, path, "device_id");
        const Json* signed_prekey = reader.member(*object, path, "signed_prekey");
        if (signed_prekey != nullptr) {
            const std::string key_path = path + ".signed_prekey";
            TranscriptParty::PreKey key;
            key.id = reader.u32(*signed_prekey, key_path, "id");
            key.private_key = reader.hex(*signed_prekey, key_path, "private", 32);
            key.public_key = reader.hex(*signed_prekey, key_path, "public", 33);
            key.signature = reader.hex(*signed_prekey, key_path, "signature", 64);
            party.signed_prekey = key;
        }
        const Json* one_time = reader.member(*object, path, "one_time_prekey");
        if (one_time != nullptr && !one_time->is_null()) {
            const std::string key_path = path + ".one_time_prekey";
            TranscriptParty::PreKey key;
            key.id = reader.u32(*one_time, key_path, "id");
            key.private_key = reader.hex(*one_time, key_path, "private", 32);
            key.public_key = reader.hex(*one_time, key_path, "public", 33);
            party.one_time_prekey = key;
        }
        // signal-v4-pqxdh only (the caller refuses a v4 transcript without it).
        const Json* kyber =
            object->contains("kyber_prekey") ? &object->at("kyber_prekey") : nullptr;
        if (kyber != nullptr && !kyber->is_null()) {
            const std::string key_path = path + ".kyber_prekey";
            TranscriptParty::KyberPreKey key;
            key.id = reader.u32(*kyber, key_path, "id");
            key.public_key =
                reader.hex(*kyber, key_path, "public", 1 + crypto::kyber1024_public_key_bytes);
            key.secret_key =
                reader.hex(*kyber, key_path, "secret", 1 + crypto::kyber1024_secret_key_bytes);
            key.signature = reader.hex(*kyber, key_path, "signature", 64);
            const Json* last_resort = reader.member(*kyber, key_path, "last_resort");
            if (last_resort != nullptr && !last_resort->is_boolean())
                reader.fail(key_path + ".last_resort", "expected true or false");
            else if (last_resort != nullptr)
                key.last_resort = last_resort->get<bool>();
            if (!reader.error && (key.public_key[0] != kyber1024_key_type ||
                                  key.secret_key[0] != kyber1024_key_type))
                reader.fail(key_path, "Kyber keys must start with the type byte 08");
            party.kyber_prekey = std::move(key);
        }
    }
    return party;
}

std::optional<MessageType> parse_type(FieldReader& reader, const Json& event,
                                      const std::string& path) {
    const std::string type = reader.text(event, path, "type");
    if (type == "prekey")
        return MessageType::prekey_message;
    if (type == "message")
        return MessageType::signal_message;
    reader.fail(path + ".type", "expected \"prekey\" or \"message\"");
    return std::nullopt;
}

TranscriptEvent read_event(FieldReader& reader, const Json& event, std::size_t index) {
    const std::string path = fmt::format("events[{}]", index);
    TranscriptEvent result;
    const Json* seq = reader.member(event, path, "seq");
    if (seq != nullptr) {
        if (!seq->is_number_unsigned())
            reader.fail(path + ".seq", "expected an integer");
        else
            result.seq = seq->get<std::uint64_t>();
        if (!reader.error && result.seq != index) {
            reader.fail(path + ".seq",
                        fmt::format("expected {} (events are numbered in order)", index));
        }
    }
    const std::string op = reader.text(event, path, "op");
    result.party = reader.text(event, path, "party");
    if (!reader.error && result.party != "alice" && result.party != "bob") {
        reader.fail(path + ".party", "expected \"alice\" or \"bob\"");
    }
    const Json* keys = reader.member(event, path, "fresh_keys");
    if (keys != nullptr) {
        if (!keys->is_array())
            reader.fail(path + ".fresh_keys", "expected an array");
        else {
            for (std::size_t key_index = 0; key_index < keys->size(); ++key_index) {
                const std::string key_path = fmt::format("{}.fresh_keys[{}]", path, key_index);
                const Json& key = keys->at(key_index);
                TranscriptKey fresh;
                const std::string role = reader.text(key, key_path, "role");
                if (role == "base")
                    fresh.role = KeyRole::base;
                else if (role == "ratchet")
                    fresh.role = KeyRole::ratchet;
                else if (!reader.error)
                    reader.fail(key_path + ".role", "expected \"base\" or \"ratchet\"");
                fresh.private_key = reader.hex(key, key_path, "private", 32);
                fresh.public_key = reader.hex(key, key_path, "public", 33);
                result.fresh_keys.push_back(std::move(fresh));
            }
        }
    }
    // fresh_randomness (signal-v4-pqxdh): optional, like every field a v3 transcript lacks.
    if (event.is_object() && event.contains("fresh_randomness")) {
        const Json& randomness = event.at("fresh_randomness");
        if (!randomness.is_array())
            reader.fail(path + ".fresh_randomness", "expected an array");
        for (std::size_t item = 0; randomness.is_array() && item < randomness.size(); ++item) {
            const std::string item_path = fmt::format("{}.fresh_randomness[{}]", path, item);
            TranscriptRandom fresh;
            const std::string purpose = reader.text(randomness.at(item), item_path, "purpose");
            if (purpose == "kyber_encapsulation")
                fresh.purpose = RandomPurpose::kyber_encapsulation;
            else if (purpose == "kyber_key_pair")
                fresh.purpose = RandomPurpose::kyber_key_pair;
            else if (!reader.error)
                reader.fail(item_path + ".purpose",
                            "expected \"kyber_encapsulation\" or \"kyber_key_pair\"");
            fresh.bytes = reader.hex(randomness.at(item), item_path, "bytes");
            result.fresh_randomness.push_back(std::move(fresh));
        }
    }
    if (event.is_object() && event.contains("recorded_from")) {
        result.recorded_from = reader.text(event, path, "recorded_from");
        if (!reader.error && result.recorded_from.empty())
            reader.fail(path + ".recorded_from", "expected the name of an implementation");
    }
    if (event.is_object() && event.contains("source_seq") &&
        event.at("source_seq").is_number_unsigned())
        result.source_seq = event.at("source_seq").get<std::uint64_t>();
    if (op == "init_session") {
        result.op = TranscriptOp::init_session;
    } else if (op == "encrypt") {
        result.op = TranscriptOp::encrypt;
        result.plaintext = reader.hex(event, path, "plaintext");
        result.type = parse_type(reader, event, path);
        result.ciphertext = reader.hex(event, path, "ciphertext");
    } else if (op == "decrypt") {
        result.op = TranscriptOp::decrypt;
        result.type = parse_type(reader, event, path);
        result.ciphertext = reader.hex(event, path, "ciphertext");
        const std::string expect = reader.text(event, path, "expect");
        if (expect == "ok") {
            result.expect_ok = true;
            result.plaintext = reader.hex(event, path, "plaintext");
        } else if (expect == "reject") {
            result.expect_ok = false;
            result.reason = reader.text(event, path, "reason");
        } else if (!reader.error) {
            reader.fail(path + ".expect", "expected \"ok\" or \"reject\"");
        }
    } else if (!reader.error) {
        reader.fail(path + ".op", "expected \"init_session\", \"encrypt\" or \"decrypt\"");
    }
    return result;
}

}  // namespace

std::vector<std::filesystem::path> transcript_files(const std::filesystem::path& directory) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (entry.path().extension() == ".json")
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::variant<Transcript, TranscriptError> load_transcript(const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    if (!stream)
        return TranscriptError{file.string(), "", "cannot be opened"};
    std::stringstream contents;
    contents << stream.rdbuf();
    return parse_transcript(contents.str(), file.string());
}

std::variant<Transcript, TranscriptError> parse_transcript(std::string_view text,
                                                           const std::string& file) {
    FieldReader reader;
    reader.file = file;
    const Json document = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded())
        return TranscriptError{reader.file, "", "is not valid JSON"};
    if (!document.is_object())
        return TranscriptError{reader.file, "", "is not a JSON object"};

    Transcript transcript;
    const std::string schema = reader.text(document, "", "schema");
    if (!reader.error && schema != "ratchet-transcript/1") {
        reader.fail("schema", "unsupported schema '" + schema + "'");
    }
    transcript.profile = reader.text(document, "", "profile");
    if (!reader.error && transcript.profile != "signal-v3" &&
        transcript.profile != "signal-v4-pqxdh")
        reader.fail("profile", "unsupported profile '" + transcript.profile + "'");
    if (document.contains("producer") && document["producer"].is_string())
        transcript.producer = document["producer"].get<std::string>();
    transcript.name = reader.text(document, "", "name");
    if (document.contains("description") && document["description"].is_string()) {
        transcript.description = document["description"].get<std::string>();
    }
    const Json* parties = reader.member(document, "", "parties");
    if (parties != nullptr) {
        transcript.alice = read_party(reader, *parties, "alice");
        transcript.bob = read_party(reader, *parties, "bob");
    }
    const Json* events = reader.member(document, "", "events");
    if (events != nullptr && !events->is_array())
        reader.fail("events", "expected an array");
    if (events != nullptr && events->is_array()) {
        for (std::size_t index = 0; index < events->size() && !reader.error; ++index) {
            transcript.events.push_back(read_event(reader, events->at(index), index));
        }
    }
    if (!reader.error && transcript.profile == "signal-v4-pqxdh" && !transcript.bob.kyber_prekey)
        reader.fail("parties.bob.kyber_prekey", "missing (every PQXDH bundle carries one)");
    if (reader.error)
        return *reader.error;
    return transcript;
}

namespace {

// The normalised rejection reasons of SCHEMA.md §3.4 and the Error each stands for: one table for
// both directions (map_reason, reason_of).
constexpr std::pair<std::string_view, Error> normalised_reasons[] = {
    {"bad_mac", Error::authentication_failed},
    {"duplicate", Error::duplicate},
    {"too_far", Error::too_far_ahead},
    {"malformed", Error::malformed},
    {"bad_version", Error::bad_version},
    {"invalid_key", Error::invalid_key},
    {"invalid_key_id", Error::unknown_prekey_id},
    {"untrusted_identity", Error::untrusted_identity},
    {"no_session", Error::no_session},
};

}  // namespace

std::optional<Error> map_reason(std::string_view reason) {
    for (const auto& [name, error] : normalised_reasons) {
        if (name == reason)
            return error;
    }
    return std::nullopt;
}

std::string_view reason_of(Error error) {
    for (const auto& [name, mapped] : normalised_reasons) {
        if (mapped == error)
            return name;
    }
    return error_name(error);
}

namespace {

template <std::size_t N>
SecretArray<N> secret_from(const Bytes& bytes) {
    return SecretArray<N>(std::span<const std::uint8_t, N>(bytes.data(), N));
}

// Builds a key pair from a transcript's private key, checking the recorded public key.
template <typename Role>
std::optional<KeyPair<Role>> key_pair_from(const Bytes& private_key, const Bytes& public_key,
                                           std::string& problem, const std::string& what) {
    auto pair = KeyPair<Role>::from_private(secret_from<32>(private_key));
    const SerializedPublicKey derived = pair.public_key.serialize();
    if (!std::equal(derived.begin(), derived.end(), public_key.begin(), public_key.end())) {
        problem = what + ": recorded public key does not match its private key";
        return std::nullopt;
    }
    return pair;
}

std::string first_difference(ByteView expected, ByteView actual) {
    const std::size_t common = std::min(expected.size(), actual.size());
    std::size_t index = 0;
    while (index < common && expected[index] == actual[index])
        ++index;
    if (index == common) {
        return fmt::format("length {} expected, {} produced", expected.size(), actual.size());
    }
    return fmt::format("first difference at byte {} of {} (expected {:02x}, produced {:02x})",
                       index, expected.size(), expected[index], actual[index]);
}

std::string_view type_name(MessageType type) {
    return type == MessageType::prekey_message ? "prekey" : "message";
}

// describe_session summarises the public state to locate a divergence.
std::string describe_session(const Party& party) {
    const StateView view = party.view();
    if (!view.current)
        return "no session";
    const SessionView& session = *view.current;
    std::string text =
        fmt::format("sending ratchet {} index {} previous_counter {}; receiving chains:",
                    to_hex(session.sending_ratchet_key.serialize()), session.sending_index,
                    session.previous_counter);
    for (const ReceivingChainView& chain : session.receiving_chains) {
        text +=
            fmt::format(" [{} index {} skipped {}]", to_hex(chain.sender_ratchet_key.serialize()),
                        chain.next_index, chain.skipped.size());
    }
    return text;
}

}  // namespace

ReplayResult replay_transcript(const Transcript& transcript) {
    ReplayResult result;
    result.events = transcript.events.size();
    auto fail = [&result](std::optional<std::uint64_t> seq, std::string message) {
        result.passed = false;
        result.failing_seq = seq;
        result.failure = std::move(message);
        return result;
    };

    std::string problem;
    auto alice_identity = key_pair_from<role::Identity>(transcript.alice.identity_private,
                                                        transcript.alice.identity_public, problem,
                                                        "parties.alice.identity_key");
    auto bob_identity = key_pair_from<role::Identity>(transcript.bob.identity_private,
                                                      transcript.bob.identity_public, problem,
                                                      "parties.bob.identity_key");
    if (!alice_identity || !bob_identity || !transcript.bob.signed_prekey) {
        return fail(std::nullopt, problem.empty() ? "bob has no signed prekey" : problem);
    }
    const IdentityPublicKey alice_public = alice_identity->public_key;
    const IdentityPublicKey bob_public = bob_identity->public_key;

    auto profile = Profile::by_name(transcript.profile);
    if (!profile)
        return fail(std::nullopt, "unknown profile " + transcript.profile);
    QueueKeySource alice_keys;
    QueueKeySource bob_keys;
    Party alice(std::move(*alice_identity), transcript.alice.registration_id, bob_public,
                alice_keys, *profile);
    Party bob(std::move(*bob_identity), transcript.bob.registration_id, alice_public, bob_keys,
              *profile);

    const TranscriptParty::PreKey& signed_prekey = *transcript.bob.signed_prekey;
    auto signed_pair = key_pair_from<role::SignedPreKey>(
        signed_prekey.private_key, signed_prekey.public_key, problem, "parties.bob.signed_prekey");
    if (!signed_pair)
        return fail(std::nullopt, problem);
    SignedPreKeyRecord signed_record{signed_prekey.id, std::move(*signed_pair), {}};
    std::copy(signed_prekey.signature.begin(), signed_prekey.signature.end(),
              signed_record.signature.begin());  // 64 bytes: checked when the file was read
    std::optional<OneTimePreKeyRecord> one_time_record;
    if (transcript.bob.one_time_prekey) {
        const TranscriptParty::PreKey& one_time = *transcript.bob.one_time_prekey;
        auto one_time_pair = key_pair_from<role::OneTimePreKey>(
            one_time.private_key, one_time.public_key, problem, "parties.bob.one_time_prekey");
        if (!one_time_pair)
            return fail(std::nullopt, problem);
        one_time_record = OneTimePreKeyRecord{one_time.id, std::move(*one_time_pair)};
    }
    std::optional<KyberPreKeyRecord> kyber_record;
    if (transcript.bob.kyber_prekey) {
        const TranscriptParty::KyberPreKey& kyber = *transcript.bob.kyber_prekey;
        // Lengths and the type byte were checked when the file was read.
        auto public_key = crypto::KyberPublicKey::from_bytes(ByteView(kyber.public_key).subspan(1));
        auto secret_key = crypto::KyberSecretKey::from_bytes(ByteView(kyber.secret_key).subspan(1));
        if (!public_key.ok() || !secret_key.ok())
            return fail(std::nullopt, "parties.bob.kyber_prekey: not a Kyber-1024 key pair");
        kyber_record = KyberPreKeyRecord{
            kyber.id, public_key.value(), std::move(secret_key).value(), {}, kyber.last_resort};
        std::copy(kyber.signature.begin(), kyber.signature.end(), kyber_record->signature.begin());
    }
    const PreKeyBundle bundle = make_prekey_bundle(
        transcript.bob.registration_id, transcript.bob.device_id, bob_public, signed_record,
        one_time_record ? &*one_time_record : nullptr, kyber_record ? &*kyber_record : nullptr);
    bob.add_signed_prekey(std::move(signed_record));
    if (one_time_record)
        bob.add_one_time_prekey(std::move(*one_time_record));
    if (kyber_record)
        bob.add_kyber_prekey(std::move(*kyber_record));

    for (const TranscriptEvent& event : transcript.events) {
        if (!event.recorded_from.empty()) {
            // Performed by the other implementation with keys of its own: nothing to reproduce.
            ++result.not_replayed;
            continue;
        }
        const bool is_alice = event.party == "alice";
        Party& party = is_alice ? alice : bob;
        QueueKeySource& keys = is_alice ? alice_keys : bob_keys;
        keys.clear();
        for (std::size_t index = 0; index < event.fresh_keys.size(); ++index) {
            const TranscriptKey& fresh = event.fresh_keys[index];
            auto pair = key_pair_from<role::Ratchet>(fresh.private_key, fresh.public_key, problem,
                                                     fmt::format("fresh_keys[{}]", index));
            if (!pair)
                return fail(event.seq, problem);
            keys.push(std::move(pair->private_key), fresh.role);
        }
        for (const TranscriptRandom& fresh : event.fresh_randomness)
            keys.push_random(fresh.purpose, fresh.bytes);

        bool accepted_event = true;
        switch (event.op) {
            case TranscriptOp::init_session: {
                if (!is_alice)
                    return fail(event.seq, "init_session by bob is not supported");
                auto outcome = party.initiate_session(bundle);
                if (!outcome.ok()) {
                    return fail(event.seq, fmt::format("init_session failed: {}",
                                                       error_name(outcome.error())));
                }
                break;
            }
            case TranscriptOp::encrypt: {
                auto outcome = party.encrypt(event.plaintext);
                if (!outcome.ok()) {
                    return fail(event.seq,
                                fmt::format("encrypt failed: {}", error_name(outcome.error())));
                }
                if (outcome.value().type != *event.type) {
                    return fail(event.seq,
                                fmt::format("type {} expected, {} produced", type_name(*event.type),
                                            type_name(outcome.value().type)));
                }
                if (outcome.value().bytes != event.ciphertext) {
                    return fail(event.seq, fmt::format("ciphertext differs: {}; {} state: {}",
                                                       first_difference(event.ciphertext,
                                                                        outcome.value().bytes),
                                                       event.party, describe_session(party)));
                }
                ++result.encrypt_matched;
                break;
            }
            case TranscriptOp::decrypt: {
                const SecureBytes before = party.serialize();
                auto outcome = party.decrypt(*event.type, event.ciphertext);
                if (event.expect_ok) {
                    if (!outcome.ok()) {
                        return fail(
                            event.seq,
                            fmt::format("decrypt rejected ({}) but expected ok; {} state: {}",
                                        error_name(outcome.error()), event.party,
                                        describe_session(party)));
                    }
                    const SecureBytes& plaintext = outcome.value();
                    if (!std::equal(plaintext.begin(), plaintext.end(), event.plaintext.begin(),
                                    event.plaintext.end())) {
                        return fail(event.seq, "decrypted plaintext differs: " +
                                                   first_difference(event.plaintext, plaintext));
                    }
                    ++result.decrypt_ok;
                } else {
                    accepted_event = false;
                    if (outcome.ok())
                        return fail(event.seq, "decrypt accepted but expected reject");
                    if (party.serialize() != before) {
                        return fail(event.seq, "state changed by a rejected decrypt");
                    }
                    const auto expected = map_reason(event.reason);
                    if (!expected || *expected != outcome.error()) {
                        result.notes.push_back(
                            fmt::format("seq {}: rejected as {}, transcript says {}", event.seq,
                                        error_name(outcome.error()), event.reason));
                    }
                    ++result.decrypt_rejected;
                }
                break;
            }
        }
        if (keys.exhausted_requests() > 0) {
            return fail(event.seq, "asked for more fresh keys than the event lists");
        }
        if (!keys.role_mismatches().empty())
            return fail(event.seq, keys.role_mismatches().front());
        if (accepted_event && keys.remaining() > 0) {
            return fail(event.seq,
                        fmt::format("{} listed fresh key(s) left unused", keys.remaining()));
        }
        if (accepted_event && keys.remaining_random() > 0) {
            return fail(event.seq, fmt::format("{} listed fresh_randomness item(s) left unused",
                                               keys.remaining_random()));
        }
    }
    result.passed = true;
    return result;
}

}  // namespace ratchetcheck::harness
