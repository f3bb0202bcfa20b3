// record_v4_transcripts: records the signal-v4-pqxdh transcripts of tests/vectors/signal-v4-pqxdh
// (docs/v4-transcripts.md). Our implementation is Alice, every key and every Kyber encapsulation
// randomness she draws coming from a seeded key source and written down; libsignal-client 0.79.0
// (a Node seat, peers/libsignal-client/seat.js) is Bob, made from keys our side generated from the
// same seed, so that they can be written down too. libsignal-client draws its own ratchet keys, so
// Bob's messages are recorded as inputs, not as outputs anyone can reproduce.
//
// For every message either side sends, tampered copies (a flipped bit in the version byte, the base
// key, the Kyber ciphertext, the embedded SignalMessage's body and its MAC) go to the receiver
// first: each must be rejected with the receiver's state unchanged (ours: serialize() before and
// after; libsignal-client: the seat's `digest`), and the genuine message must be accepted after
// them. Alice's PreKeySignalMessages are also given to a shadow Bob of ours, made from the same
// keys, so both implementations see them. Any expectation that fails stops the run and nothing is
// written.
//
// Usage: record_v4_transcripts OUTPUT_DIRECTORY [SEED [FAULT]]
// FAULT (test only) is planted in the seat (seat.js `plant`: wrong_plaintext, accept_tamper,
// change_state_on_rejection) to show that the recorder stops and writes nothing.
#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "libsignal_client_endpoint.hpp"
#include "ratchetcheck/harness/hex.hpp"
#include "ratchetcheck/harness/queue_key_source.hpp"
#include "ratchetcheck/harness/seeded_key_source.hpp"
#include "ratchetcheck/harness/transcript.hpp"
#include "ratchetcheck/party.hpp"
#include "ratchetcheck/profile.hpp"
#include "v4_transcript_support.hpp"

namespace ratchetcheck {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
using harness::to_hex;

// RecordingFailure is an expectation that did not hold: the run stops and writes nothing.
struct RecordingFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void expect(bool condition, const std::string& what) {
    if (!condition)
        throw RecordingFailure(what);
}

// RecordingKeySource hands out the seeded source's keys and randomness and remembers each, so
// that the event that drew them can list them (fresh_keys, fresh_randomness).
class RecordingKeySource final : public KeySource {
  public:
    RecordingKeySource(std::uint64_t seed, std::string_view label) : inner_(seed, label) {}

    Result<crypto::X25519Private> next_private_key(KeyRole role) override {
        auto key = inner_.next_private_key(role);
        if (key.ok()) {
            const auto pair = KeyPair<role::Ratchet>::from_private(key.value().clone());
            const SerializedPublicKey public_key = pair.public_key.serialize();
            keys_.push_back(OrderedJson{{"role", role == KeyRole::base ? "base" : "ratchet"},
                                        {"private", to_hex(pair.private_key.view())},
                                        {"public", to_hex(public_key)}});
            expect(role == KeyRole::base || role == KeyRole::ratchet,
                   fmt::format("a session step asked for a {} key", harness::key_role_name(role)));
        }
        return key;
    }
    Result<void> fill_secret_random(RandomPurpose purpose,
                                    std::span<std::uint8_t> output) override {
        auto filled = inner_.fill_secret_random(purpose, output);
        if (filled.ok()) {
            randomness_.push_back(OrderedJson{{"purpose", harness::random_purpose_name(purpose)},
                                              {"bytes", to_hex(output)}});
        }
        return filled;
    }
    // take returns what was drawn since the last take, and forgets it.
    std::pair<OrderedJson, OrderedJson> take() {
        std::pair<OrderedJson, OrderedJson> drawn{std::move(keys_), std::move(randomness_)};
        keys_ = OrderedJson::array();
        randomness_ = OrderedJson::array();
        return drawn;
    }

