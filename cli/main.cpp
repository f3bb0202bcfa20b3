// ratchetcheck: the command-line entry point for auditors, CI and researchers.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "vectors_command.hpp"

int main(int argc, char** argv) {
    CLI::App app{"ratchetcheck: a checked reference implementation of X3DH and the Double Ratchet"};
    app.require_subcommand(1);

    std::vector<std::string> vector_paths;
    auto* vectors = app.add_subcommand(
        "vectors", "Replay ratchet-transcript/1 files (or directories of them) byte for byte");
    vectors->add_option("paths", vector_paths, "Transcript files or directories")->required();

    CLI11_PARSE(app, argc, argv);

    if (vectors->parsed()) return ratchetcheck::cli::run_vectors(vector_paths);
    return 2;
}
