#include "kat_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "ratchetcheck/harness/hex.hpp"

namespace ratchetcheck::kat {

Bytes bytes_from_hex(std::string_view hex) {
    std::optional<Bytes> bytes = harness::from_hex(hex);
    if (!bytes)
        throw std::invalid_argument("not hex: " + std::string(hex));
    return std::move(*bytes);
}

Bytes bytes_of_text(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

std::string hex_of(ByteView bytes) {
    return harness::to_hex(bytes);
}

bool is_all_zero(ByteView bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t byte) { return byte == 0; });
}

std::filesystem::path shared_path(std::string_view relative) {
    return std::filesystem::path(RATCHETCHECK_SHARED_DIR) / relative;
}

nlohmann::json load_json(const std::filesystem::path& path) {
    std::ifstream stream(path);
    if (!stream)
        throw std::runtime_error("cannot open " + path.string());
    return nlohmann::json::parse(stream);
}

void report(const std::string& key, const std::string& line) {
    std::cout << line << std::endl;
    ::testing::Test::RecordProperty(key, line);
}

}  // namespace ratchetcheck::kat
