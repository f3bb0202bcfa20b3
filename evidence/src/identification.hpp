// What the evidence pack evaluates and with which cryptography (issue 22, part 5): the target of
// evaluation identified (report.json `toe`), its cryptographic mechanisms as an evaluator reads
// them (`crypto`: KAT counts, the key-derivation tree drawn from the code, the identity key's two
// uses, RNG failure, zeroization, declassifications, what the proofs assume) and the conformance
// table against ANSSI's cryptographic-mechanisms guide (`anssi`). docs/evidence.md describes the
// keys. Everything measurable is measured from the source tree, the build tree and this run's
// checks; the rest is read from data files under docs/security-target/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "checks.hpp"

namespace ratchetcheck::evidence {

// identification_of returns {"toe": ..., "crypto": ..., "anssi": ...} for report.json. `checks`
// are this run's check results (the kat, property, interop, proof and ct counts are read from
// them). Writes kdf-tree.dot and, when Graphviz dot is installed, kdf-tree.svg into paths.out.
// Problems it finds (a data file missing or unreadable, an info string of the code missing from
// the picture, a test named by the zeroization table that ctest does not know) are listed in each
// section's "problems" array; they never stop the run.
nlohmann::json identification_of(const CheckPaths& paths, const nlohmann::json& checks);

// identification_html renders report["toe"], report["crypto"] and report["anssi"] as three
// sections of report.html (ids "toe", "crypto-mechanisms", "anssi"); "" when they are absent.
std::string identification_html(const nlohmann::json& report);

}  // namespace ratchetcheck::evidence
