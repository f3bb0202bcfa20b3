#include "manifest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "support.hpp"

namespace ratchetcheck::evidence {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The recipes are the exact commands whose output is recorded: the pack runs them itself (so the
// documented command and the recorded value cannot drift apart), and an evaluator re-runs them
// with git and coreutils in the root they name (docs/evidence.md).
constexpr const char* source_content_recipe = "git ls-files -z | xargs -0 sha256sum | sha256sum";
constexpr const char* shared_digest_recipe =
    "find {} -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum";

// The shared data directories hashed, and what reads each.
struct SharedDirectory {
    const char* name;
    const char* read_by;
};
constexpr std::array<SharedDirectory, 4> shared_directories{{
    {"vectors", "the vectors check (signal-v3 transcripts), kat, interop"},
    {"wycheproof", "kat (the Wycheproof vectors and their SOURCE commit)"},
    {"kem", "hashed as shared data; no check of this version reads it"},
    {"specs", "the spec headings the citations are checked against"},
}};

// What marks each root as the right directory, so that a recorded relative root resolving to an
// unrelated directory (the pack moved) reads as "not found" rather than as changed inputs.
const std::map<std::string, std::string>& root_markers() {
    static const std::map<std::string, std::string> markers{
        {"source", "corpus"}, {"shared", "vectors"}, {"build", "CMakeCache.txt"}};
    return markers;
}

// word is `text` as one shell word, quoted only when it needs to be (the commands of the report
// stay readable for the usual paths).
std::string word(const std::string& text) {
    const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char character) {
        return std::isalnum(static_cast<unsigned char>(character)) != 0 ||
               std::string_view("/._-+,=:@").find(character) != std::string_view::npos;
    });
    return plain ? text : shell_quote(text);
}

std::string relative_path(const fs::path& target, const fs::path& base) {
    const fs::path relative = fs::relative(target, base);
    return relative.empty() ? target.string() : relative.generic_string();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    std::string line;
    while (std::getline(stream, line)) {
        if (!line.empty())
            lines.push_back(line);
    }
    return lines;
}

// digest_field is the hash of a `sha256sum` output line ("<hash>  -").
std::string digest_field(const std::optional<std::string>& output) {
    if (!output || output->size() < 64)
        return "unavailable";
    return output->substr(0, 64);
}

json source_tree_of(const fs::path& source) {
    const std::string in_source = "cd " + shell_quote(source.string()) + " && ";
    const std::optional<std::string> commit = capture(in_source + "git rev-parse HEAD 2>/dev/null");
    if (!commit)
        return {{"commit", "unknown (not a git checkout)"}};
    const std::optional<std::string> status = capture(in_source + "git status --porcelain");
    const std::optional<std::string> files = capture(in_source + "git ls-files | wc -l");
    const std::vector<std::string> status_lines = lines_of(status.value_or(""));
    return {
        {"commit", first_line(*commit)},
        {"tree",
         first_line(capture(in_source + "git rev-parse 'HEAD^{tree}' 2>/dev/null").value_or(""))},
        {"clean", status && status_lines.empty()},
        {"status_porcelain", status ? json(status_lines) : json("unknown (git status failed)")},
        {"tracked_files", std::stoul(files.value_or("0"))},
        {"content_sha256",
         digest_field(capture(in_source + source_content_recipe + " 2>/dev/null"))},
        {"recipe", fmt::format("cd SOURCE_ROOT && {}", source_content_recipe)}};
}

json shared_data_of(const fs::path& shared) {
    json directories = json::array();
    for (const SharedDirectory& directory : shared_directories) {
        if (!fs::is_directory(shared / directory.name))
            continue;
        const std::string recipe = fmt::format(fmt::runtime(shared_digest_recipe), directory.name);
        const std::optional<std::string> count = capture(fmt::format(
            "cd {} && find {} -type f | wc -l", shell_quote(shared.string()), directory.name));
        directories.push_back(
            {{"directory", directory.name},
             {"read_by", directory.read_by},
             {"files", std::stoul(count.value_or("0"))},
             {"sha256", digest_field(capture(
                            fmt::format("cd {} && {}", shell_quote(shared.string()), recipe)))},
             {"recipe", "cd SHARED_ROOT && " + recipe}});
    }
    return directories;
}

json hash_entry(const fs::path& root, const fs::path& file) {
    std::error_code error;
    const auto size = fs::file_size(file, error);
    return {{"path", fs::relative(file, root).generic_string()},
            {"sha256", sha256_of_file(file).value_or("unreadable")},
            {"bytes", error ? 0 : size}};
}

