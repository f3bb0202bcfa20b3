// ratchetcheck: the command-line entry point for auditors, CI and researchers.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "replay_command.hpp"
#include "vectors_command.hpp"
#include "version.hpp"

namespace {

int run(int argc, char** argv) {
    CLI::App app{"ratchetcheck: a checked reference implementation of X3DH and the Double Ratchet"};
    app.require_subcommand(0, 1);
    ratchetcheck::cli::add_version_flag(app);

    std::vector<std::string> vector_paths;
    auto* vectors = app.add_subcommand(
        "vectors", "Replay ratchet-transcript/1 files (or directories of them) byte for byte");
    vectors->add_option("paths", vector_paths, "Transcript files or directories")->required();

    std::string trace_path;
    ratchetcheck::cli::ReplayOptions replay_options;
    auto* replay = app.add_subcommand(
        "replay",
        "Run an op trace (docs/op-trace.md) on the implementation and the model side by side; "
        "exit 1 at the first divergence");
    replay->add_option("trace", trace_path, "Trace file: JSON (*.json) or the compact byte form")
        ->required();
    replay->add_option(
        "--record", replay_options.record_path,
        "After a clean run, write the trace with the model's outcomes as expectations "
        "to this file");
    replay->add_option("--peer", replay_options.peer,
                       "Also run the trace with this implementation (libsignal) in a seat and "
                       "report every op where its outcome differs from ours");
    replay
        ->add_option("--seat", replay_options.seat,
                     "Where the peer sits: each (Bob, then Alice), alice, bob or both")
        ->check(CLI::IsMember({"each", "alice", "bob", "both"}));
    replay->add_flag("--verbose", replay_options.verbose,
                     "With --peer: print every step of every run");

    CLI11_PARSE(app, argc, argv);

    if (vectors->parsed())
        return ratchetcheck::cli::run_vectors(vector_paths);
    if (replay->parsed())
        return ratchetcheck::cli::run_replay(trace_path, replay_options);
    return ratchetcheck::cli::usage_error(app);
}

}  // namespace

// An exception that reaches main (a filesystem error while listing a directory, an allocation
// failure) is reported as a run that could not complete (status 2) instead of calling
// std::terminate; std::fprintf, because fmt::print may itself throw.
int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "ratchetcheck: %s\n", error.what());
        return 2;
    }
}
