// Replays the signal-v4-pqxdh transcripts of tests/vectors/signal-v4-pqxdh (recorded with our
// implementation as Alice and libsignal-client 0.79.0 as Bob, docs/v4-transcripts.md) with ours as
// Alice: every Alice ciphertext byte for byte, every Bob ciphertext accepted with the recorded
// plaintext, every tamper addressed to Alice rejected with her state unchanged. Needs no Node.
// Also checks that each transcript holds the tampers the recorder promises, and that the replay
// fails on altered transcripts (so that a pass means something).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <variant>

#include "ratchetcheck/harness/transcript.hpp"

namespace ratchetcheck::harness {
namespace {

namespace fs = std::filesystem;

const fs::path vectors_directory = fs::path(RATCHETCHECK_V4_VECTORS_DIR);

std::vector<fs::path> transcript_files() {
    return harness::transcript_files(vectors_directory);
}

Transcript load(const fs::path& file) {
    auto loaded = load_transcript(file);
    if (auto* error = std::get_if<TranscriptError>(&loaded)) {
        ADD_FAILURE() << error->message();
        return {};
    }
    return std::get<Transcript>(std::move(loaded));
}

nlohmann::json load_json(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    std::stringstream text;
    text << stream.rdbuf();
    return nlohmann::json::parse(text.str());
}

class V4TranscriptReplay : public ::testing::TestWithParam<fs::path> {};

// @evidence check=test:SignalV4Pqxdh/V4TranscriptReplay.* functions=SF.KEY_AGREEMENT,SF.PER_MESSAGE_KEYS,SF.TRANSACTIONAL_RECEIVE mechanisms=X25519,XEdDSA,HKDF-SHA256,HMAC-SHA256,AES-256-CBC,KYBER1024 clauses=PQXDH-3.3,PQXDH-3.4,DR-3.4,DR-3.5
TEST_P(V4TranscriptReplay, OursReplaysAliceByteForByte) {
    const Transcript transcript = load(GetParam());
    ASSERT_EQ(transcript.profile, "signal-v4-pqxdh");
    ASSERT_FALSE(transcript.events.empty());
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_TRUE(result.passed) << "seq " << result.failing_seq.value_or(0) << ": "
                               << result.failure;
    std::size_t alice_encrypts = 0;
    std::size_t bob_events = 0;
    for (const TranscriptEvent& event : transcript.events) {
        alice_encrypts += event.party == "alice" && event.op == TranscriptOp::encrypt;
        bob_events += event.party == "bob";
    }
    // Every Alice encrypt reproduced, every Bob event recorded (none performed by ours).
    EXPECT_EQ(result.encrypt_matched, alice_encrypts);
    EXPECT_EQ(result.not_replayed, bob_events);
    EXPECT_GT(result.decrypt_ok, 0u);
    EXPECT_GT(result.decrypt_rejected, 0u);
    for (const std::string& note : result.notes)
        std::cout << "note: " << note << "\n";
}

// The recorder's promise, checked on the file: every message was delivered, after tampered copies
// of it in each applicable part, all rejected; every message each side sent was accepted by the
// other; Bob's events name libsignal-client.
TEST_P(V4TranscriptReplay, EveryMessageIsAcceptedAfterItsTampersAreRejected) {
    const nlohmann::json transcript = load_json(GetParam());
    std::map<std::uint64_t, std::string> sender_of;  // encrypt seq -> party
    std::map<std::uint64_t, std::string> type_of;    // encrypt seq -> type
    std::map<std::uint64_t, std::set<std::string>> rejected_targets;
    std::set<std::uint64_t> accepted;
    bool first_prekey_delivery = true;
    for (const nlohmann::json& event : transcript["events"]) {
        const std::string party = event["party"];
        const std::string op = event["op"];
        if (party == "bob") {
            EXPECT_EQ(event.value("recorded_from", ""), "libsignal-client 0.79.0");
        }
        if (op == "encrypt") {
            sender_of[event["seq"]] = party;
            type_of[event["seq"]] = event["type"];
            continue;
        }
        if (op != "decrypt")
            continue;
        const std::uint64_t source = event["source_seq"];
        ASSERT_TRUE(sender_of.count(source)) << "seq " << event["seq"];
        EXPECT_NE(sender_of[source], party) << "seq " << event["seq"];
        if (event["expect"] == "reject") {
            rejected_targets[source].insert(event["mutation"]["target"].get<std::string>());
            EXPECT_TRUE(event.value("state_unchanged", false));
            continue;
        }
        std::set<std::string> wanted = {"version", "body", "mac"};
        if (type_of[source] == "prekey") {
            wanted.insert("base_key");
            // The Kyber ciphertext counts only while Bob has no session (docs/v4-transcripts.md).
            if (first_prekey_delivery)
                wanted.insert("kyber_ciphertext");
            first_prekey_delivery = false;
        }
        EXPECT_EQ(rejected_targets[source], wanted) << "seq " << event["seq"];
        accepted.insert(source);
    }
    EXPECT_EQ(accepted.size(), sender_of.size()) << "a message was never delivered";
}

INSTANTIATE_TEST_SUITE_P(SignalV4Pqxdh, V4TranscriptReplay, ::testing::ValuesIn(transcript_files()),
                         [](const auto& info) { return info.param.stem().string(); });

TEST(V4Transcripts, DirectoryHoldsTheFourScenarios) {
    std::vector<std::string> names;
    for (const fs::path& file : transcript_files())
        names.push_back(file.stem().string());
    EXPECT_EQ(names, (std::vector<std::string>{"v4_last_resort_kyber", "v4_out_of_order",
                                               "v4_ping_pong", "v4_several_prekey_messages"}));
}

// --- the replay must be able to fail -------------------------------------------------------------

Transcript out_of_order() {
    return load(vectors_directory / "v4_out_of_order.json");
}

// The index of the `occurrence`-th event of `party` doing `op` with `expect_ok`, replayed by ours.
std::size_t find_event(const Transcript& transcript, const std::string& party, TranscriptOp op,
                       bool expect_ok, std::size_t occurrence = 0) {
    for (std::size_t index = 0; index < transcript.events.size(); ++index) {
        const TranscriptEvent& event = transcript.events[index];
        if (event.party == party && event.op == op && event.expect_ok == expect_ok &&
            event.recorded_from.empty() && occurrence-- == 0)
            return index;
    }
    ADD_FAILURE() << "no such event";
    return 0;
}

TEST(V4ReplayRunner, FailsWhenAnAliceCiphertextDiffers) {
    Transcript transcript = out_of_order();
    // A later one: after a DH step, so that the recorded ratchet keys are in play.
    const std::size_t index = find_event(transcript, "alice", TranscriptOp::encrypt, true, 4);
    transcript.events[index].ciphertext[transcript.events[index].ciphertext.size() / 2] ^= 1;
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_FALSE(result.passed);
    EXPECT_EQ(result.failing_seq, transcript.events[index].seq);
    EXPECT_NE(result.failure.find("ciphertext differs"), std::string::npos) << result.failure;
}

TEST(V4ReplayRunner, FailsWhenTheKyberRandomnessDiffers) {
    Transcript transcript = out_of_order();
    ASSERT_EQ(transcript.events[0].fresh_randomness.size(), 1u);
    transcript.events[0].fresh_randomness[0].bytes[0] ^= 1;
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_FALSE(result.passed);
    // The encapsulation goes into the first PreKeySignalMessage (field 8) and the session keys.
    EXPECT_EQ(result.failing_seq, 1u) << result.failure;
}

TEST(V4ReplayRunner, FailsWhenTheKyberRandomnessIsMissing) {
    Transcript transcript = out_of_order();
    transcript.events[0].fresh_randomness.clear();
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_FALSE(result.passed);
    EXPECT_EQ(result.failing_seq, 0u) << result.failure;
}

TEST(V4ReplayRunner, FailsWhenABobPlaintextIsWrong) {
    Transcript transcript = out_of_order();
    const std::size_t index = find_event(transcript, "alice", TranscriptOp::decrypt, true, 2);
    transcript.events[index].plaintext.back() ^= 1;
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_FALSE(result.passed);
    EXPECT_EQ(result.failing_seq, transcript.events[index].seq);
    EXPECT_NE(result.failure.find("plaintext differs"), std::string::npos) << result.failure;
}

TEST(V4ReplayRunner, FailsWhenATamperIsMarkedOk) {
    Transcript transcript = out_of_order();
    const std::size_t index = find_event(transcript, "alice", TranscriptOp::decrypt, false, 1);
    transcript.events[index].expect_ok = true;
    transcript.events[index].plaintext = transcript.events[index + 1].plaintext;
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_FALSE(result.passed);
    EXPECT_EQ(result.failing_seq, transcript.events[index].seq);
}

TEST(V4ReplayRunner, FailsWhenAGenuineBobMessageIsMarkedReject) {
    Transcript transcript = out_of_order();
    const std::size_t index = find_event(transcript, "alice", TranscriptOp::decrypt, true, 0);
    transcript.events[index].expect_ok = false;
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_FALSE(result.passed);
    EXPECT_EQ(result.failing_seq, transcript.events[index].seq);
    EXPECT_NE(result.failure.find("accepted but expected reject"), std::string::npos);
}

TEST(V4ReplayRunner, FailsWhenBobsKyberPrekeyIsAnother) {
    Transcript transcript = out_of_order();
    ASSERT_TRUE(transcript.bob.kyber_prekey.has_value());
    // One bit of the public key in Bob's bundle: its signature no longer verifies (PQXDH §3.3).
    transcript.bob.kyber_prekey->public_key[100] ^= 1;
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_FALSE(result.passed);
    EXPECT_EQ(result.failing_seq, 0u) << result.failure;
}

TEST(V4TranscriptLoader, RefusesAV4TranscriptWithoutAKyberPrekey) {
    nlohmann::json transcript = load_json(vectors_directory / "v4_ping_pong.json");
    transcript["parties"]["bob"].erase("kyber_prekey");
    auto loaded = parse_transcript(transcript.dump(), "edited");
    ASSERT_TRUE(std::holds_alternative<TranscriptError>(loaded));
    EXPECT_EQ(std::get<TranscriptError>(loaded).field, "parties.bob.kyber_prekey");
}

}  // namespace
}  // namespace ratchetcheck::harness
