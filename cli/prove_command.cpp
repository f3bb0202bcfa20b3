#include "prove_command.hpp"

#include <fmt/format.h>

#include <fmt/ranges.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

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
        out += fmt::format("- Witness variant: {}\n", invariant.witness_variant.empty()
                                                          ? "none (a structural lemma)"
                                                          : invariant.witness_variant);
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
        return {.column = "none", .json = std::move(json), .failed = false};
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

}  // namespace

int run_prove(const ProveOptions& options) {
    if (!options.catalogue_path.empty()) {
        std::ofstream(options.catalogue_path) << catalogue_markdown();
        return 0;
    }
    proofs::ProofSettings settings;
    settings.chain_slots = options.chain_slots;
    settings.timeout_milliseconds = options.timeout_seconds * 1000;
    if (options.verbose) {
        settings.progress = [](const proofs::ObligationResult& obligation) {
            fmt::print(stderr, "  {:<60} {:<8} {:.2f} s\n", obligation.name, obligation.status,
                       obligation.seconds);
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
    if (!options.smt2_directory.empty())
        std::filesystem::create_directories(options.smt2_directory);
    if (!options.witness_directory.empty())
        std::filesystem::create_directories(options.witness_directory);

    nlohmann::json report{{"invariants", nlohmann::json::array()},
                          {"solver", {{"z3", proofs::solver_version()}}}};
    std::size_t proved = 0;
    std::size_t failed = 0;
    std::size_t witnesses_refuted = 0;
    std::size_t witnesses_missing = 0;
    const bool witnesses = !options.skip_witnesses;
    if (witnesses) {
        fmt::print("{:<36} {:<8} {:>8}  {:<30} {}\n", "invariant", "status", "seconds", "witness",
                   "result");
    } else {
        fmt::print("{:<36} {:<8} {:>8}\n", "invariant", "status", "seconds");
    }
    for (const proofs::Invariant* invariant : selected) {
        const proofs::InvariantResult result = proofs::prove_invariant(*invariant, settings);
        (result.proved ? proved : failed) += 1;
        std::optional<WitnessOutcome> witness;
        if (witnesses) {
            witness = search_witness(*invariant, options);
            if (witness->failed)
                ++witnesses_missing;
            else if (!invariant->witness_variant.empty())
                ++witnesses_refuted;
            fmt::print("{:<36} {:<8} {:>8.2f}  {:<30} {}\n", invariant->id,
                       result.proved ? "proved" : "FAILED", result.seconds,
                       invariant->witness_variant.empty() ? "-" : invariant->witness_variant,
                       witness->column);
            if (!witness->written.empty())
                fmt::print("  witness written to {}\n", witness->written);
        } else {
            fmt::print("{:<36} {:<8} {:>8.2f}\n", invariant->id,
                       result.proved ? "proved" : "FAILED", result.seconds);
        }
        nlohmann::json obligations = nlohmann::json::array();
        for (const proofs::ObligationResult& obligation : result.obligations) {
            for (const auto& certificate : obligation.certificates)
                obligations.push_back(certificate.stem + ".smt2");
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
                             {"obligations", obligations}};
        if (witness)
            entry["witness"] = witness->json;
        report["invariants"].push_back(std::move(entry));
        std::fflush(stdout);
    }
    if (!options.json_path.empty())
        std::ofstream(options.json_path) << report.dump(2) << "\n";
    // The last line is exactly "N proved, M failed" (scripts read it); the witnesses' count
    // comes just before it.
    if (witnesses)
        fmt::print("witnesses: {} refuted, {} not found\n", witnesses_refuted, witnesses_missing);
    fmt::print("{} proved, {} failed\n", proved, failed);
    return failed == 0 && witnesses_missing == 0 ? 0 : 1;
}

}  // namespace ratchetcheck::cli
