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
#include <type_traits>

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
template <std::size_t Size>
void require(bool condition, const char (&what)[Size]) {
    if (!condition)
        fail(what);
}

// require fails with the message `describe()` returns unless `condition` holds. A message with
// values in it is built only when the check fails: the checks run on every input, and building
// a std::string there (an allocation under AddressSanitizer each time, a hex dump for some) cost
// the targets several percent of their speed. There is deliberately no overload for a
// std::string, so a message computed before the call does not compile.
template <typename Describe>
requires std::is_invocable_r_v<std::string, Describe&>
void require(bool condition, Describe&& describe) {
    if (!condition)
        fail(describe());
}

// hex renders bytes for failure messages (at most the first 96 bytes, then an ellipsis).
std::string hex(ByteView bytes);

// set_replay_input names the corpus file being replayed, so that fail() prints its replay command
// (replay_main.cpp); under libFuzzer it stays empty and libFuzzer names the crash file itself.
void set_replay_input(std::string path, std::string executable);

}  // namespace ratchetcheck::fuzz
