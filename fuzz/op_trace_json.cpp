// Fuzz target op_trace_json: the op-trace JSON reader behind `ratchetcheck replay`
// (harness/op_trace.hpp, docs/op-trace.md) on any text. Asserts: the reader returns a trace or
// names the bad field, never throws; an accepted trace renders to JSON that reads back to the
// same trace; and, with a valid setup, its byte form (normalized ops) decodes strictly to the same
// setup and ops.
// @evidence check=fuzz:op_trace_json functions=SF.INPUT_VALIDATION
#include <string_view>
#include <variant>

#include "fuzz_driver.hpp"
#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/op_trace_codec.hpp"

namespace ratchetcheck::fuzz {

const FuzzTarget fuzz_target{"op_trace_json", std::size_t{16} * 1024};

void fuzz_one_input(ByteView input) {
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    auto parsed = harness::trace_from_json(text);
    if (const auto* error = std::get_if<harness::TraceParseError>(&parsed)) {
        require(!error->message().empty(), "a trace parse error without a message");
        return;
    }
    const harness::OpTrace& trace = std::get<harness::OpTrace>(parsed);
    const std::string rendered = harness::trace_to_json(trace);
    auto reread = harness::trace_from_json(rendered);
    if (const auto* error = std::get_if<harness::TraceParseError>(&reread))
        fail("the JSON rendering of an accepted trace does not read back: " + error->message() +
             "\n" + rendered);
    require(std::get<harness::OpTrace>(reread) == trace, [&] {
        return "the JSON rendering of an accepted trace reads back to another trace:\n" + rendered;
    });

    if (harness::validate_setup(trace.setup))
        return;
    harness::OpTrace normalized{trace.setup, {}, {}, {}};
    for (const harness::Op& op : trace.ops)
        normalized.ops.push_back(harness::normalize_op(op));
    auto decoded = harness::decode_trace_strict(harness::encode_trace(normalized));
    if (const auto* problem = std::get_if<std::string>(&decoded))
        fail("the byte form of an accepted trace does not decode strictly: " + *problem);
    require(std::get<harness::OpTrace>(decoded) == normalized,
            "the byte form of an accepted trace decodes to another trace");
}

}  // namespace ratchetcheck::fuzz