  private:
    harness::SeededKeySource inner_;
    OrderedJson keys_ = OrderedJson::array();
    OrderedJson randomness_ = OrderedJson::array();
};

// A scenario is a script of sends and deliveries; deliveries name a message by its index among
// the sender's messages, so that any order (and leaving some undelivered) can be written down.
enum class Step { alice_sends, bob_sends, bob_receives, alice_receives };
struct ScriptStep {
    Step step = Step::alice_sends;
    std::size_t message = 0;  // for a delivery: the index among the sender's messages
};

struct Scenario {
    std::string name;
    std::string description;
    bool one_time_prekey = true;        // a one-time EC prekey in the bundle
    bool one_time_kyber_prekey = true;  // else the last-resort Kyber prekey
    std::vector<ScriptStep> script;
};

ScriptStep alice_sends() {
    return {Step::alice_sends, 0};
}
ScriptStep bob_sends() {
    return {Step::bob_sends, 0};
}
ScriptStep bob_receives(std::size_t index) {
    return {Step::bob_receives, index};
}
ScriptStep alice_receives(std::size_t index) {
    return {Step::alice_receives, index};
}

std::vector<Scenario> scenarios() {
    std::vector<Scenario> all;
    all.push_back(Scenario{
        "v4_ping_pong",
        "PQXDH with a one-time EC prekey and a one-time Kyber prekey, then six messages taking "
        "turns (a DH ratchet step on every turn)",
        true,
        true,
        {alice_sends(), bob_receives(0), bob_sends(), alice_receives(0), alice_sends(),
         bob_receives(1), bob_sends(), alice_receives(1), alice_sends(), bob_receives(2),
         bob_sends(), alice_receives(2)}});
    all.push_back(Scenario{
        "v4_last_resort_kyber",
        "PQXDH with the last-resort Kyber prekey and no one-time EC prekey (three DH terms and the "
        "KEM secret), then a reply each way",
        false,
        false,
        {alice_sends(), bob_receives(0), bob_sends(), alice_receives(0), alice_sends(),
         bob_receives(1), bob_sends(), alice_receives(1)}});
    all.push_back(Scenario{
        "v4_out_of_order",
        "messages delivered out of order and some skipped for a while, in both directions, over "
        "several DH ratchet steps; late messages of older chains arrive after newer chains",
        true,
        true,
        {alice_sends(),     alice_sends(),     alice_sends(), bob_receives(2),
         bob_receives(0),   bob_sends(),       bob_sends(),   bob_sends(),
         alice_receives(1), alice_sends(),     alice_sends(), bob_receives(4),
         bob_receives(1),   bob_sends(),       bob_sends(),   alice_receives(4),
         alice_receives(0), alice_receives(2), alice_sends(), bob_receives(5),
         bob_receives(3),   alice_receives(3), bob_sends(),   alice_receives(5)}});
    all.push_back(Scenario{
        "v4_several_prekey_messages",
        "four PreKeySignalMessages from Alice before Bob answers (the same base key and Kyber "
        "ciphertext each time), delivered out of order, then replies",
        true,
        true,
        {alice_sends(), alice_sends(), alice_sends(), alice_sends(), bob_receives(1),
         bob_receives(0), bob_receives(3), bob_sends(), alice_receives(0), bob_receives(2),
         alice_sends(), bob_receives(4), bob_sends(), alice_receives(1)}});
    return all;
}

// Bob's long-term keys, generated by our side from the seed and handed to the seat.
struct BobKeys {
    IdentityKeyPair identity;
    SignedPreKeyRecord signed_prekey;
    std::optional<OneTimePreKeyRecord> one_time_prekey;
    KyberPreKeyRecord kyber_prekey;
};

constexpr std::uint32_t alice_registration_id = 4711;
constexpr std::uint32_t bob_registration_id = 815;
constexpr std::uint32_t bob_device_id = 1;
constexpr std::uint32_t signed_prekey_id = 7;
constexpr std::uint32_t one_time_prekey_id = 31;

template <typename Value>
Value value_of(Result<Value> result, const std::string& what) {
    expect(result.ok(), fmt::format("{}: {}", what, result.ok() ? "" : error_name(result.error())));
    return std::move(result).value();
}

Json seat_request(peers::LibsignalClientSeat& seat, const Json& request) {
    auto answer = seat.request(request);
    if (auto* problem = std::get_if<std::string>(&answer))
        throw RecordingFailure("the libsignal-client seat failed: " + *problem);
    return std::get<Json>(std::move(answer));
}

Json seat_ok(peers::LibsignalClientSeat& seat, const Json& request) {
    Json answer = seat_request(seat, request);
    expect(answer.value("ok", false),
           fmt::format("libsignal-client refused {}: {}", request.value("cmd", "?"),
                       answer.contains("error") ? answer["error"].dump() : answer.dump()));
    return answer;
}

std::string seat_digest(peers::LibsignalClientSeat& seat) {
    return seat_ok(seat, Json{{"cmd", "digest"}, {"peer", v4::alice_address()}})
        .value("digest", "");
}

// One tampered copy: how it was made and its bytes.
struct Tamper {
    std::string target;  // "version", "base_key", "kyber_ciphertext", "body", "mac"
    std::size_t offset = 0;
    int bit = 0;
    Bytes bytes;
};

// The event's `mutation`: how the tampered copy was made from the message it copies.
OrderedJson mutation_of(const Tamper& tamper) {
    return OrderedJson{{"kind", "flip_bit"},
                       {"target", tamper.target},
                       {"offset", tamper.offset},
                       {"bit", tamper.bit}};
}

std::vector<Tamper> tampers_of(const Bytes& message, MessageType type, bool with_kyber) {
    std::vector<Tamper> tampers;
    for (const v4::TamperSite& site : v4::tamper_sites(message, type)) {
        if (site.target == "kyber_ciphertext" && !with_kyber)
            continue;
        Tamper tamper{site.target, site.offset, site.bit, message};
        tamper.bytes[site.offset] ^= static_cast<std::uint8_t>(1u << site.bit);
        tampers.push_back(std::move(tamper));
    }
    return tampers;
}

class Recorder {
  public:
    Recorder(const Scenario& scenario, std::uint64_t seed, peers::LibsignalClientSeat& seat,
             std::string fault)
        : scenario_(scenario),
          fault_(std::move(fault)),
          seed_(seed),
          seat_(seat),
          long_term_label_(scenario.name + "/long-term"),
          alice_label_(scenario.name + "/alice"),
          shadow_label_(scenario.name + "/shadow-bob"),
          alice_keys_(seed, alice_label_),
          shadow_keys_(seed, shadow_label_) {}

