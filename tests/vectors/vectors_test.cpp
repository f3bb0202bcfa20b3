// Replays every transcript of ../shared/vectors/signal-v3, and checks that the runner itself
// fails on altered transcripts (so a pass means something).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <variant>

#include "ratchetcheck/harness/transcript.hpp"

namespace ratchetcheck::harness {
namespace {

namespace fs = std::filesystem;

const fs::path vectors_directory = fs::path(RATCHETCHECK_SHARED_DIR) / "vectors" / "signal-v3";

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

class SharedTranscript : public ::testing::TestWithParam<fs::path> {};

// @evidence check=transcripts:signal-v3 functions=SF.KEY_AGREEMENT,SF.PER_MESSAGE_KEYS,SF.TRANSACTIONAL_RECEIVE mechanisms=X25519,XEdDSA,HKDF-SHA256,HMAC-SHA256,AES-256-CBC clauses=X3DH-2.1,X3DH-2.2,X3DH-3.3,X3DH-3.4,DR-3.1,DR-3.3,DR-3.4,DR-3.5,DR-5.1,DR-5.2
TEST_P(SharedTranscript, ReplaysByteForByte) {
    const Transcript transcript = load(GetParam());
    ASSERT_FALSE(transcript.events.empty());
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_TRUE(result.passed) << "seq " << result.failing_seq.value_or(0) << ": "
                               << result.failure;
    for (const std::string& note : result.notes)
        std::cout << "note: " << note << "\n";
}

INSTANTIATE_TEST_SUITE_P(SignalV3, SharedTranscript, ::testing::ValuesIn(transcript_files()),
                         [](const auto& info) { return info.param.stem().string(); });

TEST(SharedTranscripts, DirectoryHoldsTheFivePublicTranscripts) {
    EXPECT_GE(transcript_files().size(), 5u);
}

// --- the runner must be able to fail ------------------------------------------------------------

Transcript basic() {
    return load(vectors_directory / "basic_session.json");
}

std::size_t first_event(const Transcript& transcript, TranscriptOp op, bool expect_ok = true) {
    for (std::size_t index = 0; index < transcript.events.size(); ++index) {
        const TranscriptEvent& event = transcript.events[index];
        if (event.op == op && event.expect_ok == expect_ok)
            return index;
    }
    ADD_FAILURE() << "no such event";
    return 0;
}

TEST(ReplayRunner, FailsWhenARecordedCiphertextDiffers) {
    Transcript transcript = basic();
    const std::size_t index = first_event(transcript, TranscriptOp::encrypt);
    transcript.events[index].ciphertext.back() ^= 1;
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_FALSE(result.passed);
    EXPECT_EQ(result.failing_seq, transcript.events[index].seq);
}

TEST(ReplayRunner, FailsWhenARecordedPlaintextDiffers) {
    Transcript transcript = basic();
    const std::size_t index = first_event(transcript, TranscriptOp::decrypt);
    transcript.events[index].plaintext.push_back(0);
    EXPECT_FALSE(replay_transcript(transcript).passed);
}

TEST(ReplayRunner, FailsWhenAnInjectedKeyIsWrong) {
    Transcript transcript = basic();
    transcript.events[0].fresh_keys[1].private_key[5] ^= 0x10;  // Alice's first ratchet key
    EXPECT_FALSE(replay_transcript(transcript).passed);
}

TEST(ReplayRunner, FailsWhenAKeyIsMissing) {
    Transcript transcript = basic();
    transcript.events[0].fresh_keys.pop_back();
    const ReplayResult result = replay_transcript(transcript);
    EXPECT_FALSE(result.passed);
    EXPECT_EQ(result.failing_seq, 0u);
    EXPECT_NE(result.failure.find("key_source_exhausted"), std::string::npos) << result.failure;
}

TEST(ReplayRunner, FailsWhenAnAcceptedDecryptIsExpectedToBeRejected) {
    Transcript transcript = basic();
    const std::size_t index = first_event(transcript, TranscriptOp::decrypt);
    transcript.events[index].expect_ok = false;
    transcript.events[index].reason = "bad_mac";
    EXPECT_FALSE(replay_transcript(transcript).passed);
}

TEST(ReplayRunner, FailsWhenATamperedMessageIsExpectedToDecrypt) {
    Transcript transcript = load(vectors_directory / "tampered_mac.json");
    const std::size_t index = first_event(transcript, TranscriptOp::decrypt, /*expect_ok=*/false);
    transcript.events[index].expect_ok = true;
    EXPECT_FALSE(replay_transcript(transcript).passed);
}

TEST(TranscriptLoader, NamesTheFileAndFieldOfAMalformedTranscript) {
    const fs::path file = fs::temp_directory_path() / "ratchetcheck_malformed_transcript.json";
    {
        std::ofstream out(file);
        out << R"({"schema":"ratchet-transcript/1","profile":"signal-v3","name":"x",
                   "parties":{"alice":{"identity_key":{"private":"zz","public":"00"},
                   "registration_id":1}}})";
    }
    auto loaded = load_transcript(file);
    ASSERT_TRUE(std::holds_alternative<TranscriptError>(loaded));
    const TranscriptError& error = std::get<TranscriptError>(loaded);
    EXPECT_EQ(error.file, file.string());
    EXPECT_EQ(error.field, "parties.alice.identity_key.private");
    fs::remove(file);
}

TEST(TranscriptLoader, RejectsAnotherSchema) {
    const fs::path file = fs::temp_directory_path() / "ratchetcheck_other_schema.json";
    {
        std::ofstream out(file);
        out << R"({"schema":"ratchet-transcript/2"})";
    }
    auto loaded = load_transcript(file);
    ASSERT_TRUE(std::holds_alternative<TranscriptError>(loaded));
    EXPECT_EQ(std::get<TranscriptError>(loaded).field, "schema");
    fs::remove(file);
}

TEST(TranscriptLoader, RejectsInvalidJsonWithoutCrashing) {
    const fs::path file = fs::temp_directory_path() / "ratchetcheck_invalid.json";
    {
        std::ofstream out(file);
        out << "{\"schema\": ";
    }
    EXPECT_TRUE(std::holds_alternative<TranscriptError>(load_transcript(file)));
    fs::remove(file);
}

}  // namespace
}  // namespace ratchetcheck::harness
