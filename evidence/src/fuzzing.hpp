// Fuzzing in the evidence pack (docs/evidence.md, "Fuzzing"): building the fuzz and coverage
// build trees when a check needs them, and report.json's `fuzzing` section, which joins the
// committed campaign ledger (corpus/fuzz-ledger.jsonl, written by ci/fuzz.sh) with this run's
// short fuzz runs, corpus replays and coverage, per target.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checks.hpp"

namespace ratchetcheck::evidence {

// PresetBuild is how building a preset's tree went: `ok` when the targets are built, and a
// record for the report (preset, command, seconds, exit status, log relative to the pack).
struct PresetBuild {
    bool ok = false;
    nlohmann::json record;
};

// build_preset configures <source>/build/<preset> with CMake preset `preset` when it has no
// CMakeCache.txt, then builds `targets` in it (Ninja rebuilds only what is stale), logging to
// <out>/logs/build-<preset>.log with ninja's [done/total] as the progress line.
PresetBuild build_preset(const CheckPaths& paths, const std::string& preset,
                         const std::vector<std::string>& targets);

// fuzzing_report is report.json's `fuzzing` section: per fuzz target the core-hours fuzzed to
// date and the last campaign (from the ledger), every finding with its fix and regression input,
// this run's short run and corpus replay, and protocol/ coverage from the coverage check.
// `ledger` is the campaign ledger to read (RATCHETCHECK_FUZZ_LEDGER, else
// <source>/corpus/fuzz-ledger.jsonl).
nlohmann::json fuzzing_report(const std::filesystem::path& source,
                              const std::filesystem::path& ledger, const nlohmann::json& checks);

// default_ledger is the ledger fuzzing_report reads: $RATCHETCHECK_FUZZ_LEDGER when set (tests
// use a scratch one), else <source>/corpus/fuzz-ledger.jsonl.
std::filesystem::path default_ledger(const std::filesystem::path& source);

// render_fuzzing is the HTML of report.json's `fuzzing` section.
std::string render_fuzzing(const nlohmann::json& fuzzing);

}  // namespace ratchetcheck::evidence