    OrderedJson record() {
        harness::SeededKeySource long_term(seed_, long_term_label_);
        IdentityKeyPair alice_identity =
            value_of(generate_identity_key_pair(long_term), "Alice's identity");
        BobKeys bob = make_bob_keys(long_term);
        const IdentityPublicKey alice_public = alice_identity.public_key;
        const IdentityPublicKey bob_public = bob.identity.public_key;
        const Profile profile = Profile::signal_v4_pqxdh();

        Party alice(alice_identity.clone(), alice_registration_id, bob_public, alice_keys_,
                    profile);
        // The shadow Bob of ours: the same long-term keys as the seat's, so that Alice's first
        // sending chain (her PreKeySignalMessages, which depend on no key libsignal drew) can be
        // tried on both implementations.
        Party shadow_bob(bob.identity.clone(), bob_registration_id, alice_public, shadow_keys_,
                         profile);
        shadow_bob.add_signed_prekey(bob.signed_prekey.clone());
        if (bob.one_time_prekey)
            shadow_bob.add_one_time_prekey(bob.one_time_prekey->clone());
        shadow_bob.add_kyber_prekey(bob.kyber_prekey.clone());

        make_seat(bob, alice_public);
        const PreKeyBundle bundle = make_prekey_bundle(
            bob_registration_id, bob_device_id, bob_public, bob.signed_prekey,
            bob.one_time_prekey ? &*bob.one_time_prekey : nullptr, &bob.kyber_prekey);

        const auto initiated = alice.initiate_session(bundle);
        expect(initiated.ok(), fmt::format("Alice's initiate_session: {}",
                                           initiated.ok() ? "" : error_name(initiated.error())));
        {
            auto [keys, randomness] = alice_keys_.take();
            expect(randomness.size() == 1, "init_session drew no Kyber encapsulation randomness");
            add_event(OrderedJson{{"op", "init_session"},
                                  {"party", "alice"},
                                  {"fresh_keys", std::move(keys)},
                                  {"fresh_randomness", std::move(randomness)}});
        }

        std::size_t plaintext_counter = 0;
        for (const ScriptStep& step : scenario_.script) {
            switch (step.step) {
                case Step::alice_sends:
                    alice_send(alice, ++plaintext_counter);
                    break;
                case Step::bob_sends:
                    bob_send(++plaintext_counter);
                    break;
                case Step::bob_receives:
                    bob_receive(shadow_bob, step.message);
                    break;
                case Step::alice_receives:
                    alice_receive(alice, step.message);
                    break;
            }
        }

        OrderedJson parties{{"alice",
                             {{"identity_key",
                               {{"private", to_hex(alice_identity.private_key.view())},
                                {"public", to_hex(alice_public.serialize())}}},
                              {"registration_id", alice_registration_id}}},
                            {"bob", bob_party(bob)}};
        return OrderedJson{
            {"schema", "ratchet-transcript/1"},
            {"profile", "signal-v4-pqxdh"},
            {"producer", fmt::format("ratchetcheck (Alice) with {} (Bob)", v4::libsignal_client)},
            {"name", scenario_.name},
            {"description", scenario_.description},
            {"seed", fmt::format("v4/{}/{}", scenario_.name, seed_)},
            {"summary",
             {{"events", events_.size()},
              {"alice_encrypts", alice_sent_.size()},
              {"bob_encrypts", bob_sent_.size()},
              {"decrypt_ok", decrypt_ok_},
              {"decrypt_reject", decrypt_reject_}}},
            {"parties", std::move(parties)},
            {"events", std::move(events_)}};
    }

