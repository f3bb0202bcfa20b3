#include "specs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <sstream>

#include "support.hpp"

namespace ratchetcheck::evidence {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The report lists the protocol documents first, in the order a reader meets them, then the RFCs.
int document_rank(const std::string& spec) {
    static const std::vector<std::string> protocol_documents = {"DR", "X3DH", "PQXDH", "XEdDSA"};
    const auto found = std::find(protocol_documents.begin(), protocol_documents.end(), spec);
    return found == protocol_documents.end() ? static_cast<int>(protocol_documents.size())
                                             : static_cast<int>(found - protocol_documents.begin());
}

bool is_word_character(char character) {
    return std::isalnum(static_cast<unsigned char>(character)) != 0 || character == '_';
}

// NamedSpec is the specification a citation's prefix ends with: its id (RFC7748) and how the text
// wrote it (RFC 7748).
struct NamedSpec {
    std::string id;
    std::string written;
};

// spec_named finds the specification's name a citation's prefix ends with ("... RFC 7748 " gives
// RFC7748); the id is empty when the prefix does not end with one.
NamedSpec spec_named(const std::string& prefix) {
    static const std::regex name(R"((DR|X3DH|PQXDH|XEdDSA|Double Ratchet|RFC ?([0-9]{4}))\s*$)");
    std::smatch match;
    if (!std::regex_search(prefix, match, name))
        return {};
    const auto start = static_cast<std::size_t>(match.position(0));
    if (start > 0 && is_word_character(prefix[start - 1]))
        return {};  // "ADR §", "UndCHEMA §": another word, not a specification
    const std::string written = match[1];
    if (match[2].matched)
        return {"RFC" + match[2].str(), written};
    return {written == "Double Ratchet" ? "DR" : written, written};
}

// continues_citation says whether a bare § continues the previous citation's document:
// "DR §2.6, §3.5", "§3.3/§3.4", "§6.1 and §6.2".
bool continues_citation(const std::string& prefix) {
    static const std::regex joiner(R"((^|[^A-Za-z0-9_])(,|/|&|and|or)\s*$)");
    return std::regex_search(prefix, joiner);
}

}  // namespace

SpecTocs load_spec_tocs(const fs::path& source) {
    SpecTocs tocs;
    const fs::path directory = source / "docs" / "specs";
    if (!fs::is_directory(directory)) {
        tocs.errors.push_back(fmt::format(
            "{}: no tables of contents, so no citation can be checked", directory.string()));
        return tocs;
    }
    std::vector<json> documents;
    for (const auto& entry : fs::directory_iterator(directory)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".json")
            continue;
        const std::string where = fs::relative(entry.path(), source).string();
        try {
            json document = json::parse(read_text(entry.path()).value_or(""));
            if (!document.contains("id") || !document["id"].is_string() ||
                !document.contains("sections") || !document["sections"].is_array()) {
                tocs.errors.push_back(where + ": needs an id and a sections array");
                continue;
            }
            if (document["id"].get<std::string>() != entry.path().stem().string()) {
                tocs.errors.push_back(fmt::format("{}: id {} differs from the file name", where,
                                                  document["id"].get<std::string>()));
                continue;
            }
            document["file"] = where;
            documents.push_back(std::move(document));
        } catch (const json::exception& error) {
            tocs.errors.push_back(fmt::format("{}: {}", where, error.what()));
        }
    }
    std::sort(documents.begin(), documents.end(), [](const json& left, const json& right) {
        const std::string left_id = left["id"];
        const std::string right_id = right["id"];
        return std::make_pair(document_rank(left_id), left_id) <
               std::make_pair(document_rank(right_id), right_id);
    });
    for (const json& document : documents) {
        const std::string spec = document["id"];
        json header = document;
        header.erase("sections");
        header["normative_clauses"] = 0;
        for (const json& section : document["sections"]) {
            SpecClause clause;
            clause.spec = spec;
            clause.number = section.value("number", "");
            clause.id = spec + "-" + clause.number;
            clause.title = section.value("title", "");
            clause.normative = section.value("normative", false);
            clause.requirement = section.value("requirement", "");
            clause.note = section.value("note", "");
            clause.verified = section.value("verified", document.value("verified", false));
            if (clause.number.empty() || clause.title.empty() || tocs.index.contains(clause.id)) {
                tocs.errors.push_back(
                    fmt::format("{}: section {} has no number or title, or "
                                "appears twice",
                                document.value("file", ""), clause.id));
                continue;
            }
            if (clause.normative)
                header["normative_clauses"] = header["normative_clauses"].get<int>() + 1;
            tocs.index[clause.id] = tocs.clauses.size();
            tocs.clauses.push_back(std::move(clause));
        }
        tocs.documents.push_back(std::move(header));
    }
    return tocs;
}

