// report.html of the evidence pack: one self-contained page (inline CSS and SVG, no script, no
// network), readable from a file:// URL, rendered from report.json's content.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ratchetcheck::evidence {

// render_html renders `report` (report.json, docs/evidence.md) with the state machine's SVG and
// the sequence charts ({title, file, svg} each) embedded.
std::string render_html(const nlohmann::json& report, const std::string& state_machine_svg,
                        const nlohmann::json& sequence_charts);

}  // namespace ratchetcheck::evidence