    std::size_t tampers_checked() const { return decrypt_reject_; }

  private:
    struct Sent {
        std::uint64_t seq = 0;
        MessageType type = MessageType::signal_message;
        Bytes bytes;
        Bytes plaintext;
    };

    BobKeys make_bob_keys(harness::SeededKeySource& keys) {
        IdentityKeyPair identity = value_of(generate_identity_key_pair(keys), "Bob's identity");
        SignedPreKeyRecord signed_prekey = value_of(
            generate_signed_prekey(identity, signed_prekey_id, keys), "Bob's signed prekey");
        std::optional<OneTimePreKeyRecord> one_time_prekey;
        if (scenario_.one_time_prekey) {
            one_time_prekey = value_of(generate_one_time_prekey(one_time_prekey_id, keys),
                                       "Bob's one-time prekey");
        }
        const bool last_resort = !scenario_.one_time_kyber_prekey;
        KyberPreKeyRecord kyber =
            value_of(generate_kyber_prekey(identity,
                                           last_resort ? harness::last_resort_kyber_prekey_id
                                                       : harness::one_time_kyber_prekey_id,
                                           last_resort, keys),
                     "Bob's Kyber prekey");
        return BobKeys{std::move(identity), std::move(signed_prekey), std::move(one_time_prekey),
                       std::move(kyber)};
    }

    void make_seat(const BobKeys& bob, const IdentityPublicKey& alice_public) {
        seat_ok(seat_, Json{{"cmd", "reset"}});
        const Json answer =
            seat_ok(seat_, v4::seat_create_request(Json::parse(bob_party(bob).dump())));
        expect(answer.value("identity_public", "") == to_hex(bob.identity.public_key.serialize()),
               "the seat's identity is not the one handed to it");
        if (!fault_.empty())
            seat_ok(seat_, Json{{"cmd", "plant"}, {"fault", fault_}});
        seat_ok(seat_, Json{{"cmd", "trust"},
                            {"peer", v4::alice_address()},
                            {"identity_key", to_hex(alice_public.serialize())}});
    }

