// The specifications' tables of contents (docs/specs/*.json) and the check that every citation
// resolves in them. A clause id is `<SPEC>-<NUMBER>` (DR-3.5, X3DH-3.4, XEdDSA-3, RFC7748-6.1);
// in prose the same clause is cited as `DR §3.5`, `XEdDSA §3`, `RFC 7748 §6.1` (docs/evidence.md).
// A citation whose document has no table of contents, or whose number is not in it, is a wrong
// citation: the traceability check fails on it.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ratchetcheck::evidence {

// SpecClause is one numbered section of a specification.
struct SpecClause {
    std::string id;           // DR-3.5
    std::string spec;         // DR
    std::string number;       // 3.5
    std::string title;        // Decrypting messages
    bool normative = false;   // a requirement this implementation claims: untraced, it is a gap
    std::string requirement;  // what the normative clause asks of the implementation
    std::string note;         // why an informative clause is not claimed, when it matters
    bool verified = true;     // false: the heading was not checked against the document
};

// SpecTocs is every table of contents under docs/specs, in the order the report lists them.
struct SpecTocs {
    nlohmann::json documents = nlohmann::json::array();  // each file's header (no sections)
    std::vector<SpecClause> clauses;                     // in document, then section order
    std::map<std::string, std::size_t> index;            // clause id -> position in clauses
    std::vector<std::string> errors;                     // unreadable or malformed files
};

// load_spec_tocs reads source/docs/specs/*.json. A missing directory or a malformed file is an
// error, not an empty table: without the tables no citation can be checked.
SpecTocs load_spec_tocs(const std::filesystem::path& source);

// clause_problem is empty when `clause_id` (DR-3.5) names a section of a loaded table of
// contents, or says what is wrong with it.
std::string clause_problem(const std::string& clause_id, const SpecTocs& tocs);

// Citation is one `DOC §N` reference found in text, with its clause id.
struct Citation {
    std::string text;    // as written: "RFC 7748 §6.1"
    std::string clause;  // RFC7748-6.1
};

// citations_in finds the specification citations in one text: `DR §3.5`, `X3DH §3.4`,
// `XEdDSA §3`, `RFC 7748 §6.1`, `Double Ratchet §6.6`, and a bare `§N` that follows
// one of them after a comma, slash, "and" or "or" ("DR §2.6, §3.5"). A `§` after any other word
// (SCHEMA.md §6.3) is not a specification citation.
std::vector<Citation> citations_in(const std::string& text);

// scan_citations checks every specification citation in the source tree's text files (code,
// docs, data; the fuzz corpora and build trees excepted): [{where: "file:line", problem}] for
// each one that does not resolve in the tables of contents.
nlohmann::json scan_citations(const std::filesystem::path& source, const SpecTocs& tocs);

}  // namespace ratchetcheck::evidence
