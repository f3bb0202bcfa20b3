// The compact byte form of op traces (docs/op-trace.md §"Byte encoding"): the input format of the
// interaction fuzz target and of binary corpus files. Strict decoding is for files (any deviation
// is an error); lenient decoding is total, for fuzz inputs: every byte string is some trace.
#pragma once

#include <string>
#include <variant>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/secret.hpp"

namespace ratchetcheck::harness {

// normalize_op clears the fields an op does not encode (a SignalMessage forgery carries no
// prekey fields), so that equal traces have equal encodings.
Op normalize_op(Op op);

// encode_trace returns the canonical byte form of `trace` (expectations and the note are not
// part of it). decode_trace_strict(encode_trace(t)) == t for every trace of normalized ops.
Bytes encode_trace(const OpTrace& trace);

// decode_trace_strict parses a complete byte trace; the error names the offset and the problem.
std::variant<OpTrace, std::string> decode_trace_strict(ByteView bytes);

// decode_trace_lenient never fails: reserved bits are ignored, out-of-range limits are clamped
// into range, an unknown op kind skips its tag byte, and a truncated last op is dropped.
// `max_ops` bounds the number of ops decoded.
OpTrace decode_trace_lenient(ByteView bytes, std::size_t max_ops = 4096);

}  // namespace ratchetcheck::harness
