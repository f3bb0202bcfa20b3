// The profile of an op trace (docs/op-trace.md, "Profiles"): a trace that names none is signal-v3,
// as every trace and corpus file written before issue 23 is; signal-v4-pqxdh is named in the JSON
// form by the profile's "name" and in the byte form by two whole values of the header's reserved
// bits, chosen so that no existing fuzz corpus file changes meaning.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <variant>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/op_trace_codec.hpp"

namespace ratchetcheck::harness {
namespace {

constexpr const char* v3_json =
    R"({"format":"ratchetcheck-op-trace/1","setup":{"key_seed":"2a","one_time_prekey":true,)"
    R"("profile":{"max_forward_jump":2000,"max_skipped_keys_per_chain":2000,)"
    R"("max_skipped_keys_total":10000,"max_receiving_chains":5}},"ops":[]})";

std::string v4_json(const std::string& name_and_kyber) {
    return R"({"format":"ratchetcheck-op-trace/1","setup":{"key_seed":"2a","one_time_prekey":true,)" +
           name_and_kyber + R"(}},"ops":[{"op":"send","party":"alice","size":1}]})";
}

TEST(TraceProfile, AJsonTraceWithoutAProfileNameIsSignalV3AndIsWrittenAsBefore) {
    auto parsed = trace_from_json(v3_json);
    ASSERT_TRUE(std::holds_alternative<OpTrace>(parsed));
    const OpTrace& trace = std::get<OpTrace>(parsed);
    EXPECT_EQ(trace.setup.profile, TraceProfile::signal_v3);
    EXPECT_EQ(profile_for(trace.setup).name, Profile::signal_v3().name);
    const std::string written = trace_to_json(trace);
    EXPECT_EQ(written.find("signal-v"), std::string::npos) << written;
    EXPECT_EQ(written.find("kyber"), std::string::npos) << written;
}

TEST(TraceProfile, AJsonTraceNamesSignalV4PqxdhAndWhetherTheKyberPrekeyIsOneTime) {
    auto parsed = trace_from_json(v4_json(
        R"("one_time_kyber_prekey":false,"profile":{"name":"signal-v4-pqxdh","max_forward_jump":2000,)"
        R"("max_skipped_keys_per_chain":2000,"max_skipped_keys_total":10000,"max_receiving_chains":5)"));
    ASSERT_TRUE(std::holds_alternative<OpTrace>(parsed))
        << std::get<TraceParseError>(parsed).message();
    const OpTrace& trace = std::get<OpTrace>(parsed);
    EXPECT_EQ(trace.setup.profile, TraceProfile::signal_v4_pqxdh);
    EXPECT_FALSE(trace.setup.one_time_kyber_prekey);
    const Profile profile = profile_for(trace.setup);
    EXPECT_EQ(profile.name, Profile::signal_v4_pqxdh().name);
    EXPECT_EQ(profile.key_agreement, KeyAgreement::pqxdh);
    EXPECT_EQ(profile.message_version, 4);
    auto again = trace_from_json(trace_to_json(trace));
    ASSERT_TRUE(std::holds_alternative<OpTrace>(again));
    EXPECT_EQ(std::get<OpTrace>(again), trace);
}

TEST(TraceProfile, AnUnknownProfileOrAKyberChoiceUnderSignalV3IsRefusedByName) {
    auto unknown = trace_from_json(v4_json(
        R"("profile":{"name":"signal-v5","max_forward_jump":2000,"max_skipped_keys_per_chain":2000,)"
        R"("max_skipped_keys_total":10000,"max_receiving_chains":5)"));
    ASSERT_TRUE(std::holds_alternative<TraceParseError>(unknown));
    EXPECT_EQ(std::get<TraceParseError>(unknown).field, ".setup.profile.name");
    auto kyber_under_v3 = trace_from_json(v4_json(
        R"("one_time_kyber_prekey":false,"profile":{"max_forward_jump":2000,)"
        R"("max_skipped_keys_per_chain":2000,"max_skipped_keys_total":10000,"max_receiving_chains":5)"));
    ASSERT_TRUE(std::holds_alternative<TraceParseError>(kyber_under_v3));
    EXPECT_NE(std::get<TraceParseError>(kyber_under_v3).problem.find("one_time_kyber_prekey"),
              std::string::npos);
}

// The byte form: header 0x18 (with a one-time Kyber prekey) and 0x98 (last-resort only), plus the
// two low flag bits, are signal-v4-pqxdh; every other nonzero value of bits 2-7 stays reserved.
TEST(TraceProfile, TheByteFormMarksSignalV4ByTwoHeaderValuesOnly) {
    Bytes header(9, 0);
    header[0] = 0x19;  // v4, one-time Kyber prekey, one-time EC prekey
    const OpTrace one_time = decode_trace_lenient(header);
    EXPECT_EQ(one_time.setup.profile, TraceProfile::signal_v4_pqxdh);
    EXPECT_TRUE(one_time.setup.one_time_kyber_prekey);
    EXPECT_TRUE(one_time.setup.one_time_prekey);
    header[0] = static_cast<std::uint8_t>(0x98);
    const OpTrace last_resort = decode_trace_lenient(header);
    EXPECT_EQ(last_resort.setup.profile, TraceProfile::signal_v4_pqxdh);
    EXPECT_FALSE(last_resort.setup.one_time_kyber_prekey);
    auto strict = decode_trace_strict(header);
    ASSERT_TRUE(std::holds_alternative<OpTrace>(strict)) << std::get<std::string>(strict);
    EXPECT_EQ(encode_trace(std::get<OpTrace>(strict)), header);
    for (const std::uint8_t reserved : {0x04, 0x08, 0x10, 0x14, 0x1c, 0x80, 0x88, 0xfc}) {
        header[0] = reserved;
        EXPECT_EQ(decode_trace_lenient(header).setup.profile, TraceProfile::signal_v3)
            << "header " << int{reserved};
        EXPECT_TRUE(std::holds_alternative<std::string>(decode_trace_strict(header)))
            << "header " << int{reserved};
    }
}

// Every byte-form corpus file decodes to a signal-v3 trace, as it did before profiles existed
// (lenient decoding ignores reserved bits, and the corpora hold every single one of them set).
TEST(TraceProfile, EveryExistingByteCorpusFileStillDecodesToSignalV3) {
    namespace fs = std::filesystem;
    std::size_t files = 0;
    for (const char* target : {"interaction", "differential_model", "differential_libsignal"}) {
        const fs::path directory = fs::path(RATCHETCHECK_CORPUS_DIR).parent_path() / target;
        ASSERT_TRUE(fs::is_directory(directory)) << directory;
        for (const auto& entry : fs::directory_iterator(directory)) {
            std::ifstream file(entry.path(), std::ios::binary);
            const std::string content((std::istreambuf_iterator<char>(file)),
                                      std::istreambuf_iterator<char>());
            // differential_libsignal's first byte picks the seat; the trace follows it.
            const std::size_t skip = std::string(target) == "differential_libsignal" ? 1 : 0;
            if (content.size() <= skip)
                continue;
            const Bytes bytes(content.begin() + static_cast<std::ptrdiff_t>(skip), content.end());
            EXPECT_EQ(decode_trace_lenient(bytes).setup.profile, TraceProfile::signal_v3)
                << entry.path();
            ++files;
        }
    }
    EXPECT_GT(files, 1000u);
}

}  // namespace
}  // namespace ratchetcheck::harness
