// The pack's manifest and what makes the pack verifiable anywhere (docs/evidence.md): the
// provenance of its inputs (the source tree's commit, `git status` and content hash, the shared
// data's digests), manifest.json (the SHA-256 of every input and output, with paths relative to
// the pack or to a root recorded relative to the pack), SHA256SUMS (coreutils format, for
// `sha256sum -c` with nothing else installed) and `ratchetcheck evidence --verify`.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "checks.hpp"

namespace ratchetcheck::evidence {

// The format tag of manifest.json; --verify refuses any other.
inline constexpr const char* manifest_format = "ratchetcheck-evidence-manifest/2";

// The file written last, covering every other file of the pack (manifest.json included).
inline constexpr const char* checksums_file = "SHA256SUMS";

// verification_of is report.json's "verification": the roots relative to the pack, the source
// tree (commit, git's tree id, `git status --porcelain`, the content hash and the commands that
// recompute it), a digest per shared data directory the checks read (with its command), and the
// commands that verify and compare the pack, with paths relative to the source root.
nlohmann::json verification_of(const CheckPaths& paths);

// build_manifest hashes every input (shared transcripts, corpus, security target, certificate
// checker, the binaries of the build and of the fuzz build) and every output of paths.out but
// manifest.json and SHA256SUMS. `verification` (verification_of) supplies the relative roots
// and the provenance it repeats; `created` is the run's UTC time.
nlohmann::json build_manifest(const CheckPaths& paths, const nlohmann::json& verification,
                              const std::string& created);

// write_checksums writes pack/SHA256SUMS: one `<sha256>  <path>` line per file of the pack
// (SHA256SUMS excepted), sorted by path, as coreutils' sha256sum prints them. Returns the
// manifest's SHA-256 as written there, or nothing when a file could not be read or written.
std::optional<std::string> write_checksums(const std::filesystem::path& pack);

// VerifyRoots are the roots `--verify` looks for inputs under when given (--source-dir,
// --shared-dir, --build-dir); an empty one means: the root recorded relative to the pack.
struct VerifyRoots {
    std::string source;
    std::string shared;
    std::string build;
};

// verify_pack recomputes every hash of pack/manifest.json and pack/SHA256SUMS and prints each
// difference and each input that could not be found (with the root it looked in). Returns 0
// when everything matched, 1 when a file differs or is missing from the pack (or the manifest is
// unreadable), 3 when the pack matched but some inputs could not be found (a root missing:
// verification incomplete).
int verify_pack(const std::filesystem::path& pack, const VerifyRoots& roots);

// verification_section_html renders report.json's "verification" for report.html: the source
// tree and shared data provenance and the commands that verify and compare the pack.
std::string verification_section_html(const nlohmann::json& report);

}  // namespace ratchetcheck::evidence
