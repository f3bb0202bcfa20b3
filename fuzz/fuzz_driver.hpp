// The shared driver of every fuzz target (docs/fuzzing.md): each target defines `fuzz_target`
// (its name and input size cap) and `fuzz_one_input`; the driver defines LLVMFuzzerTestOneInput
// around them, and replay_main.cpp gives the same target a main() that runs corpus files through
// it without libFuzzer (the g++ builds, ctest label fuzz-replay).
//
// A failed check calls fail(), which prints what broke and how to replay it, then aborts: an
// abort is what libFuzzer (and ctest) report as a crash, with the input that caused it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::fuzz {

// FuzzTarget describes one target. Inputs longer than `max_input_bytes` are skipped (and kept
// out of the corpus): every target's interesting inputs are far smaller, and a cap keeps the
// per-input time bounded so that libFuzzer's timeouts mean a real hang.
struct FuzzTarget {
    const char* name;
    std::size_t max_input_bytes;
};

// Defined once per target (one .cpp file per target).
extern const FuzzTarget fuzz_target;
void fuzz_one_input(ByteView input);

// fail reports a violated check of the current target and aborts. `what` says which property
// broke and with what values.
[[noreturn]] void fail(std::string_view what);

// require fails with `what` unless `condition` holds.
inline void require(bool condition, std::string_view what) {
    if (!condition)
        fail(what);
}

// hex renders bytes for failure messages (at most the first 96 bytes, then an ellipsis).
std::string hex(ByteView bytes);

// set_replay_input names the corpus file being replayed, so that fail() prints its replay command
// (replay_main.cpp); under libFuzzer it stays empty and libFuzzer names the crash file itself.
void set_replay_input(std::string path, std::string executable);

}  // namespace ratchetcheck::fuzz
