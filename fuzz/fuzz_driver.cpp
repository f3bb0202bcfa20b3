// LLVMFuzzerTestOneInput for every target: the size cap, and any escaped exception turned into a
// failure (the protocol reports errors as values, so an exception is a bug).
#include "fuzz_driver.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace ratchetcheck::fuzz {
namespace {

std::string& replay_input() {
    static std::string path;
    return path;
}

std::string& replay_executable() {
    static std::string executable;
    return executable;
}

}  // namespace

void set_replay_input(std::string path, std::string executable) {
    replay_input() = std::move(path);
    replay_executable() = std::move(executable);
}

void fail(std::string_view what) {
    std::fprintf(stderr, "\nratchetcheck fuzz target %s: CHECK FAILED: %.*s\n", fuzz_target.name,
                 static_cast<int>(what.size()), what.data());
    if (!replay_input().empty()) {
        std::fprintf(stderr, "replay: %s %s\n", replay_executable().c_str(),
                     replay_input().c_str());
    } else {
        std::fprintf(stderr,
                     "replay: the fuzzer's crash file, with build/fuzz/bin/fuzz_%s CRASH_FILE (or "
                     "build/default/bin/fuzz_%s CRASH_FILE without libFuzzer)\n",
                     fuzz_target.name, fuzz_target.name);
    }
    std::fflush(stderr);
    std::abort();
}

std::string hex(ByteView bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    constexpr std::size_t shown = 96;
    std::string text;
    for (std::size_t index = 0; index < bytes.size() && index < shown; ++index) {
        text += digits[bytes[index] >> 4];
        text += digits[bytes[index] & 0x0f];
    }
    if (bytes.size() > shown)
        text += "... (" + std::to_string(bytes.size()) + " bytes)";
    return text;
}

}  // namespace ratchetcheck::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using ratchetcheck::fuzz::fuzz_target;
    if (size > fuzz_target.max_input_bytes)
        return -1;  // libFuzzer: do not add this input to the corpus
    try {
        ratchetcheck::fuzz::fuzz_one_input(ratchetcheck::ByteView(data, size));
    } catch (const std::exception& exception) {
        ratchetcheck::fuzz::fail(std::string("exception escaped: ") + exception.what());
    } catch (...) {
        ratchetcheck::fuzz::fail("a non-standard exception escaped");
    }
    return 0;
}
