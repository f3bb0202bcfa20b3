// A planted bug for the replay build itself, not a fuzz target: its one "check" reads the byte just
// past the end of the input. The replay main must hand each input over in a heap block of exactly
// its size, as libFuzzer does, so that AddressSanitizer reports that one-byte over-read; the ctest
// replay_main_reports_one_byte_overread (fuzz/CMakeLists.txt, sanitized builds only) passes only
// when it does. Kept out of the fuzz targets (no ratchetcheck_add_fuzz_target, no fuzz_ prefix):
// no engine, OSS-Fuzz build or corpus check ever sees it.
#include <cstdint>

#include "fuzz_driver.hpp"

namespace ratchetcheck::fuzz {

const FuzzTarget fuzz_target{"replay_overread_probe", 64};

void fuzz_one_input(ByteView input) {
    // volatile: the read must happen even though its value is not used.
    const volatile std::uint8_t* const bytes = input.data();
    const std::uint8_t past_the_end = bytes[input.size()];
    static_cast<void>(past_the_end);
}

}  // namespace ratchetcheck::fuzz
