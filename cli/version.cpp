#include "version.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "ratchetcheck_git_commit.hpp"  // generated at build time: RATCHETCHECK_GIT_COMMIT

namespace ratchetcheck::cli {

std::string version_text() {
    return fmt::format(
        "ratchetcheck {}\n"
        "commit {}\n"
        "libsodium {}\n"
        "OpenSSL {}\n"
        "fmt {}.{}.{}\n"
        "nlohmann_json {}.{}.{}\n"
        "CLI11 {}",
        RATCHETCHECK_VERSION, RATCHETCHECK_GIT_COMMIT, sodium_version_string(),
        OpenSSL_version(OPENSSL_VERSION_STRING), FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
        FMT_VERSION % 100, NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
        NLOHMANN_JSON_VERSION_PATCH, CLI11_VERSION);
}

void add_version_flag(CLI::App& app) {
    app.set_version_flag("--version", [] { return version_text(); });
}

int usage_error(const CLI::App& app) {
    std::cerr << app.help() << "A subcommand is required.\n";
    return 2;
}

}  // namespace ratchetcheck::cli
