// The analysis part of the evidence pack (issue 22 part 4): the deviations from the
// specifications and from libsignal (docs/security-target/deviations.json), the attack classes
// an evaluator asks about (docs/security-target/attack-classes.json), and the limits a hostile
// peer meets, read from the code (profile.hpp), with the measured worst case per hostile message
// (bench/results/hostile-messages.json, written by bench/hostile.sh). Every check a row names
// must exist in the build tree: one that does not fails the `analysis` check.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "traceability.hpp"

namespace ratchetcheck::evidence {

// Analysis is what build_analysis adds to report.json.
struct Analysis {
    nlohmann::json deviations;      // report.json `deviations`: rows, decisions.md's copy and hash
    nlohmann::json attack_classes;  // report.json `attack_classes`: rows with status and checks
    nlohmann::json limits;          // report.json `limits`: profile values and the worst cases
    nlohmann::json check;           // the `analysis` entry of report.json `checks`
};

// build_analysis reads the two data files and profile.hpp under `source`, resolves every named
// check against `known` (existence) and `checks` (this run's result), copies docs/decisions.md
// into the pack `out` and hashes it, and reads the committed worst-case measurements. Problems
// (an unparseable file, a check, threat, deviation or decision row that does not exist) make the
// returned check fail; a file absent from the source tree (a partial copy) makes it
// not_available.
Analysis build_analysis(const std::filesystem::path& source, const std::filesystem::path& out,
                        const KnownChecks& known, const nlohmann::json& checks,
                        const nlohmann::json& security_target);

// render_analysis_html renders report.json's `deviations`, `attack_classes` and `limits` as the
// report's sections (ids "deviations", "attack-classes", "limits"); empty when absent.
std::string render_analysis_html(const nlohmann::json& report);

}  // namespace ratchetcheck::evidence
