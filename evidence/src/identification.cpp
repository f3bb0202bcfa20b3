#include "identification.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "support.hpp"

namespace ratchetcheck::evidence {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// --- Reading the trees --------------------------------------------------------------------------

// data_file reads docs/security-target/<name>; on failure it records why in `problems` and
// returns an empty object, so that the sections still render and say what is missing.
json data_file(const CheckPaths& paths, const std::string& name, json& problems) {
    const fs::path file = paths.source / "docs" / "security-target" / name;
    const std::optional<std::string> text = read_text(file);
    if (!text) {
        problems.push_back(fmt::format("docs/security-target/{} is missing", name));
        return json::object();
    }
    try {
        return json::parse(*text);
    } catch (const json::exception& error) {
        problems.push_back(fmt::format("docs/security-target/{}: {}", name, error.what()));
        return json::object();
    }
}

// files_under lists the regular files below `directory` whose extension is in `extensions`,
// sorted, so that every listing (and so the report) is in a stable order.
std::vector<fs::path> files_under(const fs::path& directory,
                                  const std::set<std::string>& extensions) {
    std::vector<fs::path> files;
    std::error_code error;
    if (!fs::is_directory(directory, error))
        return files;
    for (const auto& entry : fs::recursive_directory_iterator(directory, error)) {
        if (entry.is_regular_file() && extensions.contains(entry.path().extension().string()))
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// SourceMatch is one regex match in a source file: its capture groups and where it is.
struct SourceMatch {
    std::vector<std::string> groups;
    std::string where;  // path relative to the source tree, ":line"
};

// grep_sources runs `pattern` over every line of every C++ file below `directory`.
std::vector<SourceMatch> grep_sources(const CheckPaths& paths, const fs::path& directory,
                                      const std::regex& pattern) {
    std::vector<SourceMatch> matches;
    for (const fs::path& file : files_under(directory, {".cpp", ".hpp"})) {
        std::istringstream lines(read_text(file).value_or(""));
        std::string line;
        std::size_t number = 0;
        while (std::getline(lines, line)) {
            ++number;
            for (std::sregex_iterator match(line.begin(), line.end(), pattern), end; match != end;
                 ++match) {
                SourceMatch found;
                for (std::size_t group = 1; group < match->size(); ++group)
                    found.groups.push_back((*match)[group]);
                found.where =
                    fmt::format("{}:{}", fs::relative(file, paths.source).string(), number);
                matches.push_back(std::move(found));
            }
        }
    }
    return matches;
}

// where_in names the first line of `file` (relative to the source tree) containing `needle`.
std::string where_in(const CheckPaths& paths, const std::string& file, const std::string& needle) {
    std::istringstream lines(read_text(paths.source / file).value_or(""));
    std::string line;
    std::size_t number = 0;
    while (std::getline(lines, line)) {
        ++number;
        if (line.find(needle) != std::string::npos)
            return fmt::format("{}:{}", file, number);
    }
    return fmt::format("{} (\"{}\" not found)", file, needle);
}

// test_results maps each test this run ran (any ctest-based check) to its status.
std::map<std::string, std::string> test_results(const json& checks) {
    std::map<std::string, std::string> results;
    for (const json& check : checks) {
        for (const json& test : check.value("tests", json::array()))
            results[test.value("name", "")] = test.value("status", "");
    }
    return results;
}

const json* check_named(const json& checks, const std::string& id) {
    for (const json& check : checks) {
        if (check.value("id", "") == id)
            return &check;
    }
    return nullptr;
}

// --- The TOE ------------------------------------------------------------------------------------

std::string project_version(const CheckPaths& paths) {
    const std::string text = read_text(paths.source / "CMakeLists.txt").value_or("");
    std::smatch match;
    if (std::regex_search(text, match,
                          std::regex(R"(project\(\s*ratchetcheck\s+VERSION\s+([0-9.]+))")))
        return match[1];
    return "unknown (no project(ratchetcheck VERSION ...) in CMakeLists.txt)";
}

// preset_of finds the configure preset whose binaryDir is this build tree, following `inherits`
// for binaryDir and CMAKE_BUILD_TYPE. A build tree configured by hand matches none.
json preset_of(const CheckPaths& paths) {
    json presets;
    try {
        presets = json::parse(read_text(paths.source / "CMakePresets.json").value_or(""));
    } catch (const json::exception&) {
        return {{"name", nullptr}, {"note", "CMakePresets.json unreadable"}};
    }
    std::map<std::string, json> by_name;
    for (const json& preset : presets.value("configurePresets", json::array()))
        by_name[preset.value("name", "")] = preset;
    const auto inherited = [&by_name](const std::string& name, const auto& field) {
        std::string current = name;
        for (int depth = 0; depth < 16 && by_name.contains(current); ++depth) {
            json value = field(by_name[current]);
            if (!value.is_null())
                return value;
            const json parents = by_name[current].value("inherits", json());
            current = parents.is_array() && !parents.empty() ? parents[0].get<std::string>()
                      : parents.is_string()                  ? parents.get<std::string>()
                                                             : "";
        }
        return json();
    };
    std::error_code error;
    const fs::path build = fs::weakly_canonical(paths.build, error);
    for (const auto& [name, preset] : by_name) {
        const json binary_dir = inherited(name, [](const json& candidate) {
            return candidate.contains("binaryDir") ? candidate["binaryDir"] : json();
        });
        if (!binary_dir.is_string())
            continue;
        std::string directory = binary_dir.get<std::string>();
        for (const auto& [macro, value] :
             {std::pair<std::string, std::string>{"${sourceDir}", paths.source.string()},
              {"${presetName}", name}}) {
            for (std::size_t at = directory.find(macro); at != std::string::npos;
                 at = directory.find(macro))
                directory.replace(at, macro.size(), value);
        }
        if (fs::weakly_canonical(directory, error) != build)
            continue;
        const json build_type = inherited(name, [](const json& candidate) {
            const json variables = candidate.value("cacheVariables", json::object());
            return variables.contains("CMAKE_BUILD_TYPE") ? variables["CMAKE_BUILD_TYPE"] : json();
        });
        return {{"name", name},
                {"display_name", preset.value("displayName", "")},
                {"preset_build_type", build_type},
                {"note",
                 "matched by its binaryDir; the cache below says what was really "
                 "configured (a -D on the command line overrides the preset)"}};
    }
    return {{"name", nullptr},
            {"note", "the build tree is no preset's binaryDir (configured by hand)"}};
}

// built_library finds the TOE's library file in the build tree: lib/ first (where the project
// puts archives), then anywhere below the build tree.
std::optional<fs::path> built_library(const fs::path& build) {
    for (const char* name : {"libratchetcheck_protocol.a", "libratchetcheck_protocol.so"}) {
        if (fs::is_regular_file(build / "lib" / name))
            return build / "lib" / name;
    }
    std::error_code error;
    for (auto entry = fs::recursive_directory_iterator(build, error);
         entry != fs::recursive_directory_iterator(); entry.increment(error)) {
        if (error)
            break;
        const std::string name = entry->path().filename().string();
        if (entry->is_regular_file() && name.rfind("libratchetcheck_protocol.", 0) == 0)
            return entry->path();
    }
    return std::nullopt;
}

json toe_of(const CheckPaths& paths) {
    json problems = json::array();
    const json data = data_file(paths, "toe.json", problems);
    json toe = data.value("toe", json::object());
    toe["version"] = project_version(paths);
    toe["version_source"] = "project(ratchetcheck VERSION ...) in CMakeLists.txt";

    const std::string source = shell_quote(paths.source.string());
    const std::optional<std::string> commit =
        capture(fmt::format("git -C {} rev-parse HEAD 2>/dev/null", source));
    const std::optional<std::string> status =
        capture(fmt::format("git -C {} status --porcelain 2>/dev/null", source));
    toe["commit"] = commit ? json(first_line(*commit)) : json(nullptr);
    toe["clean_tree"] = commit && status && status->empty();
    json uncommitted = json::array();
    if (status) {
        std::istringstream lines(*status);
        std::string line;
        while (std::getline(lines, line) && uncommitted.size() < 25)
            uncommitted.push_back(line);
    }
    toe["uncommitted"] = uncommitted;
    if (!commit)
        toe["clean_tree_note"] = "not a git checkout: the tree cannot be shown clean";

    json build = preset_of(paths);
    // Relative to the pack, as environment.paths: the pack is read on another machine.
    build["directory"] = fs::relative(paths.build, paths.out).string();
    build["build_type"] = cache_value(paths.build, "CMAKE_BUILD_TYPE");
    build["compiler"] = cache_value(paths.build, "CMAKE_CXX_COMPILER");
    const std::string sanitize = cache_value(paths.build, "RATCHETCHECK_SANITIZE");
    build["sanitize"] = sanitize.empty() ? "none" : sanitize;
    build["warnings_as_errors"] = cache_value(paths.build, "RATCHETCHECK_WARNINGS_AS_ERRORS");
    build["toe_compile_flags"] = compile_flags(paths.build, "/protocol/src/party.cpp");
    build["flags_source"] =
        "compile_commands.json: the command of protocol/src/party.cpp (every source of "
        "ratchetcheck_protocol gets the same flags)";
    toe["build"] = build;

    const std::optional<fs::path> library = built_library(paths.build);
    if (library) {
        std::error_code error;
        toe["library"] = {{"file", fs::relative(*library, paths.build).string()},
                          {"root", "build"},
                          {"sha256", sha256_of_file(*library).value_or("unreadable")},
                          {"bytes", fs::file_size(*library, error)}};
    } else {
        toe["library"] = nullptr;
        problems.push_back(
            "libratchetcheck_protocol is not in the build tree: build it with "
            "`cmake --build " +
            paths.build.string() + " --target ratchetcheck_protocol`");
    }

    // The public API is what `cmake --install` copies into include/: the build tree's
    // protocol/cmake_install.cmake lists those files. A header under protocol/include that it does
    // not list is not API, and is named as a problem.
    json headers = json::array();
    std::set<std::string> installed;
    const std::string install_script =
        read_text(paths.build / "protocol" / "cmake_install.cmake").value_or("");
    const std::regex block(
        R"re(DESTINATION "\$\{CMAKE_INSTALL_PREFIX\}/include/([^"]*)" TYPE FILE FILES([^)]*)\))re");
    const std::regex quoted(R"re("([^"]+)")re");
    for (std::sregex_iterator match(install_script.begin(), install_script.end(), block), end;
         match != end; ++match) {
        const std::string destination = (*match)[1];
        const std::string files = (*match)[2];
        for (std::sregex_iterator file(files.begin(), files.end(), quoted), none; file != none;
             ++file) {
            const fs::path header = (*file)[1].str();
            const std::string name = destination + "/" + header.filename().string();
            installed.insert(header.filename().string());
            headers.push_back(
                {{"header", name}, {"sha256", sha256_of_file(header).value_or("unreadable")}});
        }
    }
    std::sort(headers.begin(), headers.end(), [](const json& left, const json& right) {
        return left["header"].get<std::string>() < right["header"].get<std::string>();
    });
    toe["public_api_source"] =
        "protocol/cmake_install.cmake of the build tree (what `cmake "
        "--install` copies into include/)";
    if (headers.empty())
        problems.push_back("the build tree's protocol/cmake_install.cmake installs no header");
    for (const fs::path& header :
         files_under(paths.source / "protocol" / "include" / "ratchetcheck", {".hpp", ".h"})) {
        if (!installed.contains(header.filename().string()))
            problems.push_back(
                fmt::format("protocol/include/ratchetcheck/{} is not installed "
                            "(not in RATCHETCHECK_PUBLIC_HEADERS)",
                            header.filename().string()));
    }
    toe["public_api"] = headers;

    json boundary = data.value("boundary", json::array());
    utsname host{};
    const std::string kernel =
        uname(&host) == 0 ? fmt::format("{} {} {}", host.sysname, host.release, host.machine)
                          : "unknown";
    const std::string os =
        last_line_matching(read_text("/etc/os-release").value_or(""), "PRETTY_NAME=");
    for (json& part : boundary) {
        const std::string name = part.value("part", "");
        if (name == "Cryptographic libraries") {
            part["versions"] = {
                fmt::format("libsodium {} (linked into this binary)", sodium_version_string()),
                fmt::format("{} (linked into this binary)", OpenSSL_version(OPENSSL_VERSION))};
        } else if (name == "Operating system") {
            part["versions"] = {kernel, os};
        } else if (name == "TOE") {
            part["versions"] = {fmt::format("ratchetcheck {} at {}",
                                            toe["version"].get<std::string>(),
                                            commit ? first_line(*commit) : "unknown commit")};
        }
    }
    toe["boundary"] = boundary;
    toe["peer_assumption"] = data.value("peer_assumption", json::object());
    toe["problems"] = problems;
    return toe;
}

// --- Known-answer tests -------------------------------------------------------------------------

// kat_source classifies a KAT test by its suite name: where its expected values come from.
std::string kat_source(const std::string& test) {
    const std::pair<const char*, const char*> sources[] = {
        {"Rfc7748", "RFC 7748 (X25519)"},
        {"Rfc5869", "RFC 5869 (HKDF-SHA256)"},
        {"Rfc4231", "RFC 4231 (HMAC-SHA256)"},
        {"Wycheproof", "Wycheproof (one test per vector file)"},
        {"Xeddsa", "XEdDSA (round trips, rejections, against libsignal-protocol-c)"},
        {"TranscriptSignedPrekey", "XEdDSA (the libsignal-protocol-c transcripts' signatures)"},
        {"SecretArray", "secret handling (wiping, constant-time compare)"},
        {"ConstantTimeEqual", "secret handling (wiping, constant-time compare)"},
        {"RandomGeneration", "RNG use (no known answer: distinct, clamped, fresh nonces)"},
        {"KyberKat", "Kyber-1024 round 3 (../shared/kem/kyber_r3_kat.vec, NIST DRBG)"},
        {"KyberRejection", "Kyber-1024 implicit rejection (libcrux-ml-kem)"},
        {"KyberLengths", "Kyber-1024 typed refusals of wrong sizes"},
        {"KyberOwnership", "secret handling (wiping, constant-time compare)"},
        {"PqxdhDerivation", "PQXDH derivation recomputed with OpenSSL (signal-v4-pqxdh)"}};
    // Parameterised suites carry a prefix ("SignalV3/TranscriptSignedPrekey.…"): the suite is
    // what follows the last '/' before the '.'.
    const std::string suite = test.substr(0, test.find('.'));
    const std::string name =
        suite.substr(suite.rfind('/') == std::string::npos ? 0 : suite.rfind('/') + 1);
    for (const auto& [prefix, source] : sources) {
        if (name.rfind(prefix, 0) == 0)
            return source;
    }
    return "other (" + name + ")";
}

json kats_of(const CheckPaths& paths, const json& checks) {
    json kats;
    const fs::path wycheproof = paths.shared / "wycheproof";
    const std::string marker = read_text(wycheproof / "SOURCE").value_or("");
    std::smatch commit_match;
    if (std::regex_search(marker, commit_match, std::regex(R"(^([0-9a-f]{40})\s*(.*))"))) {
        kats["wycheproof_commit"] = commit_match[1];
        kats["wycheproof_commit_date"] = first_line(commit_match[2]);
        kats["wycheproof_commit_source"] = "wycheproof/SOURCE in the shared directory";
    } else {
        kats["wycheproof_commit"] = nullptr;
        kats["wycheproof_commit_source"] =
            "no commit recorded (no wycheproof/SOURCE): the files are identified by their "
            "SHA-256 only";
    }
    // The files the KATs read: every "<name>_test.json" a test source under tests/kat names.
    std::map<std::string, std::set<std::string>> readers;
    for (const SourceMatch& match : grep_sources(paths, paths.source / "tests" / "kat",
                                                 std::regex(R"re("([a-z0-9_]+_test\.json)")re"))) {
        readers[match.groups[0]].insert(match.where.substr(0, match.where.find(':')));
    }
    json files = json::array();
    for (const auto& [name, sources] : readers) {
        json file = {{"file", "wycheproof/" + name},
                     {"read_by", std::vector<std::string>(sources.begin(), sources.end())},
                     {"sha256", sha256_of_file(wycheproof / name).value_or("missing")}};
        try {
            const json document = json::parse(read_text(wycheproof / name).value_or(""));
            std::size_t cases = 0;
            for (const json& group : document.value("testGroups", json::array()))
                cases += group.value("tests", json::array()).size();
            file["algorithm"] = document.value("algorithm", "");
            file["declared_tests"] = document.value("numberOfTests", 0);
            file["cases"] = cases;
        } catch (const json::exception&) {
            file["cases"] = nullptr;
            file["note"] = "missing or not JSON";
        }
        files.push_back(std::move(file));
    }
    kats["wycheproof_files"] = files;

    const json* kat = check_named(checks, "kat");
    if (kat == nullptr || !kat->contains("tests")) {
        kats["this_run"] = nullptr;
        kats["this_run_note"] = "the kat check did not run: no KAT result in this pack";
    } else {
        std::map<std::string, std::map<std::string, std::size_t>> by_source;
        for (const json& test : (*kat)["tests"])
            ++by_source[kat_source(test.value("name", ""))][test.value("status", "")];
        json rows = json::array();
        for (const auto& entry : by_source) {
            const std::string& source = entry.first;
            const std::map<std::string, std::size_t>& counts = entry.second;
            const auto count = [&counts](const std::string& status) {
                const auto found = counts.find(status);
                return found == counts.end() ? std::size_t{0} : found->second;
            };
            rows.push_back({{"source", source},
                            {"passed", count("pass")},
                            {"failed", count("fail")},
                            {"skipped", count("skipped")}});
        }
        kats["this_run"] = rows;
    }
    kats["post_quantum"] =
        "Kyber-1024 as submitted to round 3 (libcrux-ml-kem 0.0.11, feature kyber; the KEM of "
        "signal-v4-pqxdh): every Kyber-1024 answer of ../shared/kem/kyber_r3_kat.vec through our "
        "wrapper, implicit rejection, typed refusals of wrong sizes; and PQXDH's key derivation "
        "recomputed apart from the protocol code. signal-v3 has no KEM.";
    return kats;
}

// --- The key-derivation tree --------------------------------------------------------------------

std::string dot_escape(const std::string& text) {
    std::string out;
    for (const char character : text) {
        if (character == '\n') {
            out += "\\n";
            continue;
        }
        if (character == '"' || character == '\\')
            out += '\\';
        out += character;
    }
    return out;
}

// kdf_tree_of reads every info string (constexpr std::string_view) and single-byte constant
// (constexpr std::uint8_t) of protocol/src and draws the tree with them. Nothing in the picture
// is typed here: a changed info string in the code changes the picture.
json kdf_tree_of(const CheckPaths& paths) {
    json problems = json::array();
    const fs::path code = paths.source / "protocol" / "src";
    json info_strings = json::array();
    std::map<std::string, std::string> value_of;
    for (const SourceMatch& match :
         grep_sources(paths, code,
                      std::regex(R"re(constexpr\s+std::string_view\s+(\w+)\s*=\s*"([^"]*)")re"))) {
        info_strings.push_back(
            {{"name", match.groups[0]}, {"value", match.groups[1]}, {"where", match.where}});
        value_of[match.groups[0]] = "\"" + match.groups[1] + "\"";
    }
    json constants = json::array();
    for (const SourceMatch& match : grep_sources(
             paths, code,
             std::regex(R"re(constexpr\s+std::uint8_t\s+(\w+)\s*=\s*(0x[0-9A-Fa-f]+))re"))) {
        constants.push_back(
            {{"name", match.groups[0]}, {"value", match.groups[1]}, {"where", match.where}});
        value_of[match.groups[0]] = match.groups[1];
    }
    std::string prefix = "not found in protocol/src/x3dh.cpp";
    for (const SourceMatch& match : grep_sources(
             paths, code, std::regex(R"re(bytes_\.assign\((\d+),\s*(0x[0-9A-Fa-f]+)\))re"))) {
        prefix = fmt::format("{} × {}", match.groups[0], match.groups[1]);
        constants.push_back(
            {{"name", "x3dh_secret_prefix (F)"}, {"value", prefix}, {"where", match.where}});
    }
    std::set<std::string> drawn;
    const auto constant = [&](const std::string& name) {
        drawn.insert(name);
        const auto found = value_of.find(name);
        if (found != value_of.end())
            return found->second;
        problems.push_back(
            fmt::format("the KDF tree names {} but protocol/src defines no such "
                        "constant",
                        name));
        return fmt::format("?? ({} not in the code)", name);
    };
    std::string dot =
        "digraph kdf {\n  rankdir=TB; node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
        "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    const auto node = [&dot](const std::string& id, const std::string& label,
                             const std::string& style = "") {
        dot += fmt::format("  {} [label=\"{}\"{}];\n", id, dot_escape(label), style);
    };
    const std::string secret = ", style=filled, fillcolor=\"#fdecea\"";
    const std::string function = ", style=\"rounded,filled\", fillcolor=\"#e8f0fe\"";
    node("dh",
         "DH1 = DH(IK_A, SPK_B)\nDH2 = DH(EK_A, IK_B)\nDH3 = DH(EK_A, SPK_B)\nDH4 = "
         "DH(EK_A, OPK_B), if a one-time prekey\nX3DH §3.3",
         secret);
    node("prefix", fmt::format("F = {}\nX3DH §2.2", prefix));
    node("x3dh_kdf",
         fmt::format("HKDF-SHA256 (zero salt)\ninfo = {}\n64 bytes: RK ‖ CK (libsignal; X3DH "
                     "§2.2's KDF gives a 32-byte SK)\nX3DH §2.2, §3.3; DR §5.1",
                     constant("x3dh_info")),
         function);
    node("kem",
         "SS = Kyber-1024 shared secret\ninitiator: PQKEM-ENC(PQPK_B); responder: PQKEM-DEC\n"
         "signal-v4-pqxdh only, appended after DH4\nPQXDH §3.3, §3.4",
         secret);
    node("pqxdh_kdf",
         fmt::format("HKDF-SHA256 (zero salt)\ninfo = {}\n64 bytes: RK ‖ CK (libsignal derives 96; "
                     "the last 32 feed SPQR, not run here)\nPQXDH §2.2, §3.3",
                     constant("pqxdh_info")),
         function);
    node("rk0", "root key RK\n(the first KDF_RK input, DR §3.3)", secret);
    node("ck0", "chain key CK\n(initiator: a receiving chain never used)", secret);
    node("dh_ratchet", "DH(own ratchet key, peer ratchet key)\nDR §3.1 DH", secret);
    node("kdf_rk",
         fmt::format("KDF_RK: HKDF-SHA256\nsalt = RK, input = DH output\ninfo = {}\n64 bytes: "
                     "RK' ‖ CK\nDR §3.1, §5.2",
                     constant("root_info")),
         function);
    node("rk1", "next root key RK'", secret);
    node("ck1", "sending or receiving chain key CK", secret);
    node("kdf_ck", "KDF_CK: HMAC-SHA256 keyed by CK\nDR §3.1, §5.2", function);
    node("seed", fmt::format("message key seed = HMAC(CK, {})", constant("message_key_seed_input")),
         secret);
    node("next_ck",
         fmt::format("next chain key CK' = HMAC(CK, {})", constant("chain_key_seed_input")),
         secret);
    node("mk_kdf",
         fmt::format("HKDF-SHA256 (zero salt)\ninfo = {}\n80 bytes\nDR §5.2 (ENCRYPT)",
                     constant("message_keys_info")),
         function);
    node("cipher_key", "cipher key (32 bytes)\nAES-256-CBC", secret);
    node("mac_key", "MAC key (32 bytes)\nHMAC-SHA256, tag truncated to 8 bytes", secret);
    node("iv", "IV (16 bytes)\nunique per message key", secret);
    dot +=
        "  dh -> x3dh_kdf; prefix -> x3dh_kdf; x3dh_kdf -> rk0; x3dh_kdf -> ck0;\n"
        "  dh -> pqxdh_kdf; prefix -> pqxdh_kdf; kem -> pqxdh_kdf;\n"
        "  pqxdh_kdf -> rk0 [label=\"signal-v4-pqxdh\"]; pqxdh_kdf -> ck0;\n"
        "  rk0 -> kdf_rk; dh_ratchet -> kdf_rk; kdf_rk -> rk1; kdf_rk -> ck1;\n"
        "  rk1 -> kdf_rk [label=\"next DH step\", style=dashed];\n"
        "  ck0 -> kdf_ck; ck1 -> kdf_ck; kdf_ck -> seed; kdf_ck -> next_ck;\n"
        "  next_ck -> kdf_ck [label=\"next message\", style=dashed];\n"
        "  seed -> mk_kdf; mk_kdf -> cipher_key; mk_kdf -> mac_key; mk_kdf -> iv;\n";
    // Any info string or constant the tree above does not place is still shown, so that the
    // picture lists everything the code derives keys with.
    std::string others;
    for (const json* list : {&info_strings, &constants}) {
        for (const json& entry : *list) {
            const std::string name = entry["name"];
            if (!drawn.contains(name) && name.rfind("x3dh_secret_prefix", 0) != 0)
                others += fmt::format("{} = {} ({})\n", name, value_of[name],
                                      entry["where"].get<std::string>());
        }
    }
    if (!others.empty())
        node("others", "Also in protocol/src, not placed in the tree:\n" + others,
             ", style=dashed");
    dot += "}\n";

    write_text(paths.out / "kdf-tree.dot", dot);
    json tree = {{"dot", "kdf-tree.dot"},
                 {"info_strings", info_strings},
                 {"constants", constants},
                 {"source",
                  "protocol/src: every constexpr std::string_view and std::uint8_t "
                  "constant, read when the pack is made"}};
    tree["problems"] = problems;
    const std::optional<std::string> svg = capture(fmt::format(
        "dot -Tsvg {} 2>/dev/null", shell_quote((paths.out / "kdf-tree.dot").string())));
    const std::size_t start = svg ? svg->find("<svg") : std::string::npos;
    if (start == std::string::npos) {
        tree["svg_file"] = nullptr;
        tree["svg"] = "";
        tree["problems"].push_back(
            "Graphviz dot is not installed: the KDF tree is only kdf-tree.dot");
    } else {
        write_text(paths.out / "kdf-tree.svg", *svg);
        tree["svg_file"] = "kdf-tree.svg";
        tree["svg"] = svg->substr(start);
    }
    return tree;
}

// --- Declassifications, zeroization, RNG, proofs ------------------------------------------------

// declassifications_of lists every declassify_* call of protocol/src with the reason its
// declaration gives in constant_time.hpp (the comment "// declassify_x: why").
json declassifications_of(const CheckPaths& paths, json& problems) {
    std::map<std::string, std::string> reasons;
    const std::string header = read_text(paths.source / "protocol" / "internal" / "ratchetcheck" /
                                         "crypto" / "constant_time.hpp")
                                   .value_or("");
    std::istringstream lines(header);
    std::string line;
    std::string current;
    const std::regex opening(R"(^// (declassify_\w+): (.*)$)");
    std::smatch match;
    while (std::getline(lines, line)) {
        if (std::regex_match(line, match, opening)) {
            current = match[1];
            reasons[current] = match[2];
        } else if (!current.empty() && line.rfind("// ", 0) == 0) {
            reasons[current] += " " + line.substr(3);
        } else {
            current.clear();
        }
    }
    json list = json::array();
    for (const SourceMatch& call :
         grep_sources(paths, paths.source / "protocol" / "src",
                      std::regex(R"(constant_time::(declassify_\w+)\()"))) {
        const auto reason = reasons.find(call.groups[0]);
        if (reason == reasons.end())
            problems.push_back(call.groups[0] + " has no reason in constant_time.hpp");
        list.push_back(
            {{"function", call.groups[0]},
             {"where", call.where},
             {"why", reason == reasons.end() ? "no reason documented" : reason->second}});
    }
    return list;
}

json zeroization_of(const CheckPaths& paths, const std::vector<std::string>& names,
                    const json& checks, json& problems) {
    json data = data_file(paths, "zeroization.json", problems);
    const std::set<std::string> known(names.begin(), names.end());
    const std::map<std::string, std::string> results = test_results(checks);
    // gtest_discover_tests lists a binary that is not built as "<target>_NOT_BUILT": then a test
    // missing from the list may only be unbuilt, not misnamed.
    const bool unbuilt = std::any_of(names.begin(), names.end(), [](const std::string& name) {
        return name.find("_NOT_BUILT") != std::string::npos;
    });
    json rows = json::array();
    for (json row : data.value("secrets", json::array())) {
        json tests = json::array();
        for (const json& test : row.value("tested_by", json::array())) {
            const std::string name = test.get<std::string>();
            const auto result = results.find(name);
            if (!known.contains(name))
                problems.push_back(fmt::format(
                    "zeroization.json: {} is not a test ctest lists in this build tree{}", name,
                    unbuilt ? " (some test binaries are not built, so it may only be unbuilt)"
                            : ""));
            tests.push_back({{"test", name},
                             {"known", known.contains(name)},
                             {"result", result == results.end() ? "not_run" : result->second}});
        }
        row["tested_by"] = tests;
        rows.push_back(std::move(row));
    }
    return {{"secrets", rows},
            {"exceptions", data.value("exceptions", json::array())},
            {"source", "docs/security-target/zeroization.json"}};
}

json rng_failure_of(const CheckPaths& paths, const std::vector<std::string>& names,
                    const json& checks) {
    const std::map<std::string, std::string> results = test_results(checks);
    json tests = json::array();
    for (const std::string& name : names) {
        if (name.rfind("KeySourceExhaustion.", 0) == 0 || name.rfind("RandomGeneration.", 0) == 0) {
            const auto result = results.find(name);
            tests.push_back(
                {{"test", name}, {"result", result == results.end() ? "not_run" : result->second}});
        }
    }
    const std::string primitives = "protocol/src/crypto/primitives.cpp";
    return {
        {"behaviour",
         "The process aborts; no key is ever made from a failed read. crypto::initialize() "
         "aborts when sodium_init() fails (libsodium cannot open its randomness source), and "
         "libsodium's randombytes_buf aborts by itself when getrandom(2) fails. Nothing is "
         "returned to the caller: a Result cannot carry a half-made key."},
        {"code",
         {where_in(paths, primitives, "sodium_init() < 0"),
          where_in(paths, primitives, "randombytes_buf("),
          where_in(paths, "protocol/src/key_source.cpp", "fill_random(")}},
        {"injected_source",
         "A KeySource that has no key to give (the injected sources of the tests and the replay "
         "harness) returns Error::key_source_exhausted, and the operation leaves the party "
         "unchanged. Tests:"},
        {"tests", tests},
        {"tests_note",
         tests.empty() ? "ctest lists no KeySourceExhaustion.* or RandomGeneration.* test in this "
                         "build tree (unit_tests, kat_test not built?)"
                       : "KeySourceExhaustion.* (tests/unit/party_rejection_test.cpp): no key, "
                         "no change; RandomGeneration.* (tests/kat/rng_test.cpp): the RNG's use "
                         "(distinct clamped keys, fresh XEdDSA nonces)"},
        {"untested",
         "The abort itself is not tested: it needs the kernel to refuse getrandom(2), which a "
         "test cannot arrange without interposing the system call."}};
}

json proofs_assumptions_of(const json& checks) {
    const auto status_of = [&checks](const std::string& id) {
        const json* check = check_named(checks, id);
        return check == nullptr ? std::string("not run") : check->value("status", "not run");
    };
    const json* property = check_named(checks, "property");
    const json* interop = check_named(checks, "interop");
    const json* proof = check_named(checks, "proof");
    json refinement = {
        {"property_check", status_of("property")},
        {"property_parameters",
         property ? property->value("parameters", json::object()) : json::object()},
        {"property_tests_passed",
         property ? property->value("counts", json::object()).value("passed", json()) : json()},
        {"interop_check", status_of("interop")},
        {"interop_parameters",
         interop ? interop->value("parameters", json::object()) : json::object()},
        {"proof_check", status_of("proof")},
        {"invariants_proved",
         proof ? proof->value("counts", json::object()).value("proved", json()) : json()}};
    std::string tested = "Not tested in this run: neither the property nor the interop check ran.";
    if (property != nullptr || interop != nullptr) {
        tested = "Tested in this run, not proved:";
        if (property != nullptr) {
            tested += fmt::format(
                " property check {} ({} property tests, {});", status_of("property"),
                refinement["property_tests_passed"].dump(),
                property->value("parameters", json::object()).value("RC_PARAMS", "no RC_PARAMS"));
        }
        if (interop != nullptr) {
            tested += fmt::format(" interop check {} ({} scenarios);", status_of("interop"),
                                  interop->value("parameters", json::object())
                                      .value("RATCHETCHECK_INTEROP_SCENARIOS", "?"));
        }
    }
    return {{"statements",
             // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): sentences split over lines
             {"The proofs are about an abstract model (model/: the protocol's state as counters, "
              "sets and flags), not about the C++ code.",
              "Cryptography is symbolic: keys and KDF outputs are values the model names, secret "
              "exactly when the model says so; there is no computational reduction and no "
              "probability. X25519, HKDF, HMAC, AES and XEdDSA are assumed ideal (A.PRIMITIVES).",
              "The invariants are proved by induction over the model's transitions (Z3), with a "
              "witness per invariant that shows it is not vacuous.",
              "That the implementation refines the model is tested, not proved: the property "
              "tests run random operation sequences on the implementation and the model side by "
              "side, and the interop check runs random scenarios against libsignal-protocol-c.",
              tested}},
            {"this_run", refinement}};
}

json identity_key_of(const CheckPaths& paths) {
    return {
        {"text",
         "One identity key pair serves two purposes: X25519 key agreement (X3DH DH1 and DH2) and, "
         "converted to its Edwards form, XEdDSA signatures of the signed prekey. X3DH §3.2 has "
         "the signed prekey signed by the identity key, §3.3 uses the same key in DH1 and DH2; "
         "XEdDSA §1 gives the scheme's purpose, signing with an X25519 key pair, and §2.3 the "
         "conversion to Edwards form (calculate_key_pair). ANSSI's rule of one key, one purpose "
         "(RègleGestAsym item 1, see the conformance table) is therefore not met."},
        {"code",
         {where_in(paths, "protocol/src/x3dh.cpp", "xeddsa_verify(bundle.identity_key"),
          where_in(paths, "protocol/src/x3dh.cpp", "append_agreement(party.identity"),
          where_in(paths, "protocol/src/crypto/xeddsa.cpp", "xeddsa_sign")}}};
}

json anssi_of(const CheckPaths& paths) {
    json problems = json::array();
    json data = data_file(paths, "anssi-pg-083.json", problems);
    std::size_t met = 0;
    std::size_t not_met = 0;
    for (const json& rule : data.value("rules", json::array())) {
        const std::string status = rule.value("status", "");
        if (status == "met")
            ++met;
        else if (status == "not_met")
            ++not_met;
        else
            problems.push_back(
                fmt::format("anssi-pg-083.json: {} has status \"{}\" (met or "
                            "not_met)",
                            rule.value("id", "?"), status));
    }
    data["counts"] = {{"met", met}, {"not_met", not_met}};
    data["source"] = "docs/security-target/anssi-pg-083.json";
    data["problems"] = problems;
    return data;
}

// --- HTML ---------------------------------------------------------------------------------------

std::string text_of(const json& value) {
    if (value.is_string())
        return html_escape(value.get<std::string>());
    if (value.is_null())
        return "—";
    return html_escape(value.dump());
}

std::string list_of(const json& values) {
    std::string out;
    for (const json& value : values)
        out += (out.empty() ? "" : "<br>") + text_of(value);
    return out.empty() ? "—" : out;
}

std::string problems_html(const json& problems) {
    if (problems.empty())
        return "";
    std::string out = "<ul>";
    for (const json& problem : problems)
        out += "<li class=\"gap\">" + text_of(problem) + "</li>";
    return out + "</ul>";
}

std::string result_chip(const std::string& name, const std::string& result) {
    return fmt::format(R"(<span class="chip {0}" title="{0}">{1}</span>)", html_escape(result),
                       html_escape(name));
}

std::string toe_html(const json& toe) {
    const json& build = toe["build"];
    const json& library = toe["library"];
    std::string out = fmt::format(
        "<h2 id=\"toe\">Target of evaluation</h2><p><b>{}</b> (CMake target <code>{}</code>, "
        "sources <code>{}</code>) — {}</p><table id=\"toe-identification\">"
        "<tr><th>version</th><td>{} <span class=\"muted\">({})</span></td></tr>"
        "<tr><th>commit</th><td><code>{}</code></td></tr>"
        "<tr><th>clean tree</th><td>{}</td></tr>"
        "<tr><th>preset</th><td>{} <span class=\"muted\">{}</span></td></tr>"
        "<tr><th>build type, compiler</th><td>{} (preset says {}), <code>{}</code>; sanitizers: "
        "{}; warnings as errors: {}</td></tr>"
        "<tr><th>TOE compile flags</th><td><code>{}</code></td></tr>"
        "<tr><th>library</th><td>{}</td></tr></table>",
        text_of(toe.value("name", json())), text_of(toe.value("target", json())),
        text_of(toe.value("source", json())), text_of(toe.value("text", json())),
        text_of(toe["version"]), text_of(toe["version_source"]), text_of(toe["commit"]),
        toe.value("clean_tree", false)
            ? "<span class=\"pass\">yes</span> (<code>git status --porcelain</code> is empty)"
            : fmt::format("<span class=\"fail\">no</span> — {}",
                          toe["uncommitted"].empty() ? text_of(toe.value("clean_tree_note", ""))
                                                     : list_of(toe["uncommitted"])),
        text_of(build.value("name", json())), text_of(build.value("note", json())),
        text_of(build.value("build_type", json())),
        text_of(build.value("preset_build_type", json())), text_of(build.value("compiler", json())),
        text_of(build.value("sanitize", json())),
        text_of(build.value("warnings_as_errors", json())),
        text_of(build.value("toe_compile_flags", json())),
        library.is_object()
            ? fmt::format("<code>{}</code> (build tree), {} bytes, SHA-256 <code id=\"toe-library-"
                          "sha256\">{}</code>",
                          text_of(library["file"]), text_of(library["bytes"]),
                          text_of(library["sha256"]))
            : "<span class=\"gap\">not built</span>");
    out += fmt::format(
        "<h3>Public API (the installed headers)</h3><p class=\"muted\">From {}.</p><table "
        "id=\"toe-public-api\"><tr><th>header</th><th>SHA-256</th></tr>",
        text_of(toe.value("public_api_source", json())));
    for (const json& header : toe["public_api"])
        out += fmt::format("<tr><td><code>{}</code></td><td><code>{}</code></td></tr>",
                           text_of(header["header"]), text_of(header["sha256"]));
    out +=
        "</table><h3>Boundary</h3><table id=\"toe-boundary\"><tr><th>part</th><th>components"
        "</th><th>role</th><th>trust</th><th>versions</th></tr>";
    for (const json& part : toe["boundary"]) {
        out += fmt::format(
            "<tr><td><b>{}</b></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            text_of(part.value("part", json())), list_of(part.value("components", json::array())),
            text_of(part.value("role", json())), text_of(part.value("trusted", json())),
            list_of(part.value("versions", json::array())));
    }
    const json& peer = toe["peer_assumption"];
    out += fmt::format(
        "</table><h3>The peer</h3><p>{} <span class=\"muted\">(security target: "
        "{})</span></p>",
        text_of(peer.value("text", json())),
        list_of(peer.value("security_target_assumptions", json::array())));
    return out + problems_html(toe["problems"]);
}

std::string crypto_html(const json& crypto) {
    std::string out =
        "<h2 id=\"crypto-mechanisms\">Cryptographic mechanisms, as an evaluator "
        "reads them</h2>";
    const json& kats = crypto["kats"];
    out += fmt::format(
        "<h3>Known-answer tests</h3><p>Wycheproof commit <code>{}</code> {} <span "
        "class=\"muted\">({})</span></p>",
        text_of(kats["wycheproof_commit"]), text_of(kats.value("wycheproof_commit_date", json(""))),
        text_of(kats["wycheproof_commit_source"]));
    out +=
        "<table id=\"kat-files\"><tr><th>vector file</th><th>algorithm</th><th>cases</th>"
        "<th>declared</th><th>read by</th><th>SHA-256</th></tr>";
    for (const json& file : kats["wycheproof_files"]) {
        out += fmt::format(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>"
            "{}</code></td></tr>",
            text_of(file["file"]), text_of(file.value("algorithm", json())), text_of(file["cases"]),
            text_of(file.value("declared_tests", json())), list_of(file["read_by"]),
            text_of(file["sha256"]));
    }
    out += "</table>";
    if (kats["this_run"].is_array()) {
        out +=
            "<table id=\"kat-this-run\"><tr><th>source of the expected values</th><th>tests "
            "passed</th><th>failed</th><th>skipped</th></tr>";
        for (const json& row : kats["this_run"])
            out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                               text_of(row["source"]), text_of(row["passed"]),
                               text_of(row["failed"]), text_of(row["skipped"]));
        out += "</table>";
    } else {
        out += fmt::format("<p class=\"not_run\">{}</p>", text_of(kats["this_run_note"]));
    }
    out += fmt::format("<p class=\"muted\">Post-quantum: {}</p>", text_of(kats["post_quantum"]));

    const json& tree = crypto["kdf_tree"];
    out +=
        "<h3 id=\"kdf-tree\">Key-derivation tree</h3><p class=\"muted\">Drawn from the code: "
        "every info string and single-byte constant below is read from protocol/src when the "
        "pack is made (red: secrets; blue: derivation functions).</p>";
    out += tree.value("svg", "").empty()
               ? "<p class=\"not_available\">Graphviz dot is not installed; the tree is "
                 "<code>kdf-tree.dot</code> in the pack.</p>"
               : "<div class=\"diagram\">" + tree["svg"].get<std::string>() + "</div>";
    out += "<table id=\"kdf-constants\"><tr><th>constant</th><th>value</th><th>where</th></tr>";
    for (const json* list : {&tree["info_strings"], &tree["constants"]}) {
        for (const json& entry : *list)
            out += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                               text_of(entry["name"]), text_of(entry["value"]),
                               text_of(entry["where"]));
    }
    out += "</table>" + problems_html(tree["problems"]);

    const json& identity = crypto["identity_key"];
    out += fmt::format("<h3>One identity key, two uses</h3><p>{}</p><p class=\"muted\">{}</p>",
                       text_of(identity["text"]), list_of(identity["code"]));

    const json& rng = crypto["rng_failure"];
    std::string rng_tests;
    for (const json& test : rng["tests"])
        rng_tests += result_chip(test["test"], test["result"]);
    out += fmt::format(
        "<h3>RNG failure</h3><p>{}</p><p class=\"muted\">{}</p><p>{} {}</p><p "
        "class=\"not_run\">{}</p>",
        text_of(rng["behaviour"]), list_of(rng["code"]), text_of(rng["injected_source"]),
        rng_tests + " <span class=\"muted\">" + text_of(rng["tests_note"]) + "</span>",
        text_of(rng["untested"]));

    const json& zeroization = crypto["zeroization"];
    out +=
        "<h3>Zeroization</h3><table id=\"zeroization\"><tr><th>secret</th><th>held in</th>"
        "<th>wiped when</th><th>tested by</th></tr>";
    for (const json& row : zeroization["secrets"]) {
        std::string tests;
        for (const json& test : row["tested_by"])
            tests += result_chip(test["test"], test["result"]);
        out +=
            fmt::format("<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
                        text_of(row.value("secret", json())), text_of(row.value("held_in", json())),
                        text_of(row.value("wiped_when", json())),
                        row.contains("exception")
                            ? "<br><span class=\"not_run\">" + text_of(row["exception"]) + "</span>"
                            : "",
                        tests);
    }
    out += "</table><p>Known exceptions:</p><ul>";
    for (const json& exception : zeroization["exceptions"])
        out += fmt::format("<li><b>{}</b> {}</li>", text_of(exception.value("id", json())),
                           text_of(exception.value("text", json())));
    out += "</ul>";

    out +=
        "<h3>Declassifications</h3><p class=\"muted\">Every place the library makes a "
        "secret-derived value public (read from protocol/src; the constant-time check treats "
        "everything else as secret).</p><table id=\"declassifications\"><tr><th>function</th>"
        "<th>where</th><th>why</th></tr>";
    for (const json& entry : crypto["declassifications"])
        out +=
            fmt::format("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                        text_of(entry["function"]), text_of(entry["where"]), text_of(entry["why"]));
    out += "</table><h3>What the proofs assume</h3><ul>";
    for (const json& statement : crypto["proofs_assumptions"]["statements"])
        out += "<li>" + text_of(statement) + "</li>";
    return out + "</ul>" + problems_html(crypto["problems"]);
}

std::string anssi_html(const json& anssi) {
    const json& guide = anssi.value("guide", json::object());
    std::string out = fmt::format(
        "<h2 id=\"anssi\">Conformance to ANSSI's cryptographic-mechanisms guide</h2><p><b>{}</b> "
        "({}, version {}, {}) — {} met, {} not met. Profile: {}.</p><p class=\"muted\">{}</p>"
        "<table id=\"anssi-table\"><tr><th>rule</th><th>topic</th><th>what it asks</th><th>"
        "status</th><th>assessment</th><th>consequence</th></tr>",
        text_of(guide.value("title", json())), text_of(guide.value("reference", json())),
        text_of(guide.value("version", json())), text_of(guide.value("date", json())),
        text_of(anssi["counts"]["met"]), text_of(anssi["counts"]["not_met"]),
        text_of(guide.value("profile", json())), text_of(guide.value("verification", json())));
    for (const json& rule : anssi.value("rules", json::array())) {
        const bool met = rule.value("status", "") == "met";
        out += fmt::format(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><span class=\"status {}\">{}</span></td>"
            "<td>{}</td><td>{}</td></tr>",
            text_of(rule.value("id", json())), text_of(rule.value("topic", json())),
            text_of(rule.value("rule", json())), met ? "pass" : "fail", met ? "✓ met" : "✗ not met",
            text_of(rule.value("assessment", json())), text_of(rule.value("consequence", json())));
    }
    return out + "</table>" + problems_html(anssi["problems"]);
}

}  // namespace

json identification_of(const CheckPaths& paths, const json& checks) {
    json crypto_problems = json::array();
    const std::vector<std::string> test_names = ctest_test_names(paths.build);
    json crypto = {{"kats", kats_of(paths, checks)},
                   {"kdf_tree", kdf_tree_of(paths)},
                   {"identity_key", identity_key_of(paths)},
                   {"rng_failure", rng_failure_of(paths, test_names, checks)},
                   {"zeroization", zeroization_of(paths, test_names, checks, crypto_problems)},
                   {"declassifications", declassifications_of(paths, crypto_problems)},
                   {"proofs_assumptions", proofs_assumptions_of(checks)}};
    crypto["problems"] = crypto_problems;
    return {{"toe", toe_of(paths)}, {"crypto", crypto}, {"anssi", anssi_of(paths)}};
}

std::string identification_html(const json& report) {
    if (!report.contains("toe") || !report.contains("crypto") || !report.contains("anssi"))
        return "";
    return toe_html(report["toe"]) + crypto_html(report["crypto"]) + anssi_html(report["anssi"]);
}

}  // namespace ratchetcheck::evidence