    static OrderedJson bob_party(const BobKeys& bob) {
        OrderedJson one_time = nullptr;
        if (bob.one_time_prekey) {
            one_time = OrderedJson{
                {"id", bob.one_time_prekey->id},
                {"private", to_hex(bob.one_time_prekey->key_pair.private_key.view())},
                {"public", to_hex(bob.one_time_prekey->key_pair.public_key.serialize())}};
        }
        const SerializedKyberPublicKey kyber_public =
            serialize_kyber_public_key(bob.kyber_prekey.public_key);
        Bytes kyber_secret{kyber1024_key_type};
        kyber_secret.insert(kyber_secret.end(), bob.kyber_prekey.secret_key.view().begin(),
                            bob.kyber_prekey.secret_key.view().end());
        return OrderedJson{{"identity_key",
                            {{"private", to_hex(bob.identity.private_key.view())},
                             {"public", to_hex(bob.identity.public_key.serialize())}}},
                           {"registration_id", bob_registration_id},
                           {"device_id", bob_device_id},
                           {"signed_prekey",
                            {{"id", bob.signed_prekey.id},
                             {"private", to_hex(bob.signed_prekey.key_pair.private_key.view())},
                             {"public", to_hex(bob.signed_prekey.key_pair.public_key.serialize())},
                             {"signature", to_hex(bob.signed_prekey.signature)}}},
                           {"one_time_prekey", std::move(one_time)},
                           {"kyber_prekey",
                            {{"id", bob.kyber_prekey.id},
                             {"public", to_hex(kyber_public)},
                             {"secret", to_hex(kyber_secret)},
                             {"signature", to_hex(bob.kyber_prekey.signature)},
                             {"last_resort", bob.kyber_prekey.last_resort}}}};
    }

    std::uint64_t add_event(OrderedJson fields) {
        const std::uint64_t seq = events_.size();
        OrderedJson event{{"seq", seq}};
        for (auto& [key, value] : fields.items())
            event[key] = value;
        events_.push_back(std::move(event));
        return seq;
    }

    static Bytes plaintext_for(std::size_t counter, std::string_view who) {
        const std::string text = fmt::format("{} message {}: PQXDH live transcript", who, counter);
        return Bytes(text.begin(), text.end());
    }

    void alice_send(Party& alice, std::size_t counter) {
        const Bytes plaintext = plaintext_for(counter, "alice");
        OutgoingMessage message = value_of(alice.encrypt(plaintext), "Alice's encrypt");
        auto [keys, randomness] = alice_keys_.take();
        expect(keys.empty() && randomness.empty(), "Alice's encrypt drew keys");
        const std::uint64_t seq = add_event(OrderedJson{{"op", "encrypt"},
                                                        {"party", "alice"},
                                                        {"fresh_keys", OrderedJson::array()},
                                                        {"plaintext", to_hex(plaintext)},
                                                        {"type", v4::type_name(message.type)},
                                                        {"ciphertext", to_hex(message.bytes)}});
        alice_sent_.push_back(Sent{seq, message.type, std::move(message.bytes), plaintext});
        std::cout << fmt::format("  seq {}: alice encrypts ({})\n", seq,
                                 v4::type_name(alice_sent_.back().type));
    }

    void bob_send(std::size_t counter) {
        const Bytes plaintext = plaintext_for(counter, "bob");
        const Json answer = seat_ok(seat_, Json{{"cmd", "encrypt"},
                                                {"peer", v4::alice_address()},
                                                {"plaintext", to_hex(plaintext)}});
        const auto bytes = harness::from_hex(answer.value("message", ""));
        const int type = answer.value("type", 0);
        expect(bytes.has_value() && (type == 2 || type == 3),
               "the seat's encrypt answer does not parse");
        const MessageType message_type = static_cast<MessageType>(type);
        expect(message_type == MessageType::signal_message,
               "Bob (the responder) sent a PreKeySignalMessage");
        const std::uint64_t seq = add_event(OrderedJson{{"op", "encrypt"},
                                                        {"party", "bob"},
                                                        {"recorded_from", v4::libsignal_client},
                                                        {"fresh_keys", OrderedJson::array()},
                                                        {"plaintext", to_hex(plaintext)},
                                                        {"type", v4::type_name(message_type)},
                                                        {"ciphertext", to_hex(*bytes)}});
        bob_sent_.push_back(Sent{seq, message_type, *bytes, plaintext});
        std::cout << fmt::format("  seq {}: bob (libsignal-client) encrypts\n", seq);
    }

