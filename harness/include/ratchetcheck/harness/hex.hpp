// Hex encoding helpers for test data and reports.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::harness {

// to_hex returns the lowercase hex form of `bytes`.
std::string to_hex(ByteView bytes);

// from_hex parses an even-length hex string (either case); nullopt on any other character or an
// odd length.
std::optional<Bytes> from_hex(std::string_view text);

}  // namespace ratchetcheck::harness
