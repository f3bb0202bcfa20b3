// ratchetcheck: the command-line entry point for auditors, CI and researchers.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "prove_command.hpp"
#include "ratchetcheck/evidence/evidence.hpp"
#include "replay_command.hpp"
#include "session_records_command.hpp"
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
                       "Also run the trace with this implementation (libsignal for signal-v3, "
                       "libsignal-client for signal-v4-pqxdh) in a seat and "
                       "report every op where its outcome differs from ours");
    replay
        ->add_option("--seat", replay_options.seat,
                     "Where the peer sits: each (Bob, then Alice), alice, bob or both")
        ->check(CLI::IsMember({"each", "alice", "bob", "both"}));
    replay->add_flag("--verbose", replay_options.verbose,
                     "With --peer: print every step of every run");
    replay
        ->add_flag("--json", replay_options.json,
                   "Print one JSON document: per op the expected and actual outcomes and the "
                   "message header (ratchet key prefix, N, PN, sizes)")
        ->excludes("--peer")
        ->excludes("--record");

    std::size_t session_record_ops = 6;
    auto* session_records = app.add_subcommand(
        "session-records",
        "Derive the session-record state machine (current and archived sessions) by exploring "
        "this build's Party over every op sequence up to a bound; print it as JSON");
    session_records->add_option("--max-ops", session_record_ops,
                                "The exploration bound: op sequences of up to this many ops "
                                "(default 6)");

    ratchetcheck::cli::ProveOptions prove_options;
    auto* prove = app.add_subcommand(
        "prove",
        "Prove the invariant catalogue of the model by induction (Z3), unbounded in counters and "
        "limits, and find each invariant's witness: the variant under which it fails");
    prove->add_option("--json", prove_options.json_path, "Write the results as JSON to FILE");
    prove->add_option("--smt2-dir", prove_options.smt2_directory,
                      "Write every proof obligation as a standalone SMT-LIB2 file to DIR");
    prove->add_option("--only", prove_options.only, "Prove one invariant (by id)");
    prove->add_option("--variant", prove_options.variant,
                      "Build the transition relation of a model variant and report what breaks");
    prove->add_option("--set", prove_options.settings,
                      "Fix a limit, LIMIT=VALUE (max_forward_jump, max_skipped_keys_per_chain, "
                      "max_skipped_keys_total); the others stay symbolic");
    prove->add_option("--chain-slots", prove_options.chain_slots,
                      "The structural number of receiving chains, 1 to 5 (default 5)");
    prove->add_flag("--no-witnesses", prove_options.skip_witnesses, "Skip the witness search");
    prove->add_flag("--verbose", prove_options.verbose,
                    "Print every obligation as it is discharged");
    prove->add_option("--timeout", prove_options.timeout_seconds,
                      "Seconds per obligation before the solver gives up (default 60)");
    prove->add_option("--expected-failures", prove_options.expected_failures_path,
                      "Run the expected-failure matrix of FILE (proofs/expected-failures.json): "
                      "each variant must fail exactly the obligations listed for it");
    prove->add_option("--witness", prove_options.witness,
                      "With --only: search the invariant's witness under this variant instead of "
                      "the catalogue's, or under none (the witness check's negative paths)");
    prove->add_option("--jobs", prove_options.jobs,
                      "Obligations discharged at once, each with a Z3 context of its own "
                      "(default: one per core)");
    prove->add_option("--write-catalogue", prove_options.catalogue_path,
                      "Write the catalogue as Markdown (docs/invariants.md) to FILE and stop");
    prove->add_option("--witness-dir", prove_options.witness_directory,
                      "Write each witness as an op trace to DIR");

    ratchetcheck::evidence::EvidenceOptions evidence_options;
    auto* evidence = app.add_subcommand(
        "evidence",
        "Run every check (KATs, transcripts, properties, mutants, interop, proofs and their "
        "certificates, fuzz corpora and runs, coverage) and write the evidence pack: report.html, "
        "report.json, manifest.json (docs/evidence.md)");
    evidence->add_option("--out", evidence_options.out_directory,
                         "Write the pack to DIR (default: <build dir>/evidence)");
    evidence->add_flag(
        "--quick", evidence_options.quick,
        "Reduced parameters (at most about 60 s): fewer property cases and interop "
        "traces, a sample of the certificates, no mutants, no valgrind, no fuzz runs, no "
        "coverage, nothing built");
    evidence->add_flag("--no-build", evidence_options.no_build,
                       "Build neither build/fuzz nor build/coverage: fuzz with the libFuzzer "
                       "binaries there are, and report coverage as not measured");
    evidence->add_option("--fuzz-seconds", evidence_options.fuzz_seconds,
                         "Seconds of libFuzzer per target (default 3; none with --quick)");
    evidence->add_option("--property-cases", evidence_options.property_cases,
                         "RapidCheck cases per property in the first batch (default 2000, then "
                         "more batches within a 120 s budget; 25 with --quick)");
    evidence->add_option("--seed", evidence_options.seed,
                         "Seed of the property tests, the interop traces and the fuzz runs");
    evidence
        ->add_option("--only", evidence_options.only,
                     "Run only this check (repeatable): kat, vectors, property, mutants, interop, "
                     "proof, certificates, fuzz-replay, fuzz, coverage, ct")
        ->take_all();
    evidence->add_option("--build-dir", evidence_options.build_directory,
                         "The build tree whose tests run (default: the one this binary is in)");
    evidence->add_option("--source-dir", evidence_options.source_directory,
                         "The source tree (default: the one the build tree was configured from)");
    evidence->add_option("--shared-dir", evidence_options.shared_directory,
                         "The shared data directory holding vectors/ (default: the build's "
                         "RATCHETCHECK_SHARED_DIR)");
    evidence->add_option("--verify", evidence_options.verify_directory,
                         "Recompute the SHA-256 of every file in DIR/manifest.json and "
                         "DIR/SHA256SUMS and report any difference; runs no check. Inputs are "
                         "looked up under --source-dir, --shared-dir, --build-dir when given");
    evidence->add_option("--compare", evidence_options.compare_directory,
                         "After the run, list what changed since the pack in OLD_DIR: checks "
                         "that flipped, counts that moved, gaps opened or closed");

    CLI11_PARSE(app, argc, argv);

    if (evidence->parsed()) {
        evidence_options.program_version = ratchetcheck::cli::version_text();
        return ratchetcheck::evidence::run_evidence(evidence_options);
    }

    if (prove->parsed())
        return ratchetcheck::cli::run_prove(prove_options);

    if (vectors->parsed())
        return ratchetcheck::cli::run_vectors(vector_paths);
    if (replay->parsed())
        return ratchetcheck::cli::run_replay(trace_path, replay_options);
    if (session_records->parsed())
        return ratchetcheck::cli::run_session_records(session_record_ops);
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
