// Random interop op traces: the scenarios of the live interop suite, drawn from a seed, written
// in the op-trace language so that they run through the side-by-side runner and any failure
// shrinks to a trace `ratchetcheck replay --peer libsignal` runs.
#pragma once

#include <cstdint>
#include <optional>

#include "ratchetcheck/harness/op_trace.hpp"

namespace ratchetcheck::interop {

// generate_interop_trace draws a trace with signal-v3 limits from `seed`: sends from both sides
// (single messages and bursts), deliveries in and out of order across ratchet steps, duplicates,
// drops, tampered and truncated copies (the genuine message is still delivered afterwards), and a
// final flush that delivers everything still in flight in random order. Every op applies.
harness::OpTrace generate_interop_trace(std::uint64_t seed);

// generate_interop_trace with a profile: for signal-v3 the very trace above; for signal-v4-pqxdh
// the same kinds of scenario, with Bob's bundle carrying a one-time Kyber prekey or only his
// last-resort one, and a share of the tampers aimed at a PreKeySignalMessage's Kyber ciphertext
// (its last 1569 bytes: positions 450 to 1650 of a message of at least ~1700 bytes).
harness::OpTrace generate_interop_trace(std::uint64_t seed, harness::TraceProfile profile);

// environment_number reads the number in environment variable `name` (decimal, or 0x hex), or
// nullopt when it is unset or empty; text that is not a number is a test failure (and nullopt).
// The suites' knobs: RATCHETCHECK_INTEROP_*, RATCHETCHECK_V4_INTEROP_*.
std::optional<std::uint64_t> environment_number(const char* name);

}  // namespace ratchetcheck::interop
