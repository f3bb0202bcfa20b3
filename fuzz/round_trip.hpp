// The round-trip check the two wire-format targets share (signal_message, prekey_signal_message):
// a parsed message re-encodes to bytes that parse to the same value, and that re-encoding is a
// fixed point.
#pragma once

#include <string>

#include "fuzz_driver.hpp"
#include "ratchetcheck/result.hpp"

namespace ratchetcheck::fuzz {

// require_canonical_round_trip checks `message` (already parsed from the input) with the target's
// own `parse` (bytes -> Result<Message>), `reencode` (Message -> Bytes) and `same_value`
// (Message, Message -> bool); fails the target on the first difference.
template <typename Message, typename Parse, typename Reencode, typename SameValue>
void require_canonical_round_trip(const Message& message, Parse parse, Reencode reencode,
                                  SameValue same_value) {
    const Bytes canonical = reencode(message);
    auto reparsed = parse(canonical);
    require(reparsed.ok(), [&] {
        return "the re-encoding " + hex(canonical) + " of a parsed message does not parse (" +
               std::string(error_name(reparsed.error())) + ")";
    });
    require(same_value(message, reparsed.value()),
            [&] { return "the re-encoding " + hex(canonical) + " parses to another value"; });
    require(reencode(reparsed.value()) == canonical,
            [&] { return "re-encoding the canonical form " + hex(canonical) + " changes it"; });
}

}  // namespace ratchetcheck::fuzz
