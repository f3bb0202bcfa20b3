#include "prove_command.hpp"

#include <fmt/format.h>

#include <fmt/ranges.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ratchetcheck/proofs/catalogue.hpp"
#include "ratchetcheck/proofs/prover.hpp"

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

    nlohmann::json report{{"invariants", nlohmann::json::array()},
                          {"solver", {{"z3", proofs::solver_version()}}}};
    std::size_t proved = 0;
    std::size_t failed = 0;
    fmt::print("{:<36} {:<8} {:>8}\n", "invariant", "status", "seconds");
    for (const proofs::Invariant* invariant : selected) {
        const proofs::InvariantResult result = proofs::prove_invariant(*invariant, settings);
        (result.proved ? proved : failed) += 1;
        fmt::print("{:<36} {:<8} {:>8.2f}\n", invariant->id, result.proved ? "proved" : "FAILED",
                   result.seconds);
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
        report["invariants"].push_back({{"id", invariant->id},
                                        {"spec_clause", invariant->spec_clause},
                                        {"statement", invariant->statement},
                                        {"status", result.proved ? "proved" : "failed"},
                                        {"seconds", result.seconds},
                                        {"obligations", obligations}});
        std::fflush(stdout);
    }
    if (!options.json_path.empty())
        std::ofstream(options.json_path) << report.dump(2) << "\n";
    fmt::print("{} proved, {} failed\n", proved, failed);
    return failed == 0 ? 0 : 1;
}

}  // namespace ratchetcheck::cli
