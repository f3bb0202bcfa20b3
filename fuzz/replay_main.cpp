// main() of a target built without libFuzzer (g++, the default and asan presets): every file
// argument, and every regular file of every directory argument (in name order), is run once
// through LLVMFuzzerTestOneInput. This is the corpus replay of ctest label fuzz-replay; a failing
// input aborts with its replay command (fuzz_driver.cpp).
//
// Each input is handed over in a heap block of exactly its size, as libFuzzer does, so that
// AddressSanitizer (asan preset) reports an over-read of even one byte; the file is read into a
// growing std::vector, whose spare capacity would hide it (replay_overread_probe.cpp shows it).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool replay_file(const std::filesystem::path& file, const char* executable) {
    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
        std::fprintf(stderr, "replay: cannot open %s\n", file.c_str());
        return false;
    }
    const std::vector<std::uint8_t> contents{std::istreambuf_iterator<char>(stream),
                                             std::istreambuf_iterator<char>()};
    // new[] of 0 bytes gives a distinct non-null pointer to nothing: an empty input is a valid
    // pointer that may not be read, as under libFuzzer.
    const std::unique_ptr<std::uint8_t[]> input(new std::uint8_t[contents.size()]);
    std::copy(contents.begin(), contents.end(), input.get());
    ratchetcheck::fuzz::set_replay_input(file.string(), executable);
    LLVMFuzzerTestOneInput(input.get(), contents.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
        return 2;
    }
    std::size_t replayed = 0;
    for (int index = 1; index < argc; ++index) {
        const std::filesystem::path argument(argv[index]);
        std::vector<std::filesystem::path> files;
        if (std::filesystem::is_directory(argument)) {
            for (const auto& entry : std::filesystem::directory_iterator(argument)) {
                if (entry.is_regular_file())
                    files.push_back(entry.path());
            }
            std::sort(files.begin(), files.end());
            if (files.empty()) {
                // An empty corpus directory replays nothing and would pass for the wrong reason.
                std::fprintf(stderr, "replay: %s holds no files\n", argument.c_str());
                return 2;
            }
        } else {
            files.push_back(argument);
        }
        for (const auto& file : files) {
            if (!replay_file(file, argv[0]))
                return 2;
            ++replayed;
        }
    }
    std::printf("fuzz_%s: %zu input(s) replayed, no check failed\n",
                ratchetcheck::fuzz::fuzz_target.name, replayed);
    return 0;
}
