// report.pdf, rendered from report.html by headless Chromium (evaluators file PDFs), and the
// print stylesheet that makes report.html print whole: every <details> expanded, the verdict
// banner in its colour, page breaks kept out of rows, figures and commands.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace ratchetcheck::evidence {

// print_stylesheet is the `@media print` block of report.html's stylesheet.
const char* print_stylesheet();

// pdf_unavailable_reason says why report.pdf cannot be rendered here (no chromium on PATH), or
// nothing when it can. The run records it in report.json's pictures.pdf before the verdict, so
// that a pack without its PDF is not a PASS.
std::optional<std::string> pdf_unavailable_reason();

// PdfRendering is how rendering report.pdf ended.
struct PdfRendering {
    bool rendered = false;
    std::string note;     // "report.pdf" or "not available (why)", for pictures.pdf
    std::string command;  // the command that re-renders it
};

// render_pdf renders pack/report.html into pack/report.pdf with headless Chromium (a scratch
// HOME, a time limit), its output in pack/logs/report-pdf.log, printing a progress line and the
// command that re-renders it.
PdfRendering render_pdf(const std::filesystem::path& pack);

}  // namespace ratchetcheck::evidence