    // Alice's message `index` to Bob: tampered copies to both Bobs first (the seat, and ours
    // while the message is of her first chain), then the genuine one.
    void bob_receive(Party& shadow_bob, std::size_t index) {
        expect(index < alice_sent_.size(), "script delivers a message Alice has not sent");
        const Sent& sent = alice_sent_[index];
        const bool first_chain = sent.type == MessageType::prekey_message;
        // The Kyber ciphertext is read only when the message makes a new session (PQXDH §3.4):
        // once Bob holds the session its base key names, a flipped bit there is not a tamper
        // either implementation can see, so it is made only while Bob has no session yet.
        for (const Tamper& tamper : tampers_of(sent.bytes, sent.type, !bob_has_session_)) {
            const std::string before = seat_digest(seat_);
            const Json answer = seat_request(seat_, Json{{"cmd", "decrypt"},
                                                         {"peer", v4::alice_address()},
                                                         {"type", static_cast<int>(sent.type)},
                                                         {"message", to_hex(tamper.bytes)}});
            expect(!answer.value("ok", false),
                   fmt::format("libsignal-client accepted Alice's message {} with a flipped bit "
                               "in its {}",
                               index, tamper.target));
            expect(seat_digest(seat_) == before,
                   fmt::format("libsignal-client's state changed on rejecting a tampered {}",
                               tamper.target));
            const std::string native = answer["error"].value("name", "Unknown");
            OrderedJson rejected_by = OrderedJson::array({v4::libsignal_client});
            if (first_chain) {
                const SecureBytes shadow_before = shadow_bob.serialize();
                auto ours = shadow_bob.decrypt(sent.type, tamper.bytes);
                expect(!ours.ok(), fmt::format("ours (shadow Bob) accepted Alice's message {} "
                                               "with a flipped bit in its {}",
                                               index, tamper.target));
                expect(shadow_bob.serialize() == shadow_before,
                       "ours (shadow Bob) changed state on a rejection");
                rejected_by.push_back(fmt::format("ratchetcheck ({})", error_name(ours.error())));
            }
            add_event(OrderedJson{{"op", "decrypt"},
                                  {"party", "bob"},
                                  {"recorded_from", v4::libsignal_client},
                                  {"fresh_keys", OrderedJson::array()},
                                  {"type", v4::type_name(sent.type)},
                                  {"ciphertext", to_hex(tamper.bytes)},
                                  {"source_seq", sent.seq},
                                  {"mutation", mutation_of(tamper)},
                                  {"expect", "reject"},
                                  {"reason", v4::reason_of_libsignal_client(native)},
                                  {"reason_detail", native},
                                  {"rejected_by", std::move(rejected_by)},
                                  {"state_unchanged", true}});
            ++decrypt_reject_;
        }
        if (first_chain && bob_has_session_)
            check_kyber_ciphertext_unread(shadow_bob, sent);
        const Json answer = seat_ok(seat_, Json{{"cmd", "decrypt"},
                                                {"peer", v4::alice_address()},
                                                {"type", static_cast<int>(sent.type)},
                                                {"message", to_hex(sent.bytes)}});
        expect(answer.value("plaintext", "") == to_hex(sent.plaintext),
               fmt::format("libsignal-client decrypted Alice's message {} to another plaintext",
                           index));
        OrderedJson accepted_by = OrderedJson::array({v4::libsignal_client});
        if (first_chain) {
            auto ours = shadow_bob.decrypt(sent.type, sent.bytes);
            expect(ours.ok() && Bytes(ours.value().begin(), ours.value().end()) == sent.plaintext,
                   fmt::format("ours (shadow Bob) did not accept Alice's message {}", index));
            accepted_by.push_back("ratchetcheck");
        }
        bob_has_session_ = true;
        const std::uint64_t seq = add_event(OrderedJson{{"op", "decrypt"},
                                                        {"party", "bob"},
                                                        {"recorded_from", v4::libsignal_client},
                                                        {"fresh_keys", OrderedJson::array()},
                                                        {"type", v4::type_name(sent.type)},
                                                        {"ciphertext", to_hex(sent.bytes)},
                                                        {"source_seq", sent.seq},
                                                        {"expect", "ok"},
                                                        {"plaintext", to_hex(sent.plaintext)},
                                                        {"accepted_by", std::move(accepted_by)}});
        ++decrypt_ok_;
        std::cout << fmt::format("  seq {}: bob (libsignal-client) decrypts alice's message {}\n",
                                 seq, index);
    }

