// `ratchetcheck --version` and the usage shown when no subcommand is given.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace ratchetcheck::cli {

// version_text returns what --version prints: this program's version (the CMake project
// version), the git commit it was built from ("unknown" outside a git checkout, "-dirty" when
// tracked files differed from it), and the versions of the libraries it uses: libsodium and
// OpenSSL as linked at run time, fmt, nlohmann_json and CLI11 as compiled in.
std::string version_text();

// add_version_flag adds --version to `app`: it prints version_text() and exits with status 0.
void add_version_flag(CLI::App& app);

// usage_error prints the usage of `app` to standard error and returns 2, the exit status for a
// command line that names no subcommand.
int usage_error(const CLI::App& app);

}  // namespace ratchetcheck::cli
