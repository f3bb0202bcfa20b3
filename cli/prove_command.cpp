#include "prove_command.hpp"

#include <fmt/format.h>

#include <fmt/ranges.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/proofs/catalogue.hpp"
#include "ratchetcheck/proofs/prover.hpp"
#include "ratchetcheck/proofs/witness.hpp"
#include "witness_trace.hpp"

namespace ratchetcheck::cli {
namespace {

bool parse_setting(const std::string& text, proofs::ProofSettings& settings) {
    const auto equals = text.find('=');
    if (equals == std::string::npos)
        return false;
    const std::string name = text.substr(0, equals);
    const auto& names = proofs::limit_names();
    if (std::find(names.begin(), names.end(), name) == names.end())
        return false;
    try {
        std::size_t used = 0;
        const long long value = std::stoll(text.substr(equals + 1), &used);
        if (used != text.size() - equals - 1 || value < 1)
            return false;
        settings.fixed_limits[name] = value;
    } catch (const std::exception&) {
        return false;
    }
    return true;
}

// command_version is the first line `command --version` prints (the stock solvers that re-check
// the certificates, proofs/scripts/check-certificates.sh), or "not found".
std::string command_version(const std::string& command) {
    const std::string line = command + " --version 2>/dev/null";
    std::FILE* pipe = popen(line.c_str(), "r");
    if (pipe == nullptr)
        return "not found";
    std::array<char, 256> buffer{};
    std::string first;
    if (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr)
        first = buffer.data();
    const int status = pclose(pipe);
    while (!first.empty() && (first.back() == '\n' || first.back() == '\r'))
        first.pop_back();
    return status == 0 && !first.empty() ? first : "not found";
}

// catalogue_markdown renders the catalogue as docs/invariants.md.
std::string catalogue_markdown() {
    std::string out =
        "# Invariant catalogue\n\n"
        "Generated from `proofs/src/catalogue.cpp` by `ratchetcheck prove --write-catalogue "
        "docs/invariants.md`; do not edit by hand (the ctest `proof_invariants_doc_current` fails "
        "when this file is stale). `docs/proofs.md` explains the method.\n\n"
        "Each entry is proved by induction over the model's transition relation (Z3): a state "
        "invariant I by Init ⇒ I and Inv ∧ T_a ⇒ I′, a step property P by Inv ∧ T_a ⇒ P, for every "
        "action a (init, send, receive of a genuine, tampered or forged message, network, "
        "save/restore), where Inv is I itself and the lemmas listed. The witness variant is the "
        "model variant under which a bounded search from Init finds a violation.\n\n"
        "| id | kind | spec clause | witness variant |\n|---|---|---|---|\n";
    for (const proofs::Invariant& invariant : proofs::invariant_catalogue()) {
        out += fmt::format("| [{0}](#{0}) | {1}{2} | {3} | {4} |\n", invariant.id,
                           invariant.state ? "state invariant" : "step property",
                           invariant.is_lemma ? " (lemma)" : "", invariant.spec_clause,
                           invariant.witness_variant.empty() ? "—" : invariant.witness_variant);
    }
    for (const proofs::Invariant& invariant : proofs::invariant_catalogue()) {
        out += fmt::format("\n## {}\n\n{}\n\n- Spec clause: {}\n- Formula: `{}`\n", invariant.id,
                           invariant.statement, invariant.spec_clause, invariant.formula);
        out += fmt::format("- Lemmas: {}\n",
                           invariant.lemmas.empty()
                               ? std::string("none")
                               : fmt::format("{}", fmt::join(invariant.lemmas, ", ")));
        out += fmt::format("- Witness variant: {}\n",
                           invariant.witness_variant.empty() ? "none" : invariant.witness_variant);
    }
    out += "\n## Variants\n\n| name | what it changes |\n|---|---|\n";
    for (const proofs::NamedVariant& variant : proofs::variant_catalogue())
        out += fmt::format("| {} | {} |\n", variant.name, variant.description);
    return out;
}

// WitnessOutcome is what the witness search said about one invariant.
struct WitnessOutcome {
    std::string column;  // the table's witness result
    nlohmann::json json;
    bool failed = false;    // a named witness variant that did not break the invariant
    std::string written{};  // the op trace file written (--witness-dir), if any
};

// search_witness searches `invariant`'s witness and, with a witness directory, writes it there.
WitnessOutcome search_witness(const proofs::Invariant& invariant, const ProveOptions& options) {
    if (invariant.witness_variant.empty()) {
        nlohmann::json json{
            {"variant", nullptr}, {"status", "none"}, {"depth", nullptr}, {"trace", nullptr}};
        // Every invariant must name one (an unwitnessed invariant may be vacuous).
        return {.column = "NONE NAMED", .json = std::move(json), .failed = true};
    }
    const std::optional<proofs::WitnessResult> witness = proofs::find_witness(invariant);
    nlohmann::json json{{"variant", invariant.witness_variant},
                        {"status", witness->found ? "refuted" : "not_found"},
                        {"depth", witness->found ? nlohmann::json(witness->depth) : nullptr},
                        {"trace", nullptr},
                        {"seconds", witness->seconds}};
    if (!witness->found) {
        return {.column = fmt::format("NOT FOUND within {} actions",
                                      proofs::WitnessSearchSettings{}.max_depth),
                .json = std::move(json),
                .failed = true};
    }
    const model::Limits& limits = witness->setup.limits;
    json["setup"] = {{"one_time_prekey", witness->setup.one_time_prekey_published},
                     {"max_forward_jump", limits.max_forward_jump},
                     {"max_skipped_keys_per_chain", limits.max_skipped_keys_per_chain},
                     {"max_skipped_keys_total", limits.max_skipped_keys_total},
                     {"max_receiving_chains", limits.max_receiving_chains}};
    if (!options.witness_directory.empty()) {
        const std::string name = witness_trace_name(invariant);
        const std::filesystem::path path = std::filesystem::path(options.witness_directory) / name;
        std::ofstream(path) << harness::trace_to_json(witness_trace(invariant, *witness));
        json["trace"] = name;
        return {.column = fmt::format("refuted at depth {}", witness->depth),
                .json = std::move(json),
                .failed = false,
                .written = path.string()};
    }
    return {.column = fmt::format("refuted at depth {}", witness->depth),
            .json = std::move(json),
            .failed = false};
}

// counterexample_of searches a run from Init on which `variant` (the researcher's --variant, with
// the --set limits in every setup) violates `invariant`, after its induction step failed, and
// writes it as an op trace (--witness-dir, else the current directory) that `ratchetcheck replay`
// runs against the specified model.
WitnessOutcome counterexample_of(const proofs::Invariant& invariant,
                                 const proofs::ProofSettings& settings,
                                 const std::string& variant_name, const ProveOptions& options) {
    proofs::WitnessSearchSettings search;
    for (proofs::WitnessSetup& setup : search.setups) {
        for (const auto& [name, value] : settings.fixed_limits) {
            if (name == "max_forward_jump")
                setup.limits.max_forward_jump = value;
            else if (name == "max_skipped_keys_per_chain")
                setup.limits.max_skipped_keys_per_chain = value;
            else if (name == "max_skipped_keys_total")
                setup.limits.max_skipped_keys_total = value;
        }
    }
    const proofs::WitnessResult run =
        proofs::search_violation({&invariant}, settings.variant, search);
    nlohmann::json json{{"variant", variant_name},
                        {"status", run.found ? "reachable" : "not_found"},
                        {"depth", run.found ? nlohmann::json(run.depth) : nullptr},
                        {"trace", nullptr},
                        {"seconds", run.seconds}};
    if (!run.found) {
        return {.column = fmt::format("no run from Init within {} actions", search.max_depth),
                .json = std::move(json),
                .failed = false};
    }
    const std::filesystem::path directory = options.witness_directory.empty()
                                                ? std::filesystem::path(".")
                                                : std::filesystem::path(options.witness_directory);
    const std::string name = fmt::format("counterexample-{}.json", invariant.id);
    std::ofstream(directory / name)
        << harness::trace_to_json(witness_trace(invariant, run, variant_name));
    json["trace"] = name;
    return {.column = fmt::format("violated at depth {}", run.depth),
            .json = std::move(json),
            .failed = false,
            .written = (directory / name).string()};
}

}  // namespace

int run_prove(const ProveOptions& options) {
    if (!options.catalogue_path.empty()) {
        std::ofstream(options.catalogue_path) << catalogue_markdown();
        return 0;
    }
    if (!options.expected_failures_path.empty())
        return run_expected_failure_matrix(options);
    proofs::ProofSettings settings;
    settings.chain_slots = options.chain_slots;
    settings.timeout_milliseconds = options.timeout_seconds * 1000;
    settings.jobs = options.jobs;
    if (options.verbose) {
        settings.progress = [](const proofs::ObligationResult& obligation) {
            fmt::print(stderr, "  {:<60} {:<8} {:.2f} s (premises {}, {:.2f} s)\n", obligation.name,
                       obligation.status, obligation.seconds,
                       proofs::premise_status_name(obligation.premises),
                       obligation.vacuity_seconds);
        };
    }
    if (settings.chain_slots < 1 || settings.chain_slots > 5) {
        fmt::print(stderr, "prove: --chain-slots must be 1 to 5\n");
        return 2;
    }
    for (const std::string& setting : options.settings) {
        if (!parse_setting(setting, settings)) {
            fmt::print(
                stderr,
                "prove: --set {}: expected LIMIT=VALUE with VALUE >= 1 and LIMIT one of {}\n",
                setting, fmt::join(proofs::limit_names(), ", "));
            return 2;
        }
    }
    if (!options.variant.empty()) {
        const proofs::NamedVariant* variant = proofs::find_variant(options.variant);
        if (!variant) {
            fmt::print(stderr, "prove: unknown variant {}; known:", options.variant);
            for (const auto& known : proofs::variant_catalogue())
                fmt::print(stderr, " {}", known.name);
            fmt::print(stderr, "\n");
            return 2;
        }
        settings.variant = variant->variant;
    }
    std::vector<const proofs::Invariant*> selected;
    for (const proofs::Invariant& invariant : proofs::invariant_catalogue()) {
        if (options.only.empty() || invariant.id == options.only)
            selected.push_back(&invariant);
    }
    if (selected.empty()) {
        fmt::print(stderr, "prove: no invariant {}\n", options.only);
        return 2;
    }
    // --witness: search the one invariant's witness under another variant, or under none (the
    // negative paths of the witness check: a variant that does not break the invariant, and an
    // invariant that names no witness).
    std::optional<proofs::Invariant> overridden;
    if (!options.witness.empty()) {
        if (options.only.empty() ||
            (options.witness != "none" && !proofs::find_variant(options.witness))) {
            fmt::print(stderr, "prove: --witness takes a variant name or none, and needs --only\n");
            return 2;
        }
        overridden = *selected.front();
        overridden->witness_variant = options.witness == "none" ? "" : options.witness;
        selected.front() = &*overridden;
    }
    if (!options.smt2_directory.empty())
        std::filesystem::create_directories(options.smt2_directory);
    if (!options.witness_directory.empty())
        std::filesystem::create_directories(options.witness_directory);

    nlohmann::json report{{"invariants", nlohmann::json::array()},
                          {"solver",
                           {{"z3", proofs::solver_version()},
                            {"z3_command_line", command_version("z3")},
                            {"cvc5_command_line", command_version("cvc5")}}}};
    std::size_t witnesses_refuted = 0;
    std::size_t witnesses_missing = 0;
    // A researcher's question (--variant, --set) asks what breaks: the named witnesses are not
    // searched, but each invariant that fails gets a run from Init that violates it.
    const bool researching = !options.variant.empty() || !options.settings.empty();
    const bool witnesses = !options.skip_witnesses && !researching;
    const bool counterexamples = !options.skip_witnesses && researching;
    const std::string variant_name = options.variant.empty() ? "specified" : options.variant;
    const auto print_row = [&](const std::string& id, const std::string& status, double seconds,
                               const std::string& variant, const std::string& result) {
        if (witnesses || counterexamples)
            fmt::print("{:<36} {:<11} {:>8.2f}  {:<30} {}\n", id, status, seconds, variant, result);
        else
            fmt::print("{:<36} {:<11} {:>8.2f}\n", id, status, seconds);
    };
    if (witnesses || counterexamples) {
        fmt::print("{:<36} {:<11} {:>8}  {:<30} {}\n", "invariant", "status", "seconds",
                   witnesses ? "witness" : "variant", witnesses ? "result" : "counterexample");
    } else {
        fmt::print("{:<36} {:<11} {:>8}\n", "invariant", "status", "seconds");
    }
    // Each invariant's own obligations; a failed one prints its counterexample to induction.
    std::map<std::string, bool> proved_by_id;
    // The vacuity checks' answers, counted over every obligation, and the obligations whose
    // premises were not shown satisfiable.
    std::map<proofs::PremiseStatus, std::size_t> premise_counts;
    nlohmann::json vacuity_exceptions = nlohmann::json::array();
    std::vector<nlohmann::json> entries;
    for (const proofs::Invariant* invariant : selected) {
        const proofs::InvariantResult result = proofs::prove_invariant(*invariant, settings);
        proved_by_id[invariant->id] = result.proved;
        const std::string status = result.proved ? "proved" : "FAILED";
        std::optional<WitnessOutcome> witness;
        std::optional<WitnessOutcome> counterexample;
        if (witnesses) {
            witness = search_witness(*invariant, options);
            (witness->failed ? witnesses_missing : witnesses_refuted) += 1;
            print_row(invariant->id, status, result.seconds,
                      invariant->witness_variant.empty() ? "-" : invariant->witness_variant,
                      witness->column);
            if (!witness->written.empty())
                fmt::print("  witness written to {}\n", witness->written);
        } else if (counterexamples && !result.proved) {
            counterexample = counterexample_of(*invariant, settings, variant_name, options);
            print_row(invariant->id, status, result.seconds, variant_name, counterexample->column);
            if (!counterexample->written.empty()) {
                fmt::print("  counterexample op trace: {} (ratchetcheck replay {})\n",
                           counterexample->written, counterexample->written);
            }
        } else {
            print_row(invariant->id, status, result.seconds, variant_name, "-");
        }
        nlohmann::json obligations = nlohmann::json::array();
        nlohmann::json failed_obligations = nlohmann::json::array();
        for (const proofs::ObligationResult& obligation : result.obligations) {
            for (const auto& certificate : obligation.certificates)
                obligations.push_back(certificate.stem + ".smt2");
            premise_counts[obligation.premises] += 1;
            if (obligation.premises != proofs::PremiseStatus::satisfiable) {
                vacuity_exceptions.push_back(
                    {{"obligation", obligation.name},
                     {"premises", proofs::premise_status_name(obligation.premises)}});
            }
            if (obligation.status != "proved")
                failed_obligations.push_back(obligation.name);
            if (obligation.status != "proved") {
                fmt::print("  {} {} ({:.2f} s)\n{}", obligation.name, obligation.status,
                           obligation.seconds, obligation.counterexample);
            }
            if (!options.smt2_directory.empty()) {
                for (const auto& certificate : obligation.certificates) {
                    std::ofstream(std::filesystem::path(options.smt2_directory) /
                                  (certificate.stem + ".smt2"))
                        << certificate.text;
                }
            }
        }
        nlohmann::json entry{{"id", invariant->id},
                             {"spec_clause", invariant->spec_clause},
                             {"statement", invariant->statement},
                             {"status", result.proved ? "proved" : "failed"},
                             {"seconds", result.seconds},
                             {"obligations", obligations},
                             {"failed_obligations", failed_obligations}};
        if (witness)
            entry["witness"] = witness->json;
        if (counterexample)
            entry["counterexample"] = counterexample->json;
        entries.push_back(std::move(entry));
        std::fflush(stdout);
    }

    // An induction step is proved assuming the lemmas; when a lemma fails (a variant), whatever
    // rests on it is not established either, and may be broken too.
    std::map<std::string, std::string> unsupported;  // id -> the failed lemma it rests on
    for (bool changed = true; changed;) {
        changed = false;
        for (const proofs::Invariant* invariant : selected) {
            if (!proved_by_id[invariant->id] || unsupported.contains(invariant->id))
                continue;
            for (const std::string& lemma : invariant->lemmas) {
                const auto lemma_result = proved_by_id.find(lemma);
                if (lemma_result != proved_by_id.end() &&
                    (!lemma_result->second || unsupported.contains(lemma))) {
                    unsupported[invariant->id] = lemma;
                    changed = true;
                    break;
                }
            }
        }
    }
    std::size_t proved = 0;
    std::size_t failed = 0;
    std::vector<std::string> now_failing;
    bool heading_printed = false;
    for (std::size_t index = 0; index < selected.size(); ++index) {
        const proofs::Invariant& invariant = *selected[index];
        const auto rests_on = unsupported.find(invariant.id);
        if (proved_by_id[invariant.id] && rests_on == unsupported.end()) {
            ++proved;
            continue;
        }
        ++failed;
        now_failing.push_back(invariant.id);
        if (rests_on == unsupported.end())
            continue;
        entries[index]["status"] = "failed";
        entries[index]["rests_on_failed_lemma"] = rests_on->second;
        if (!heading_printed) {
            fmt::print("rest on a lemma that failed (their own steps hold):\n");
            heading_printed = true;
        }
        const std::string status = "unsupported";
        if (counterexamples) {
            const WitnessOutcome counterexample =
                counterexample_of(invariant, settings, variant_name, options);
            print_row(invariant.id, status, entries[index]["seconds"].get<double>(), variant_name,
                      counterexample.column + " (rests on " + rests_on->second + ")");
            if (!counterexample.written.empty()) {
                fmt::print("  counterexample op trace: {} (ratchetcheck replay {})\n",
                           counterexample.written, counterexample.written);
            }
            entries[index]["counterexample"] = counterexample.json;
        } else {
            fmt::print("{:<36} {:<11} rests on {}\n", invariant.id, status, rests_on->second);
        }
    }
    for (nlohmann::json& entry : entries)
        report["invariants"].push_back(std::move(entry));
    report["vacuity"] = {{"satisfiable", premise_counts[proofs::PremiseStatus::satisfiable]},
                         {"contradictory", premise_counts[proofs::PremiseStatus::contradictory]},
                         {"undetermined", premise_counts[proofs::PremiseStatus::undetermined]},
                         {"not_satisfiable", vacuity_exceptions}};
    if (!options.json_path.empty())
        std::ofstream(options.json_path) << report.dump(2) << "\n";
    // The last line is exactly "N proved, M failed" (scripts read it); the witnesses' count
    // and, for a researcher's change, the failing invariants come just before it.
    // The vacuity line: a contradictory obligation also failed its invariant above ("vacuous").
    fmt::print(
        "vacuity: {} obligations with satisfiable premises, {} contradictory, {} "
        "undetermined\n",
        premise_counts[proofs::PremiseStatus::satisfiable],
        premise_counts[proofs::PremiseStatus::contradictory],
        premise_counts[proofs::PremiseStatus::undetermined]);
    if (witnesses)
        fmt::print("witnesses: {} refuted, {} not found\n", witnesses_refuted, witnesses_missing);
    if (researching) {
        fmt::print("failing under {}: {}\n", variant_name,
                   now_failing.empty() ? std::string("none")
                                       : fmt::format("{}", fmt::join(now_failing, ", ")));
    }
    fmt::print("{} proved, {} failed\n", proved, failed);
    return failed == 0 && witnesses_missing == 0 ? 0 : 1;
}

}  // namespace ratchetcheck::cli