    // Once Bob holds the session a PreKeySignalMessage's base key names, its Kyber ciphertext is
    // not read again (PQXDH §3.4; E79): shown on a copy of the shadow Bob, which accepts the
    // message with a flipped bit there. This is why that tamper is made only before.
    void check_kyber_ciphertext_unread(const Party& shadow_bob, const Sent& sent) {
        for (const Tamper& tamper : tampers_of(sent.bytes, sent.type, true)) {
            if (tamper.target != "kyber_ciphertext")
                continue;
            auto copy = Party::deserialize(shadow_bob.serialize(), shadow_keys_,
                                           Profile::signal_v4_pqxdh());
            expect(copy.ok(), "the shadow Bob's state does not load");
            auto outcome = copy.value().decrypt(sent.type, tamper.bytes);
            expect(outcome.ok() &&
                       Bytes(outcome.value().begin(), outcome.value().end()) == sent.plaintext,
                   "ours read the Kyber ciphertext of a PreKeySignalMessage of a known session");
            ++kyber_unread_checked_;
        }
    }

    // Bob's message `index` to Alice (ours): tampered copies first, then the genuine one.
    void alice_receive(Party& alice, std::size_t index) {
        expect(index < bob_sent_.size(), "script delivers a message Bob has not sent");
        const Sent& sent = bob_sent_[index];
        for (const Tamper& tamper : tampers_of(sent.bytes, sent.type, false)) {
            const SecureBytes before = alice.serialize();
            auto outcome = alice.decrypt(sent.type, tamper.bytes);
            expect(!outcome.ok(), fmt::format("ours accepted Bob's message {} with a flipped bit "
                                              "in its {}",
                                              index, tamper.target));
            expect(alice.serialize() == before, "ours changed state on a rejection");
            // A rejected decrypt may have drawn a ratchet key (the DH step comes before the MAC
            // check); the event lists it, as SCHEMA.md §3.1 allows.
            auto [keys, randomness] = alice_keys_.take();
            add_event(OrderedJson{
                {"op", "decrypt"},
                {"party", "alice"},
                {"fresh_keys", std::move(keys)},
                {"type", v4::type_name(sent.type)},
                {"ciphertext", to_hex(tamper.bytes)},
                {"source_seq", sent.seq},
                {"mutation", mutation_of(tamper)},
                {"expect", "reject"},
                {"reason", std::string(harness::reason_of(outcome.error()))},
                {"rejected_by", OrderedJson::array({fmt::format("ratchetcheck ({})",
                                                                error_name(outcome.error()))})},
                {"state_unchanged", true}});
            ++decrypt_reject_;
        }
        auto outcome = alice.decrypt(sent.type, sent.bytes);
        expect(outcome.ok(), fmt::format("ours rejected Bob's message {}: {}", index,
                                         outcome.ok() ? "" : error_name(outcome.error())));
        expect(Bytes(outcome.value().begin(), outcome.value().end()) == sent.plaintext,
               fmt::format("ours decrypted Bob's message {} to another plaintext", index));
        auto [keys, randomness] = alice_keys_.take();
        const std::uint64_t seq =
            add_event(OrderedJson{{"op", "decrypt"},
                                  {"party", "alice"},
                                  {"fresh_keys", std::move(keys)},
                                  {"type", v4::type_name(sent.type)},
                                  {"ciphertext", to_hex(sent.bytes)},
                                  {"source_seq", sent.seq},
                                  {"expect", "ok"},
                                  {"plaintext", to_hex(sent.plaintext)},
                                  {"accepted_by", OrderedJson::array({"ratchetcheck"})}});
        ++decrypt_ok_;
        std::cout << fmt::format("  seq {}: alice (ours) decrypts bob's message {}\n", seq, index);
    }

