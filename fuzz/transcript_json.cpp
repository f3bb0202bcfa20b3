// Fuzz target transcript_json: the transcript reader behind `ratchetcheck vectors`
// (harness/transcript.hpp, ../shared/vectors/SCHEMA.md) on any text, and the replay of whatever
// it accepts. Asserts: no crash, no escaped exception, no sanitizer finding; the reader either
// names the bad field or returns a transcript whose keys and fields have the sizes the schema
// gives, and replaying that transcript (keys injected) ends in a verdict, pass or fail.
// @evidence check=fuzz:transcript_json functions=SF.INPUT_VALIDATION
#include <string_view>
#include <variant>

#include "fuzz_driver.hpp"
#include "ratchetcheck/harness/transcript.hpp"

namespace ratchetcheck::fuzz {

const FuzzTarget fuzz_target{"transcript_json", std::size_t{32} * 1024};

void fuzz_one_input(ByteView input) {
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    auto parsed = harness::parse_transcript(text, "fuzz-input.json");
    if (const auto* error = std::get_if<harness::TranscriptError>(&parsed)) {
        require(!error->message().empty(), "a transcript error without a message");
        return;
    }
    const harness::Transcript& transcript = std::get<harness::Transcript>(parsed);
    for (const harness::TranscriptEvent& event : transcript.events) {
        for (const harness::TranscriptKey& key : event.fresh_keys)
            require(key.private_key.size() == 32 && key.public_key.size() == 33,
                    "the reader accepted a fresh key of the wrong size");
    }
    const harness::ReplayResult result = harness::replay_transcript(transcript);
    require(result.passed || !result.failure.empty(), "a failed replay without a reason");
}

}  // namespace ratchetcheck::fuzz