std::string clause_problem(const std::string& clause_id, const SpecTocs& tocs) {
    if (tocs.index.contains(clause_id))
        return "";
    const std::size_t dash = clause_id.find('-');
    const std::string spec = clause_id.substr(0, dash);
    const bool known_spec =
        std::any_of(tocs.documents.begin(), tocs.documents.end(),
                    [&spec](const json& document) { return document.value("id", "") == spec; });
    if (dash == std::string::npos || !known_spec)
        return fmt::format(
            "clause {} names no specification of docs/specs (SPEC-NUMBER, e.g. "
            "DR-3.5, RFC7748-6.1)",
            clause_id);
    return fmt::format("clause {} is not a section of docs/specs/{}.json", clause_id, spec);
}

std::vector<Citation> citations_in(const std::string& text) {
    std::vector<Citation> citations;
    static const std::regex section(
        R"(§\s*([0-9]+(?:\.[0-9]+)*|[A-Z](?:\.[0-9]+)*)(?![A-Za-z0-9]))");
    std::string document;
    std::size_t previous_end = 0;
    for (auto match = std::sregex_iterator(text.begin(), text.end(), section);
         match != std::sregex_iterator(); ++match) {
        const auto at = static_cast<std::size_t>(match->position(0));
        const std::string prefix = text.substr(0, at);
        const NamedSpec named = spec_named(prefix);
        std::string cited_as;
        if (!named.id.empty()) {
            document = named.id;
            cited_as = named.written + " ";
        } else if (!document.empty() &&
                   continues_citation(text.substr(previous_end, at - previous_end))) {
            cited_as = document + " ";  // "DR §2.6, §3.5": the second is reported as DR §3.5
        } else {
            document.clear();  // "SCHEMA.md §6.3": not a specification citation
            previous_end = at + static_cast<std::size_t>(match->length(0));
            continue;
        }
        previous_end = at + static_cast<std::size_t>(match->length(0));
        citations.push_back(
            {cited_as + "§" + (*match)[1].str(), document + "-" + (*match)[1].str()});
    }
    return citations;
}

namespace {

bool scanned_for_citations(const fs::path& path) {
    static const std::set<std::string> extensions = {".cpp", ".hpp",  ".h",   ".c",
                                                     ".md",  ".json", ".sh",  ".cmake",
                                                     ".txt", ".py",   ".yml", ".yaml"};
    return extensions.contains(path.extension().string()) || path.filename() == "CMakeLists.txt";
}

// skipped_directory: fuzz corpora hold mutated bytes, not citations; build trees are generated.
bool skipped_directory(const fs::path& path) {
    const std::string name = path.filename().string();
    return name == "corpus" || name.rfind("build", 0) == 0 || name == ".git" ||
           name == "node_modules";
}

}  // namespace

json scan_citations(const fs::path& source, const SpecTocs& tocs) {
    json problems = json::array();
    std::vector<fs::path> files;
    std::error_code error;
    for (auto entry = fs::recursive_directory_iterator(source, error);
         entry != fs::recursive_directory_iterator(); entry.increment(error)) {
        if (error)
            break;
        if (entry->is_directory() && skipped_directory(entry->path())) {
            entry.disable_recursion_pending();
            continue;
        }
        if (entry->is_regular_file() && scanned_for_citations(entry->path()) &&
            entry->file_size() < 2'000'000)
            files.push_back(entry->path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
        const std::string text = read_text(file).value_or("");
        if (text.find("§") == std::string::npos)
            continue;
        std::istringstream lines(text);
        std::string line;
        std::string carried;  // a specification's name that ended the previous line
        for (std::size_t number = 1; std::getline(lines, line); ++number) {
            std::string context = line;
            if (!carried.empty()) {
                // A comment wrapped between the name and its section ("... DR\n// §3.3"): the
                // section, at the start of this line's text, belongs to the carried name.
                static const std::regex wrapped(R"(^\s*(?://+|#+|\*+|<!--)?\s*§)");
                std::smatch start;
                if (std::regex_search(line, start, wrapped))
                    context = carried + " " +
                              line.substr(static_cast<std::size_t>(start.position(0) +
                                                                   start.length(0) - 2));
            }
            static const std::regex trailing_name(
                R"((^|[^A-Za-z0-9_])(DR|X3DH|PQXDH|XEdDSA|Double Ratchet|RFC ?[0-9]{4})\s*$)");
            std::smatch name;
            carried = std::regex_search(line, name, trailing_name) ? name[2].str() : "";
            if (context.find("§") == std::string::npos)
                continue;
            for (const Citation& citation : citations_in(context)) {
                if (const std::string problem = clause_problem(citation.clause, tocs);
                    !problem.empty()) {
                    problems.push_back(
                        {{"where",
                          fmt::format("{}:{}", fs::relative(file, source).string(), number)},
                         {"problem", fmt::format("cites {}: {}", citation.text, problem)}});
                }
            }
        }
    }
    return problems;
}

}  // namespace ratchetcheck::evidence
