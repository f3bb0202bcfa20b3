#include "ratchetcheck/harness/hex.hpp"

namespace ratchetcheck::harness {

std::string to_hex(ByteView bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    text.reserve(bytes.size() * 2);
    for (std::uint8_t byte : bytes) {
        text.push_back(digits[byte >> 4]);
        text.push_back(digits[byte & 15]);
    }
    return text;
}

namespace {
int nibble(char character) {
    if (character >= '0' && character <= '9')
        return character - '0';
    if (character >= 'a' && character <= 'f')
        return character - 'a' + 10;
    if (character >= 'A' && character <= 'F')
        return character - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<Bytes> from_hex(std::string_view text) {
    if (text.size() % 2 != 0)
        return std::nullopt;
    Bytes bytes(text.size() / 2);
    for (std::size_t index = 0; index < bytes.size(); ++index) {
        const int high = nibble(text[2 * index]);
        const int low = nibble(text[2 * index + 1]);
        if (high < 0 || low < 0)
            return std::nullopt;
        bytes[index] = static_cast<std::uint8_t>((high << 4) | low);
    }
    return bytes;
}

}  // namespace ratchetcheck::harness
