// Helpers shared by the known-answer tests: hex test data, the shared data directory, JSON.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::kat {

// bytes_from_hex parses hex test data (typed from a spec or read from a vector file). It throws
// std::invalid_argument on anything that is not even-length hex, so a typo in test data fails the
// test that uses it instead of silently testing other bytes.
Bytes bytes_from_hex(std::string_view hex);

// array_from_hex parses exactly N bytes of hex; throws std::invalid_argument on any other length.
template <std::size_t N>
std::array<std::uint8_t, N> array_from_hex(std::string_view hex) {
    const Bytes bytes = bytes_from_hex(hex);
    if (bytes.size() != N) {
        throw std::invalid_argument(std::string("expected ").append(std::to_string(N)) +
                                    " bytes of hex, got " + std::to_string(bytes.size()) + ": " +
                                    std::string(hex));
    }
    std::array<std::uint8_t, N> array{};
    std::copy(bytes.begin(), bytes.end(), array.begin());
    return array;
}

// bytes_of_text returns the bytes of an ASCII string (RFC test data given as text).
Bytes bytes_of_text(std::string_view text);

// hex_of returns the lowercase hex form of `bytes`, for failure messages.
std::string hex_of(ByteView bytes);

// is_all_zero says whether every byte of `bytes` is zero.
bool is_all_zero(ByteView bytes);

// shared_path returns RATCHETCHECK_SHARED_DIR / `relative` (the read-only shared data).
std::filesystem::path shared_path(std::string_view relative);

// load_json parses the JSON file at `path`; throws std::runtime_error when the file is missing
// or unreadable (nlohmann's parse_error when it is not JSON), so a missing vector file is a test
// failure, never a silent skip.
nlohmann::json load_json(const std::filesystem::path& path);

// report prints one summary line of a KAT run to stdout (visible in `ctest -V` and the test log)
// and records it as a gtest property under `key` (visible in the XML/JSON test report).
void report(const std::string& key, const std::string& line);

}  // namespace ratchetcheck::kat