// files_under lists the regular files of `directory` (or the file itself) that `keep` accepts,
// sorted.
std::vector<fs::path> files_under(const fs::path& directory,
                                  const std::function<bool(const fs::path&)>& keep) {
    std::vector<fs::path> files;
    if (fs::is_regular_file(directory)) {
        files.push_back(directory);
    } else if (fs::is_directory(directory)) {
        for (const auto& entry : fs::recursive_directory_iterator(directory)) {
            if (entry.is_regular_file() && keep(entry.path()))
                files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

void add_tree(json& list, const std::string& root_name, const fs::path& root,
              const fs::path& directory) {
    for (const fs::path& file : files_under(directory, [](const fs::path&) { return true; })) {
        json entry = hash_entry(root, file);
        entry["root"] = root_name;
        list.push_back(std::move(entry));
    }
}

// pack_files lists the files of the pack, relative to it, less the manifest and SHA256SUMS when
// asked.
std::vector<std::string> pack_files(const fs::path& pack, bool with_manifest) {
    std::vector<std::string> files;
    for (const fs::path& file : files_under(pack, [](const fs::path&) { return true; })) {
        const std::string path = fs::relative(file, pack).generic_string();
        if (path == checksums_file || (!with_manifest && path == "manifest.json"))
            continue;
        files.push_back(path);
    }
    std::sort(files.begin(), files.end());
    return files;
}

// checksum_line is one line as coreutils' sha256sum prints it: a name holding a backslash or a
// newline is escaped and the line starts with a backslash.
std::string checksum_line(const std::string& hash, const std::string& path) {
    std::string escaped;
    for (const char character : path) {
        if (character == '\\')
            escaped += "\\\\";
        else if (character == '\n')
            escaped += "\\n";
        else
            escaped += character;
    }
    return fmt::format("{}{}  {}\n", escaped == path ? "" : "\\", hash, escaped);
}

// RootLookup is where --verify found (or did not find) one root.
struct RootLookup {
    std::optional<fs::path> directory;
    std::string how;  // "--source-dir", "recorded ../.. from the pack", and why not found
};

RootLookup find_root(const std::string& name, const std::string& option, const fs::path& pack,
                     const json& recorded) {
    const std::string marker = root_markers().at(name);
    fs::path candidate;
    std::string how;
    if (!option.empty()) {
        candidate = fs::absolute(option);
        how = fmt::format("--{}-dir {}", name, option);
    } else if (recorded.contains(name) && recorded[name].is_string()) {
        candidate = pack / recorded[name].get<std::string>();
        how = fmt::format("recorded {} from the pack", recorded[name].get<std::string>());
    } else {
        return {std::nullopt, fmt::format("no {} root recorded; pass --{}-dir", name, name)};
    }
    candidate = fs::weakly_canonical(candidate);
    if (!fs::exists(candidate / marker)) {
        return {std::nullopt, fmt::format("{} → {} is not the {} root (no {}); pass --{}-dir", how,
                                          candidate.string(), name, marker, name)};
    }
    return {candidate, how};
}

// top_directory is the first two components of a relative path ("corpus/fuzz"), to group the
// inputs that could not be checked.
std::string top_directory(const std::string& path) {
    const std::size_t first = path.find('/');
    if (first == std::string::npos)
        return path;
    const std::size_t second = path.find('/', first + 1);
    return second == std::string::npos ? path.substr(0, first) : path.substr(0, second);
}

std::string cell(const json& value) {
    return html_escape(value.is_string() ? value.get<std::string>() : value.dump());
}

}  // namespace

json verification_of(const CheckPaths& paths) {
    const std::string pack = relative_path(paths.out, paths.source);
    const std::string binary = relative_path(paths.self, paths.source);
    const std::string next = pack + "-next";
    return {
        {"roots",
         {{"source", relative_path(paths.source, paths.out)},
          {"shared", relative_path(paths.shared, paths.out)},
          {"build", relative_path(paths.build, paths.out)}}},
        {"source_tree", source_tree_of(paths.source)},
        {"shared_data", shared_data_of(paths.shared)},
        {"checksums", checksums_file},
        {"commands",
         {{"where", "from the source root; PACK is this pack's directory wherever it now is"},
          {"checksums", fmt::format("cd {} && sha256sum -c {}", word(pack), checksums_file)},
          {"verify", fmt::format("{} evidence --verify {}", word(binary), word(pack))},
          {"verify_moved",
           fmt::format("{} evidence --verify PACK --source-dir . --shared-dir {} --build-dir {}",
                       word(binary), word(relative_path(paths.shared, paths.source)),
                       word(relative_path(paths.build, paths.source)))},
          {"compare", fmt::format("{} evidence --out {} --compare {}", word(binary), word(next),
                                  word(pack))}}}};
}

json build_manifest(const CheckPaths& paths, const json& verification, const std::string& created) {
    json inputs = json::array();
    for (const SharedDirectory& directory : shared_directories)
        add_tree(inputs, "shared", paths.shared, paths.shared / directory.name);
    add_tree(inputs, "source", paths.source, paths.source / "corpus");
    add_tree(inputs, "source", paths.source, paths.source / "docs" / "security-target");
    add_tree(inputs, "source", paths.source, paths.source / "proofs" / "scripts");
    add_tree(inputs, "build", paths.build, paths.build / "bin");
    add_tree(inputs, "source", paths.source, paths.source / "build" / "fuzz" / "bin");
    json outputs = json::array();
    for (const std::string& path : pack_files(paths.out, false))
        outputs.push_back(hash_entry(paths.out, paths.out / path));
    return {{"format", manifest_format},
            {"created", created},
            {"roots", verification["roots"]},
            {"source_tree", verification["source_tree"]},
            {"shared_data", verification["shared_data"]},
            {"inputs", inputs},
            {"outputs", outputs}};
}

std::optional<std::string> write_checksums(const fs::path& pack) {
    std::string text;
    std::optional<std::string> manifest_hash;
    for (const std::string& path : pack_files(pack, true)) {
        const std::optional<std::string> hash = sha256_of_file(pack / path);
        if (!hash)
            return std::nullopt;
        if (path == "manifest.json")
            manifest_hash = hash;
        text += checksum_line(*hash, path);
    }
    if (!write_text(pack / checksums_file, text))
        return std::nullopt;
    return manifest_hash;
}

int verify_pack(const fs::path& pack, const VerifyRoots& roots) {
    const std::optional<std::string> text = read_text(pack / "manifest.json");
    if (!text) {
        fmt::print(stderr, "evidence --verify: no manifest.json in {}\nverify: FAIL\n",
                   pack.string());
        return 1;
    }
    json manifest;
    try {
        manifest = json::parse(*text);
    } catch (const json::exception& error) {
        fmt::print("evidence --verify: manifest.json is not JSON ({})\nverify: FAIL\n",
                   error.what());
        return 1;
    }
    if (manifest.value("format", "") != manifest_format) {
        fmt::print(
            "evidence --verify: manifest.json is not {} (a pack of another version?)\n"
            "verify: FAIL\n",
            manifest_format);
        return 1;
    }
    fmt::print("manifest.json sha256 {}\n", sha256_of_file(pack / "manifest.json").value_or("?"));
    std::size_t checked = 0;
    std::vector<std::string> differences;

    // The outputs: the manifest's list, then SHA256SUMS (which covers the manifest as well).
    std::set<std::string> listed;
    for (const json& output : manifest.value("outputs", json::array())) {
        const std::string path = output.value("path", "");
        listed.insert(path);
        ++checked;
        const std::optional<std::string> hash = sha256_of_file(pack / path);
        if (!hash)
            differences.push_back("output missing: " + path);
        else if (*hash != output.value("sha256", ""))
            differences.push_back("output changed: " + path);
    }
    for (const std::string& path : pack_files(pack, false)) {
        if (!listed.contains(path))
            differences.push_back("output not in the manifest: " + path);
    }
    const std::optional<std::string> checksums = read_text(pack / checksums_file);
    if (!checksums) {
        differences.push_back(fmt::format("{} missing", checksums_file));
    } else {
        std::set<std::string> summed;
        for (const std::string& line : lines_of(*checksums)) {
            // Escaped names (a leading backslash) are not produced for the pack's own files.
            if (line.size() < 67 || line.substr(64, 2) != "  ") {
                differences.push_back(fmt::format("{}: malformed line: {}", checksums_file, line));
                continue;
            }
            const std::string path = line.substr(66);
            summed.insert(path);
            if (sha256_of_file(pack / path).value_or("missing") != line.substr(0, 64))
                differences.push_back(fmt::format("{}: {} differs", checksums_file, path));
        }
        for (const std::string& path : pack_files(pack, true)) {
            if (!summed.contains(path))
                differences.push_back(fmt::format("{}: {} not listed", checksums_file, path));
        }
    }

    // The inputs, under the roots given on the command line or recorded relative to the pack.
    const json recorded = manifest.value("roots", json::object());
    std::map<std::string, RootLookup> lookups;
    lookups["source"] = find_root("source", roots.source, pack, recorded);
    lookups["shared"] = find_root("shared", roots.shared, pack, recorded);
    lookups["build"] = find_root("build", roots.build, pack, recorded);
    for (const auto& [name, lookup] : lookups) {
        if (lookup.directory)
            fmt::print("{} root: {} ({})\n", name, lookup.directory->string(), lookup.how);
        else
            fmt::print("{} root: NOT FOUND — {}\n", name, lookup.how);
    }
    // The source tree as it is now, against the recorded hash: a note, not a difference (the
    // inputs the checks read are compared one by one above; the tree may have moved on since).
    const json recorded_tree = manifest.value("source_tree", json::object());
    if (lookups["source"].directory && recorded_tree.contains("content_sha256")) {
        const std::string now = digest_field(capture(fmt::format(
            "cd {} && {} 2>/dev/null", shell_quote(lookups["source"].directory->string()),
            source_content_recipe)));
        fmt::print("source tree: content sha256 {} the recorded one (commit {})\n",
                   now == recorded_tree["content_sha256"] ? "matches" : "now differs from",
                   recorded_tree.value("commit", "?"));
    }
    std::map<std::string, std::size_t> not_found;  // "root: directory" → inputs
    std::size_t unchecked = 0;
    for (const json& input : manifest.value("inputs", json::array())) {
        const std::string root = input.value("root", "");
        const std::string path = input.value("path", "");
        const auto lookup = lookups.find(root);
        if (lookup == lookups.end() || !lookup->second.directory) {
            ++not_found[fmt::format("{} root: {}", root, top_directory(path))];
            ++unchecked;
            continue;
        }
        ++checked;
        const std::optional<std::string> hash = sha256_of_file(*lookup->second.directory / path);
        if (!hash)
            differences.push_back(fmt::format("input missing: {} (under the {} root)", path, root));
        else if (*hash != input.value("sha256", ""))
            differences.push_back(fmt::format("input changed: {} (under the {} root)", path, root));
    }
    for (const std::string& difference : differences)
        fmt::print("  {}\n", difference);
    for (const auto& [where, count] : not_found)
        fmt::print("  input not checked, root not found: {} ({} files)\n", where, count);
    const char* outcome = !differences.empty() ? "FAIL" : (unchecked > 0 ? "INCOMPLETE" : "OK");
    fmt::print("verify: {} — {} files hashed, {} differences, {} inputs not checked ({})\n",
               outcome, checked, differences.size(), unchecked, pack.string());
    if (differences.empty() && unchecked > 0)
        fmt::print(
            "the pack itself matches; pass --source-dir, --shared-dir or --build-dir to "
            "check the inputs as well\n");
    return !differences.empty() ? 1 : (unchecked > 0 ? 3 : 0);
}

std::string verification_section_html(const json& report) {
    if (!report.contains("verification"))
        return "";
    const json& verification = report["verification"];
    const json& tree = verification["source_tree"];
    std::string out =
        "<h2 id=\"verification\">Verifying this pack</h2><p>Every file of the pack is listed in "
        "<code>SHA256SUMS</code> (coreutils format) and in <code>manifest.json</code>, with the "
        "inputs: paths are relative to the pack, or to a root recorded relative to the pack, so "
        "the pack verifies wherever it is copied. The manifest's own SHA-256 is in "
        "<code>SHA256SUMS</code> and printed at the end of the run: record it.</p>";
    const json& commands = verification["commands"];
    out += fmt::format("<p class=\"muted\">Commands, {}:</p><table>",
                       cell(commands.value("where", "")));
    for (const char* name : {"checksums", "verify", "verify_moved", "compare"}) {
        if (commands.contains(name))
            out += fmt::format("<tr><th>{}</th><td><code class=\"command\">{}</code></td></tr>",
                               name, cell(commands[name]));
    }
    out += "</table><h3>Source tree</h3><table>";
    for (const char* key : {"commit", "tree", "clean", "tracked_files", "content_sha256", "recipe"})
        if (tree.contains(key))
            out +=
                fmt::format("<tr><th>{}</th><td><code>{}</code></td></tr>", key, cell(tree[key]));
    std::string status;
    for (const json& line : tree.value("status_porcelain", json::array()))
        status += html_escape(line.get<std::string>()) + "\n";
    out += fmt::format("<tr><th>git status --porcelain</th><td><pre>{}</pre></td></tr></table>",
                       status.empty() ? "(clean)" : status);
    out +=
        "<h3>Shared data</h3><table><tr><th>directory</th><th>files</th><th>SHA-256</th>"
        "<th>read by</th><th>recipe</th></tr>";
    for (const json& directory : verification["shared_data"]) {
        out += fmt::format(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code>"
            "</td></tr>",
            cell(directory["directory"]), cell(directory["files"]), cell(directory["sha256"]),
            cell(directory["read_by"]), cell(directory["recipe"]));
    }
    out += fmt::format("</table><p>report.pdf: {}</p>",
                       cell(report.value("pictures", json::object()).value("pdf", "not recorded")));
    out += "<p class=\"muted\">Roots relative to the pack: ";
    for (const auto& [name, root] : verification["roots"].items())
        out += fmt::format("{} <code>{}</code> ", html_escape(name), cell(root));
    return out + "</p>";
}

}  // namespace ratchetcheck::evidence
