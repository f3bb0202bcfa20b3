// `ratchetcheck prove --expected-failures FILE`: the prover's expected-failure matrix
// (prove_command.hpp, docs/proofs.md "The prover can fail").
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "prove_command.hpp"
#include "ratchetcheck/proofs/catalogue.hpp"
#include "ratchetcheck/proofs/prover.hpp"

namespace ratchetcheck::cli {
namespace {

// The obligation kinds the matrix must cover: every action of the op alphabet, per party where
// the action has one (the names obligation names end with).
const std::vector<std::string>& obligation_kinds() {
    static const std::vector<std::string> kinds{"init",
                                                "send.alice",
                                                "send.bob",
                                                "receive-genuine.alice",
                                                "receive-genuine.bob",
                                                "receive-tampered.alice",
                                                "receive-tampered.bob",
                                                "receive-forgery.alice",
                                                "receive-forgery.bob",
                                                "network",
                                                "save-restore.alice",
                                                "save-restore.bob"};
    return kinds;
}

// kind_of is the part of an obligation name after the invariant id: "send.alice" of
// "sent-below-sender-position.send.alice" (ids contain no dot).
std::string kind_of(const std::string& obligation) {
    const auto dot = obligation.find('.');
    return dot == std::string::npos ? std::string() : obligation.substr(dot + 1);
}

}  // namespace

int run_expected_failure_matrix(const ProveOptions& options) {
    std::ifstream input(options.expected_failures_path);
    if (!input) {
        fmt::print(stderr, "prove: cannot read {}\n", options.expected_failures_path);
        return 2;
    }
    const nlohmann::json file = nlohmann::json::parse(input, nullptr, false);
    if (file.is_discarded() || !file.contains("variants") || !file["variants"].is_object()) {
        fmt::print(stderr,
                   "prove: {} is not an expected-failure matrix ({{\"variants\": {{...}}}})\n",
                   options.expected_failures_path);
        return 2;
    }
    // Every variant of the catalogue is listed (one added later must say what it breaks), and
    // nothing else is.
    std::map<std::string, std::set<std::string>> expected;
    for (const auto& [name, obligations] : file["variants"].items()) {
        if (!proofs::find_variant(name) || !obligations.is_array()) {
            fmt::print(stderr, "prove: {}: {} is not a variant of the catalogue with a list\n",
                       options.expected_failures_path, name);
            return 2;
        }
        for (const auto& obligation : obligations)
            expected[name].insert(obligation.get<std::string>());
        expected[name];  // a variant under which nothing fails is listed with []
    }
    std::vector<std::string> problems;
    // --variant V: V's row alone (a quick re-run); the whole-matrix checks need every row.
    if (!options.variant.empty()) {
        const auto row = expected.find(options.variant);
        if (row == expected.end()) {
            fmt::print(stderr, "prove: variant {} is not in {}\n", options.variant,
                       options.expected_failures_path);
            return 2;
        }
        const auto listed = std::move(row->second);
        expected.clear();
        expected[options.variant] = listed;
    }
    for (const proofs::NamedVariant& variant : proofs::variant_catalogue()) {
        if (!options.variant.empty())
            break;
        if (!expected.contains(variant.name))
            problems.push_back(fmt::format("variant {} is not in the matrix", variant.name));
    }
    // The matrix covers every obligation kind: some variant fails an obligation of each.
    for (const std::string& kind : obligation_kinds()) {
        if (!options.variant.empty())
            break;
        const bool covered = std::any_of(expected.begin(), expected.end(), [&](const auto& entry) {
            return std::any_of(entry.second.begin(), entry.second.end(),
                               [&](const std::string& name) { return kind_of(name) == kind; });
        });
        if (!covered)
            problems.push_back(
                fmt::format("no variant is listed as failing a {} obligation", kind));
    }

    proofs::ProofSettings settings;
    settings.chain_slots = options.chain_slots;
    settings.timeout_milliseconds = options.timeout_seconds * 1000;
    settings.jobs = options.jobs;
    settings.check_vacuity = false;  // the question is which goals fail
    std::size_t as_listed = 0;
    std::size_t index = 0;
    for (const auto& [name, listed] : expected) {
        ++index;
        settings.variant = proofs::find_variant(name)->variant;
        std::set<std::string> failing;
        double seconds = 0;
        for (const proofs::Invariant& invariant : proofs::invariant_catalogue()) {
            const proofs::InvariantResult result = proofs::prove_invariant(invariant, settings);
            seconds += result.seconds;
            for (const proofs::ObligationResult& obligation : result.obligations) {
                if (obligation.status != "proved")
                    failing.insert(obligation.name);
            }
        }
        std::vector<std::string> missing;
        std::vector<std::string> unexpected;
        std::set_difference(listed.begin(), listed.end(), failing.begin(), failing.end(),
                            std::back_inserter(missing));
        std::set_difference(failing.begin(), failing.end(), listed.begin(), listed.end(),
                            std::back_inserter(unexpected));
        const bool same = missing.empty() && unexpected.empty();
        fmt::print("[{}/{}] {:<30} {:>3} obligations fail {:<14} {:>7.2f} s\n", index,
                   expected.size(), name, failing.size(), same ? "as listed" : "NOT AS LISTED",
                   seconds);
        if (!same) {
            if (!missing.empty())
                fmt::print("  listed but proved: {}\n", fmt::join(missing, ", "));
            if (!unexpected.empty())
                fmt::print("  failing but not listed: {}\n", fmt::join(unexpected, ", "));
            fmt::print("  re-run: ratchetcheck prove --expected-failures {} --variant {}\n",
                       options.expected_failures_path, name);
            problems.push_back(fmt::format("variant {} does not fail as listed", name));
        } else {
            ++as_listed;
        }
        std::fflush(stdout);
    }
    for (const std::string& problem : problems)
        fmt::print("problem: {}\n", problem);
    fmt::print("expected-failure matrix: {} variants as listed, {} not; {} problems\n", as_listed,
               expected.size() - as_listed, problems.size());
    return problems.empty() ? 0 : 1;
}

}  // namespace ratchetcheck::cli
