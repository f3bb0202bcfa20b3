// The live re-check of the signal-v4-pqxdh transcripts (docs/v4-transcripts.md; label `interop`,
// needs Node): a fresh libsignal-client 0.79.0 seat is made Bob from the keys written in the
// transcript, and is given, in the recorded order, every message of Alice's first sending chain
// (her PreKeySignalMessages) and every tampered copy of them. Genuine ones must decrypt to the
// recorded plaintext; tampered ones must be refused with the seat's state digest unchanged.
//
// Alice's later messages are not given: she encrypted them to ratchet keys libsignal drew while
// recording, and a fresh seat draws others, so it could not read them (the recording checked
// them). The tests at the end show the check failing on altered transcripts.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <variant>

#include "libsignal_client_endpoint.hpp"
#include "ratchetcheck/harness/hex.hpp"
#include "ratchetcheck/harness/transcript.hpp"
#include "v4_transcript_support.hpp"

namespace ratchetcheck {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const fs::path vectors_directory = fs::path(RATCHETCHECK_V4_VECTORS_DIR);

std::vector<fs::path> transcript_files() {
    return harness::transcript_files(vectors_directory);
}

Json load_json(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    std::stringstream text;
    text << stream.rdbuf();
    return Json::parse(text.str());
}

// LiveResult is what the fresh seat did with the transcript's messages to Bob.
struct LiveResult {
    std::string failure;  // empty: every expectation held
    std::size_t accepted = 0;
    std::size_t rejected = 0;
    std::size_t not_given = 0;  // Alice's later messages (see above)
};

Json request(peers::LibsignalClientSeat& seat, const Json& message, std::string& failure) {
    auto answer = seat.request(message);
    if (auto* problem = std::get_if<std::string>(&answer)) {
        failure = "the seat failed: " + *problem;
        return Json::object();
    }
    return std::get<Json>(std::move(answer));
}

// recheck gives the transcript's messages to Bob to a fresh seat; `fault`, when set, is planted in
// the seat first (seat.js `plant`), to show the check catches it.
LiveResult recheck(const Json& transcript, const char* fault = nullptr) {
    LiveResult result;
    auto started = peers::LibsignalClientSeat::start();
    if (auto* problem = std::get_if<std::string>(&started)) {
        result.failure = "cannot start the seat: " + *problem;
        return result;
    }
    peers::LibsignalClientSeat& seat = *std::get<0>(started);
    const Json& bob = transcript["parties"]["bob"];
    Json created = request(seat, v4::seat_create_request(bob), result.failure);
    if (!result.failure.empty() || !created.value("ok", false) ||
        created.value("identity_public", "") != bob["identity_key"]["public"]) {
        result.failure += " create refused: " + created.dump();
        return result;
    }
    if (fault != nullptr) {
        const Json planted =
            request(seat, Json{{"cmd", "plant"}, {"fault", fault}}, result.failure);
        if (!result.failure.empty() || !planted.value("ok", false)) {
            result.failure += " plant refused: " + planted.dump();
            return result;
        }
    }
    const Json trusted =
        request(seat,
                Json{{"cmd", "trust"},
                     {"peer", v4::alice_address()},
                     {"identity_key", transcript["parties"]["alice"]["identity_key"]["public"]}},
                result.failure);
    if (!result.failure.empty() || !trusted.value("ok", false)) {
        result.failure += " trust refused: " + trusted.dump();
        return result;
    }
    const auto digest = [&seat, &result] {
        return request(seat, Json{{"cmd", "digest"}, {"peer", v4::alice_address()}}, result.failure)
            .value("digest", "");
    };
    for (const Json& event : transcript["events"]) {
        if (event["party"] != "bob" || event["op"] != "decrypt")
            continue;
        if (event["type"] != "prekey") {
            ++result.not_given;
            continue;
        }
        const std::string before = digest();
        const Json answer = request(seat,
                                    Json{{"cmd", "decrypt"},
                                         {"peer", v4::alice_address()},
                                         {"type", 3},
                                         {"message", event["ciphertext"]}},
                                    result.failure);
        if (!result.failure.empty())
            return result;
        const auto seq = event["seq"].get<std::uint64_t>();
        if (event["expect"] == "ok") {
            if (!answer.value("ok", false)) {
                result.failure = fmt::format("seq {}: refused ({}), recorded as accepted", seq,
                                             answer.value("error", Json()).dump());
                return result;
            }
            if (answer.value("plaintext", "") != event["plaintext"]) {
                result.failure = fmt::format("seq {}: decrypted to another plaintext", seq);
                return result;
            }
            ++result.accepted;
        } else {
            if (answer.value("ok", false)) {
                result.failure = fmt::format("seq {}: accepted, recorded as a tamper", seq);
                return result;
            }
            if (digest() != before) {
                result.failure = fmt::format("seq {}: the refusal changed the seat's state", seq);
                return result;
            }
            ++result.rejected;
        }
    }
    return result;
}

class V4TranscriptLive : public ::testing::TestWithParam<fs::path> {};

// @evidence check=test:SignalV4Pqxdh/V4TranscriptLive.* functions=SF.KEY_AGREEMENT,SF.TRANSACTIONAL_RECEIVE mechanisms=X25519,XEdDSA,HKDF-SHA256,HMAC-SHA256,AES-256-CBC,KYBER1024 clauses=PQXDH-3.3,PQXDH-3.4
TEST_P(V4TranscriptLive, AFreshLibsignalClientBobAcceptsAliceAndRefusesEveryTamper) {
    const LiveResult result = recheck(load_json(GetParam()));
    EXPECT_TRUE(result.failure.empty()) << result.failure;
    EXPECT_GT(result.accepted, 0u);
    EXPECT_GT(result.rejected, 0u);
    std::cout << fmt::format("{}: {} accepted, {} refused, {} later messages not given\n",
                             GetParam().stem().string(), result.accepted, result.rejected,
                             result.not_given);
}

INSTANTIATE_TEST_SUITE_P(SignalV4Pqxdh, V4TranscriptLive, ::testing::ValuesIn(transcript_files()),
                         [](const auto& info) { return info.param.stem().string(); });

// --- the re-check must be able to fail
// ------------------------------------------------------------

// The index of the `occurrence`-th event Bob decrypts of Alice's first chain with `expect`.
std::size_t find_bob_event(const Json& transcript, const std::string& expect,
                           std::size_t occurrence) {
    const Json& events = transcript["events"];
    for (std::size_t index = 0; index < events.size(); ++index) {
        const Json& event = events[index];
        if (event["party"] == "bob" && event["op"] == "decrypt" && event["type"] == "prekey" &&
            event["expect"] == expect && occurrence-- == 0)
            return index;
    }
    ADD_FAILURE() << "no such event";
    return 0;
}

Json several_prekey_messages() {
    return load_json(vectors_directory / "v4_several_prekey_messages.json");
}

TEST(V4TranscriptLiveCheck, FailsWhenARecordedPlaintextIsWrong) {
    Json transcript = several_prekey_messages();
    Json& event = transcript["events"][find_bob_event(transcript, "ok", 1)];
    std::string plaintext = event["plaintext"];
    plaintext[0] = plaintext[0] == '0' ? '1' : '0';
    event["plaintext"] = plaintext;
    const LiveResult result = recheck(transcript);
    EXPECT_NE(result.failure.find("another plaintext"), std::string::npos) << result.failure;
}

TEST(V4TranscriptLiveCheck, FailsWhenATamperIsMarkedOk) {
    Json transcript = several_prekey_messages();
    Json& event = transcript["events"][find_bob_event(transcript, "reject", 2)];
    event["expect"] = "ok";
    event["plaintext"] = "";
    const LiveResult result = recheck(transcript);
    EXPECT_NE(result.failure.find("recorded as accepted"), std::string::npos) << result.failure;
}

TEST(V4TranscriptLiveCheck, FailsWhenAnAliceCiphertextIsAltered) {
    Json transcript = several_prekey_messages();
    Json& event = transcript["events"][find_bob_event(transcript, "ok", 1)];
    // Flip the bit the recorder flipped for its "body" tamper of this message, in the genuine one.
    std::optional<std::size_t> offset;
    for (const Json& tamper : transcript["events"]) {
        if (tamper.value("source_seq", Json()) == event["source_seq"] &&
            tamper.contains("mutation") && tamper["mutation"]["target"] == "body")
            offset = tamper["mutation"]["offset"].get<std::size_t>();
    }
    ASSERT_TRUE(offset.has_value());
    std::string ciphertext = event["ciphertext"];
    ciphertext[2 * *offset + 1] ^= 1;  // bit 0 of the byte: '0'<->'1', ..., 'e'<->'d'
    event["ciphertext"] = ciphertext;
    const LiveResult result = recheck(transcript);
    EXPECT_NE(result.failure.find("recorded as accepted"), std::string::npos) << result.failure;
}

TEST(V4TranscriptLiveCheck, FailsWhenTheSeatChangesStateOnARefusal) {
    const LiveResult result = recheck(several_prekey_messages(), "change_state_on_rejection");
    EXPECT_NE(result.failure.find("changed the seat's state"), std::string::npos) << result.failure;
}

TEST(V4TranscriptLiveCheck, FailsWhenTheSeatAcceptsATamper) {
    const LiveResult result = recheck(several_prekey_messages(), "accept_tamper");
    EXPECT_NE(result.failure.find("accepted, recorded as a tamper"), std::string::npos)
        << result.failure;
}

// Why the recorder flips a bit in the Kyber ciphertext only of the first PreKeySignalMessage Bob
// receives (docs/v4-transcripts.md, E82): once Bob holds the session the base key
// names, libsignal-client does not read field 8 again, and accepts the message with it altered.
TEST(V4TranscriptLiveFacts, LibsignalClientDoesNotReadTheKyberCiphertextOfAKnownSession) {
    const Json transcript = several_prekey_messages();
    auto started = peers::LibsignalClientSeat::start();
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<peers::LibsignalClientSeat>>(started));
    peers::LibsignalClientSeat& seat = *std::get<0>(started);
    std::string failure;
    ASSERT_TRUE(request(seat, v4::seat_create_request(transcript["parties"]["bob"]), failure)
                    .value("ok", false));
    const Json& first = transcript["events"][find_bob_event(transcript, "ok", 0)];
    const Json& second = transcript["events"][find_bob_event(transcript, "ok", 1)];
    for (const Json* event : {&first, &second}) {
        auto bytes = harness::from_hex((*event)["ciphertext"].get<std::string>());
        ASSERT_TRUE(bytes.has_value());
        if (event == &second) {
            bool flipped = false;
            for (const v4::TamperSite& site :
                 v4::tamper_sites(*bytes, MessageType::prekey_message)) {
                if (site.target == "kyber_ciphertext") {
                    (*bytes)[site.offset] ^= static_cast<std::uint8_t>(1u << site.bit);
                    flipped = true;
                }
            }
            ASSERT_TRUE(flipped);
        }
        const Json answer = request(seat,
                                    Json{{"cmd", "decrypt"},
                                         {"peer", v4::alice_address()},
                                         {"type", 3},
                                         {"message", harness::to_hex(*bytes)}},
                                    failure);
        ASSERT_TRUE(failure.empty()) << failure;
        EXPECT_TRUE(answer.value("ok", false)) << answer.dump();
        EXPECT_EQ(answer.value("plaintext", ""), (*event)["plaintext"]);
    }
}

}  // namespace
}  // namespace ratchetcheck
