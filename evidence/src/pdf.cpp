#include "pdf.hpp"

#include <fmt/format.h>

#include <cctype>
#include <string_view>

#include "support.hpp"

namespace ratchetcheck::evidence {
namespace fs = std::filesystem;

namespace {

// Chromium prints a page of several hundred kilobytes of inline SVG in seconds; the limit only
// stops a hung browser from holding the run.
constexpr int pdf_time_limit_seconds = 300;

// file_url is `path` as a file:// URL, every byte outside the unreserved set percent-encoded.
std::string file_url(const fs::path& path) {
    std::string url = "file://";
    for (const char character : path.string()) {
        const auto byte = static_cast<unsigned char>(character);
        if (std::isalnum(byte) != 0 ||
            std::string_view("/-._~").find(character) != std::string_view::npos)
            url += character;
        else
            url += fmt::format("%{:02X}", byte);
    }
    return url;
}

}  // namespace

const char* print_stylesheet() {
    // Chromium hides a closed <details>' content in its ::details-content part, which CSS can
    // show again (Chromium 131 and later): every chart and list prints without a script and
    // without duplicating the page. Colours are kept (print-color-adjust) so that the verdict
    // banner and the red and amber cells print as they show.
    return R"(
@media print {
  @page { size: A4; margin: 12mm 11mm; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  details::details-content { content-visibility: visible; display: contents; }
  details > summary { list-style: none; }
  h1, h2, h3, summary { break-after: avoid; page-break-after: avoid; }
  h2 { margin-top: 20px; }
  tr, .verdict, svg, pre, code.command, li { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  pre, code.command { white-space: pre-wrap; word-break: break-all; }
  td, td code { overflow-wrap: anywhere; }
  svg { max-height: 260mm; }
  a { color: inherit; text-decoration: none; }
}
)";
}

std::optional<std::string> pdf_unavailable_reason() {
    if (capture("command -v chromium >/dev/null 2>&1"))
        return std::nullopt;
    return "report.pdf (chromium is not installed: apt-get install -y chromium)";
}

PdfRendering render_pdf(const fs::path& pack) {
    PdfRendering rendering;
    if (const std::optional<std::string> why = pdf_unavailable_reason()) {
        rendering.note = "not available: " + *why;
        rendering.command = "apt-get install -y chromium";
        return rendering;
    }
    const fs::path pdf = pack / "report.pdf";
    std::error_code error;
    fs::remove(pdf, error);
    // Chromium needs a writable HOME (its profile) and, as root, --no-sandbox; the header and
    // footer it would add carry the file:// path and the date of printing, not the pack's.
    rendering.command = fmt::format(
        "home=$(mktemp -d) && HOME=\"$home\" timeout {} chromium --headless --no-sandbox "
        "--disable-gpu --no-pdf-header-footer --print-to-pdf={} {}; status=$?; rm -rf \"$home\"; "
        "exit $status",
        pdf_time_limit_seconds, shell_quote(pdf.string()),
        shell_quote(file_url(pack / "report.html")));
    const CommandRun run =
        run_logged(rendering.command, pack / "logs" / "report-pdf.log", "report.pdf", nullptr);
    const std::string head = read_text(pdf).value_or("").substr(0, 5);
    rendering.rendered = run.exit_status == 0 && head == "%PDF-";
    rendering.note = rendering.rendered
                         ? "report.pdf"
                         : fmt::format(
                               "not available: chromium did not render report.pdf (exit "
                               "status {}; logs/report-pdf.log)",
                               run.exit_status);
    fmt::print(
        "[--] {:<13} {:<13} {:>6.1f} s  {}\n", "report.pdf",
        rendering.rendered ? "RENDERED" : "NOT RENDERED", run.seconds,
        rendering.rendered ? "report.html printed to PDF by headless Chromium" : rendering.note);
    fmt::print("        re-run: {}\n", rendering.command);
    std::fflush(stdout);
    return rendering;
}

}  // namespace ratchetcheck::evidence
