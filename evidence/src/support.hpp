// Helpers of `ratchetcheck evidence`: running a command with its output logged and a live
// progress line, reading files, hashing them, quoting for the shell, HTML escaping.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace ratchetcheck::evidence {

// shell_quote quotes `text` as one POSIX shell word.
std::string shell_quote(const std::string& text);

// CommandRun is how a command ended: its exit status (128 + N when killed by signal N, -1 when it
// could not be started) and its wall-clock seconds.
struct CommandRun {
    int exit_status = -1;
    double seconds = 0;
};

// run_logged runs `command` with sh, its stdout and stderr appended to `log`, and while it runs
// rewrites one terminal line: "label  elapsed  counts()" every second (counts may be empty).
CommandRun run_logged(const std::string& command, const std::filesystem::path& log,
                      const std::string& label, const std::function<std::string()>& counts);

// capture runs `command` and returns its stdout, or nothing when it could not run or exited
// non-zero.
std::optional<std::string> capture(const std::string& command);

// first_line is the first line of `text`, without its end of line.
std::string first_line(const std::string& text);

// read_text reads a whole file; nothing when it cannot be opened.
std::optional<std::string> read_text(const std::filesystem::path& path);

// write_text writes `text` to `path`, creating its directory; false on failure.
bool write_text(const std::filesystem::path& path, const std::string& text);

// sha256_of_file is the lowercase hex SHA-256 of a file's bytes; nothing when it cannot be read.
std::optional<std::string> sha256_of_file(const std::filesystem::path& path);

// html_escape escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(const std::string& text);

// last_line_matching is the last line of `text` that contains `needle`, or "".
std::string last_line_matching(const std::string& text, const std::string& needle);

// cache_value reads VARIABLE:TYPE=value from a build tree's CMakeCache.txt; "" when absent.
std::string cache_value(const std::filesystem::path& build, const std::string& variable);

// compile_flags is the compile command of the source whose path ends with `source_suffix` in the
// build's compile_commands.json, less the include paths, definitions and file names: the compiler
// and the flags that source was built with (every source of one target gets the same ones).
// Explains itself ("unknown (...)") when the database or the source is missing.
std::string compile_flags(const std::filesystem::path& build,
                          const std::string& source_suffix = "/cli/main.cpp");

}  // namespace ratchetcheck::evidence