    const Scenario& scenario_;
    std::string fault_;  // planted in the seat after `create` when not empty
    std::uint64_t seed_;
    peers::LibsignalClientSeat& seat_;
    // SeededKeySource keeps a view of its label: the strings live as long as the sources.
    std::string long_term_label_;
    std::string alice_label_;
    std::string shadow_label_;
    RecordingKeySource alice_keys_;
    harness::SeededKeySource shadow_keys_;  // the shadow Bob's own ratchet keys (never compared)
    OrderedJson events_ = OrderedJson::array();
    std::vector<Sent> alice_sent_;
    std::vector<Sent> bob_sent_;
    bool bob_has_session_ = false;
    std::size_t decrypt_ok_ = 0;
    std::size_t decrypt_reject_ = 0;
    std::size_t kyber_unread_checked_ = 0;
};

int run(int argc, char** argv) {
    if (argc < 2 || argc > 4) {
        std::cerr << "usage: record_v4_transcripts OUTPUT_DIRECTORY [SEED [FAULT]]\n";
        return 2;
    }
    const std::filesystem::path output = argv[1];
    const std::uint64_t seed = argc >= 3 ? std::strtoull(argv[2], nullptr, 10) : 23;
    const std::string fault = argc == 4 ? argv[3] : "";
    std::string rerun = fmt::format("{} {} {}", argv[0], output.string(), seed);
    if (!fault.empty())
        rerun.append(" ").append(fault);
    std::cout << "re-run with: " << rerun << "\n";

    auto started = peers::LibsignalClientSeat::start();
    if (auto* problem = std::get_if<std::string>(&started)) {
        std::cerr << "cannot start the libsignal-client seat: " << *problem << "\n";
        return 1;
    }
    peers::LibsignalClientSeat& seat = *std::get<0>(started);

    std::vector<std::pair<std::string, OrderedJson>> recorded;
    try {
        for (const Scenario& scenario : scenarios()) {
            std::cout << fmt::format("recording {} (seed {})\n", scenario.name, seed);
            Recorder recorder(scenario, seed, seat, fault);
            OrderedJson transcript = recorder.record();
            // The transcript must replay with ours before it is kept (the test suite's check).
            auto parsed = harness::parse_transcript(transcript.dump(), scenario.name);
            if (auto* error = std::get_if<harness::TranscriptError>(&parsed))
                throw RecordingFailure("the recorded transcript does not load: " +
                                       error->message());
            const harness::ReplayResult replay =
                harness::replay_transcript(std::get<harness::Transcript>(parsed));
            expect(replay.passed, fmt::format("the recorded transcript does not replay: seq {}: {}",
                                              replay.failing_seq.value_or(0), replay.failure));
            std::cout << fmt::format(
                "  {} events; {} tampers rejected; replay: {} encrypts byte for byte, {} "
                "accepted, {} rejected, {} recorded from libsignal-client\n",
                transcript["events"].size(), recorder.tampers_checked(), replay.encrypt_matched,
                replay.decrypt_ok, replay.decrypt_rejected, replay.not_replayed);
            recorded.emplace_back(scenario.name, std::move(transcript));
        }
    } catch (const RecordingFailure& failure) {
        std::cerr << "RECORDING FAILED, nothing written: " << failure.what() << "\n";
        return 1;
    }
    std::filesystem::create_directories(output);
    for (const auto& [name, transcript] : recorded) {
        const std::filesystem::path file = output / (name + ".json");
        std::ofstream stream(file, std::ios::binary);
        stream << v4::format_transcript(transcript);
        if (!stream) {
            std::cerr << "cannot write " << file << "\n";
            return 1;
        }
        std::cout << "wrote " << file.string() << "\n";
    }
    return 0;
}

}  // namespace
}  // namespace ratchetcheck

int main(int argc, char** argv) {
    return ratchetcheck::run(argc, argv);
}
