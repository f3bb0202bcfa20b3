#include "vectors_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <variant>

#include "ratchetcheck/harness/transcript.hpp"

namespace ratchetcheck::cli {

int run_vectors(const std::vector<std::string>& paths) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    for (const std::string& path : paths) {
        std::error_code error;
        if (fs::is_directory(path, error)) {
            std::vector<fs::path> found;
            for (const auto& entry : fs::directory_iterator(path, error)) {
                if (entry.is_regular_file() && entry.path().extension() == ".json") {
                    found.push_back(entry.path());
                }
            }
            std::sort(found.begin(), found.end());
            if (found.empty()) {
                fmt::print(stderr, "ratchetcheck vectors: {}: no *.json transcripts\n", path);
                return 2;
            }
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::exists(path, error)) {
            files.emplace_back(path);
        } else {
            fmt::print(stderr, "ratchetcheck vectors: {}: no such file or directory\n", path);
            return 2;
        }
    }

    std::size_t passed = 0;
    std::size_t failed = 0;
    for (const fs::path& file : files) {
        auto loaded = harness::load_transcript(file);
        if (const auto* error = std::get_if<harness::TranscriptError>(&loaded)) {
            fmt::print("FAIL {}: malformed transcript: {}\n", file.string(), error->message());
            ++failed;
            continue;
        }
        const auto& transcript = std::get<harness::Transcript>(loaded);
        const harness::ReplayResult result = harness::replay_transcript(transcript);
        if (result.passed) {
            if (result.not_replayed == 0) {
                fmt::print("pass {} ({} events, {} decrypted, {} rejected)\n", transcript.name,
                           result.events, result.decrypt_ok, result.decrypt_rejected);
            } else {
                // signal-v4-pqxdh: the other implementation's events are inputs, not replayed.
                fmt::print(
                    "pass {} ({} events, {} decrypted, {} rejected, {} by the other "
                    "implementation not replayed)\n",
                    transcript.name, result.events, result.decrypt_ok, result.decrypt_rejected,
                    result.not_replayed);
            }
            ++passed;
        } else {
            fmt::print("FAIL {} at seq {}: {}\n", transcript.name,
                       result.failing_seq ? std::to_string(*result.failing_seq) : "-",
                       result.failure);
            ++failed;
        }
        for (const std::string& note : result.notes)
            fmt::print("  note: {}\n", note);
    }
    fmt::print("{} passed, {} failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}

}  // namespace ratchetcheck::cli
