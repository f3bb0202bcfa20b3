#include "support.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

namespace ratchetcheck::evidence {

std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (const char character : text) {
        if (character == '\'')
            quoted += "'\\''";
        else
            quoted += character;
    }
    return quoted + "'";
}

namespace {

int decoded_status(int raw) {
    if (raw == -1)
        return -1;
    if (WIFEXITED(raw))
        return WEXITSTATUS(raw);
    if (WIFSIGNALED(raw))
        return 128 + WTERMSIG(raw);
    return -1;
}

}  // namespace

CommandRun run_logged(const std::string& command, const std::filesystem::path& log,
                      const std::string& label, const std::function<std::string()>& counts) {
    const auto start = std::chrono::steady_clock::now();
    const auto elapsed = [&start] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    // The progress line is redrawn only on a terminal: a log file or a ctest capture gets the
    // final line of each check and nothing else.
    const bool terminal = isatty(STDOUT_FILENO) == 1;
    std::mutex mutex;
    std::condition_variable finished_signal;
    bool finished = false;
    std::thread progress;
    if (terminal) {
        progress = std::thread([&] {
            std::unique_lock lock(mutex);
            while (!finished_signal.wait_for(lock, std::chrono::seconds(1),
                                             [&finished] { return finished; })) {
                const std::string live = counts ? counts() : std::string();
                fmt::print("\r  {:<16} {:>6.0f} s  {:<50}", label, elapsed(), live);
                std::fflush(stdout);
            }
        });
    }
    const std::string line =
        fmt::format("( {} ) >> {} 2>&1 < /dev/null", command, shell_quote(log.string()));
    const int status = decoded_status(std::system(line.c_str()));
    {
        const std::lock_guard lock(mutex);
        finished = true;
    }
    finished_signal.notify_all();
    if (progress.joinable()) {
        progress.join();
        fmt::print("\r{:<80}\r", "");
    }
    return {.exit_status = status, .seconds = elapsed()};
}

std::optional<std::string> capture(const std::string& command) {
    std::FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr)
        return std::nullopt;
    std::string output;
    std::array<char, 4096> buffer{};
    std::size_t read = 0;
    while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        output.append(buffer.data(), read);
    if (decoded_status(pclose(pipe)) != 0)
        return std::nullopt;
    return output;
}

std::string first_line(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
        line.pop_back();
    return line;
}

std::optional<std::string> read_text(const std::filesystem::path& path) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream)
        return std::nullopt;
    std::ostringstream contents;
    contents << stream.rdbuf();
    return contents.str();
}

bool write_text(const std::filesystem::path& path, const std::string& text) {
    std::error_code error;
    if (path.has_parent_path())
        std::filesystem::create_directories(path.parent_path(), error);
    std::ofstream stream(path, std::ios::binary | std::ios::trunc);
    stream << text;
    return static_cast<bool>(stream);
}

std::optional<std::string> sha256_of_file(const std::filesystem::path& path) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream)
        return std::nullopt;
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                          &EVP_MD_CTX_free);
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
        return std::nullopt;
    std::vector<char> buffer(1 << 16);
    while (stream) {
        stream.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto count = static_cast<std::size_t>(stream.gcount());
        if (count > 0 && EVP_DigestUpdate(context.get(), buffer.data(), count) != 1)
            return std::nullopt;
    }
    if (stream.bad())
        return std::nullopt;
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1)
        return std::nullopt;
    std::string hex;
    for (unsigned int index = 0; index < length; ++index)
        hex += fmt::format("{:02x}", digest[index]);
    return hex;
}

std::string html_escape(const std::string& text) {
    std::string escaped;
    escaped.reserve(text.size());
    for (const char character : text) {
        switch (character) {
            case '&':
                escaped += "&amp;";
                break;
            case '<':
                escaped += "&lt;";
                break;
            case '>':
                escaped += "&gt;";
                break;
            case '"':
                escaped += "&quot;";
                break;
            case '\'':
                escaped += "&#39;";
                break;
            default:
                escaped += character;
        }
    }
    return escaped;
}

std::string last_line_matching(const std::string& text, const std::string& needle) {
    std::istringstream lines(text);
    std::string line;
    std::string last;
    while (std::getline(lines, line)) {
        if (line.find(needle) != std::string::npos)
            last = line;
    }
    return last;
}

std::string cache_value(const std::filesystem::path& build, const std::string& variable) {
    const std::string cache = read_text(build / "CMakeCache.txt").value_or("");
    std::istringstream lines(cache);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(variable + ":", 0) != 0)
            continue;
        const std::size_t equals = line.find('=');
        if (equals != std::string::npos)
            return line.substr(equals + 1);
    }
    return "";
}

std::string compile_flags(const std::filesystem::path& build, const std::string& source_suffix) {
    using nlohmann::json;
    const std::optional<std::string> text = read_text(build / "compile_commands.json");
    if (!text)
        return "unknown (no compile_commands.json)";
    try {
        for (const json& entry : json::parse(*text)) {
            const std::string file = entry.value("file", "");
            if (file.size() < source_suffix.size() ||
                file.compare(file.size() - source_suffix.size(), source_suffix.size(),
                             source_suffix) != 0)
                continue;
            std::istringstream words(entry.value("command", ""));
            std::string word;
            std::string flags;
            bool skip_next = false;
            while (words >> word) {
                if (skip_next) {
                    skip_next = false;
                    continue;
                }
                if (word == "-o" || word == "-c" || word == "-isystem" || word == "-MF" ||
                    word == "-MT") {
                    skip_next = true;
                    continue;
                }
                if (word.rfind("-I", 0) == 0 || word.rfind("-D", 0) == 0 || word == "-MD")
                    continue;
                flags += (flags.empty() ? "" : " ") + word;
            }
            return flags;
        }
    } catch (const json::exception&) {
        return "unknown (compile_commands.json unreadable)";
    }
    return fmt::format("unknown ({} not in compile_commands.json)", source_suffix.substr(1));
}

}  // namespace ratchetcheck::evidence
