// `ratchetcheck vectors PATH...`: replay transcripts and print one line each.
#pragma once

#include <string>
#include <vector>

namespace ratchetcheck::cli {

// run_vectors replays every transcript named by `paths` (files, or directories whose *.json
// files are taken in name order). Prints a line per transcript and a last line
// "N passed, M failed"; returns 0 only when M is 0 and at least one transcript ran, 2 for
// unusable arguments.
int run_vectors(const std::vector<std::string>& paths);

}  // namespace ratchetcheck::cli
