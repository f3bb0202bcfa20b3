// The op-trace forms of docs/op-trace.md: the byte form and the JSON form round-trip, the
// lenient byte decoder (for fuzz inputs) is total and canonical, and malformed input is refused
// with a message that names the problem.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <variant>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/op_trace_codec.hpp"

namespace ratchetcheck::harness {
namespace {

rc::Gen<model::PartyId> arbitrary_party() {
    return rc::gen::element(model::PartyId::alice, model::PartyId::bob);
}

rc::Gen<std::uint32_t> arbitrary_u32() {
    return rc::gen::oneOf(rc::gen::inRange<std::uint32_t>(0, 300),
                          rc::gen::arbitrary<std::uint32_t>());
}

// Send sizes are bounded by max_send_size; both ends of the range.
rc::Gen<std::uint32_t> arbitrary_send_size() {
    return rc::gen::oneOf(rc::gen::inRange<std::uint32_t>(0, 300),
                          rc::gen::inRange<std::uint32_t>(0, max_send_size + 1));
}

// Any op, applicable or not: the forms do not care.
rc::Gen<Op> arbitrary_op() {
    return rc::gen::oneOf(
        rc::gen::exec(
            [] { return Op{SendOp{.party = *arbitrary_party(), .size = *arbitrary_send_size()}}; }),
        rc::gen::exec([] { return Op{DeliverOp{.message = *arbitrary_u32()}}; }),
        rc::gen::exec([] { return Op{DuplicateOp{.message = *arbitrary_u32()}}; }),
        rc::gen::exec([] { return Op{DropOp{.message = *arbitrary_u32()}}; }), rc::gen::exec([] {
            return Op{TruncateOp{.message = *arbitrary_u32(), .length = *arbitrary_u32()}};
        }),
        rc::gen::exec([] {
            return Op{TamperOp{.message = *arbitrary_u32(),
                               .byte = *arbitrary_u32(),
                               .mask = *rc::gen::arbitrary<std::uint8_t>()}};
        }),
        rc::gen::exec([] {
            ForgeOp forge;
            forge.party = *arbitrary_party();
            forge.prekey = *rc::gen::arbitrary<bool>();
            forge.ratchet_key.kind =
                *rc::gen::element(ForgedKey::Kind::epoch, ForgedKey::Kind::fresh,
                                  ForgedKey::Kind::invalid, ForgedKey::Kind::low_order);
            forge.ratchet_key.epoch = *arbitrary_u32();
            forge.counter = *arbitrary_u32();
            forge.previous_counter = *arbitrary_u32();
            forge.ciphertext_blocks = *rc::gen::arbitrary<std::uint8_t>();
            forge.base_key = *rc::gen::element(ForgeOp::Choice::genuine, ForgeOp::Choice::other);
            forge.identity = *rc::gen::element(ForgeOp::Choice::genuine, ForgeOp::Choice::other);
            forge.signed_prekey_id =
                *rc::gen::element(ForgeOp::Choice::genuine, ForgeOp::Choice::other);
            forge.one_time_prekey_id =
                *rc::gen::element(ForgeOp::OneTimePreKey::genuine, ForgeOp::OneTimePreKey::absent,
                                  ForgeOp::OneTimePreKey::other);
            return normalize_op(Op{forge});
        }),
        rc::gen::exec([] { return Op{SaveRestoreOp{.party = *arbitrary_party()}}; }));
}

rc::Gen<OpTrace> arbitrary_trace() {
    return rc::gen::exec([] {
        OpTrace trace;
        trace.setup.key_seed = *rc::gen::arbitrary<std::uint64_t>();
        trace.setup.one_time_prekey = *rc::gen::arbitrary<bool>();
        if (*rc::gen::arbitrary<bool>()) {
            trace.setup.profile = TraceProfile::signal_v4_pqxdh;
            trace.setup.one_time_kyber_prekey = *rc::gen::arbitrary<bool>();
        }
        if (*rc::gen::arbitrary<bool>()) {
            trace.setup.limits.max_forward_jump =
                *rc::gen::inRange<std::int64_t>(0, max_trace_limit + 1);
            trace.setup.limits.max_skipped_keys_per_chain =
                *rc::gen::inRange<std::int64_t>(0, max_trace_limit + 1);
            trace.setup.limits.max_skipped_keys_total =
                *rc::gen::inRange<std::int64_t>(0, max_trace_limit + 1);
            trace.setup.limits.max_receiving_chains =
                *rc::gen::inRange<std::size_t>(1, max_trace_receiving_chains + 1);
        }
        trace.ops = *rc::gen::container<std::vector<Op>>(arbitrary_op());
        return trace;
    });
}

RC_GTEST_PROP(OpTraceForms, ByteFormRoundTrips, ()) {
    const OpTrace trace = *arbitrary_trace();
    const Bytes encoded = encode_trace(trace);
    auto decoded = decode_trace_strict(encoded);
    RC_ASSERT(std::holds_alternative<OpTrace>(decoded));
    RC_ASSERT(std::get<OpTrace>(decoded) == trace);
    // The lenient decoder agrees with the strict one on valid input.
    RC_ASSERT(decode_trace_lenient(encoded) == trace);
}

RC_GTEST_PROP(OpTraceForms, JsonFormRoundTrips, ()) {
    OpTrace trace = *arbitrary_trace();
    trace.note = *rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127));
    const bool with_expectations = *rc::gen::arbitrary<bool>();
    if (with_expectations) {
        for (std::size_t index = 0; index < trace.ops.size(); ++index) {
            trace.expectations.push_back(index % 3 == 0 ? std::nullopt
                                                        : std::optional<std::string>("accepted"));
        }
        if (std::none_of(trace.expectations.begin(), trace.expectations.end(),
                         [](const auto& expectation) { return expectation.has_value(); })) {
            trace.expectations.clear();  // a trace with no expectation has none recorded at all
        }
    }
    auto parsed = trace_from_json(trace_to_json(trace));
    if (const auto* error = std::get_if<TraceParseError>(&parsed))
        RC_FAIL(error->message());
    RC_ASSERT(std::get<OpTrace>(parsed) == trace);
}

// Every byte string is some trace, and re-encoding it gives its canonical form.
RC_GTEST_PROP(OpTraceForms, LenientDecodingIsTotalAndCanonical, ()) {
    const auto bytes = *rc::gen::container<Bytes>(rc::gen::arbitrary<std::uint8_t>());
    const OpTrace decoded = decode_trace_lenient(bytes);
    RC_ASSERT(!validate_setup(decoded.setup).has_value());
    auto again = decode_trace_strict(encode_trace(decoded));
    RC_ASSERT(std::holds_alternative<OpTrace>(again));
    RC_ASSERT(std::get<OpTrace>(again) == decoded);
}

TEST(OpTraceForms, StrictDecodingRefusesMalformedInput) {
    OpTrace trace;
    trace.setup.key_seed = 5;
    trace.ops = {
        SendOp{.party = model::PartyId::alice, .size = 300},
        DeliverOp{.message = 0},
        TamperOp{.message = 0, .byte = 1, .mask = 2},
    };
    const Bytes encoded = encode_trace(trace);

    // Truncated anywhere inside an op or the header.
    for (std::size_t length = 0; length < encoded.size(); ++length) {
        const Bytes truncated(encoded.begin(),
                              encoded.begin() + static_cast<std::ptrdiff_t>(length));
        const auto decoded = decode_trace_strict(truncated);
        // Cutting exactly between two ops leaves a shorter valid trace.
        if (const auto* valid = std::get_if<OpTrace>(&decoded)) {
            EXPECT_LT(valid->ops.size(), trace.ops.size()) << "length " << length;
        } else {
            EXPECT_NE(std::get<std::string>(decoded).find("truncated"), std::string::npos)
                << "length " << length;
        }
    }
    Bytes reserved = encoded;
    reserved[0] |= 0x80;
    EXPECT_TRUE(std::holds_alternative<std::string>(decode_trace_strict(reserved)));
    // Kind 7 is truncate, which has no party: the party bit is reserved on it.
    Bytes reserved_party = encoded;
    reserved_party.insert(reserved_party.end(), {0x0f, 0x00, 0x00});
    EXPECT_TRUE(std::holds_alternative<std::string>(decode_trace_strict(reserved_party)));
    Bytes truncate_op = encoded;
    truncate_op.insert(truncate_op.end(), {0x07, 0x00, 0x05});
    EXPECT_TRUE(std::holds_alternative<OpTrace>(decode_trace_strict(truncate_op)));
    // A send larger than max_send_size (regression: fuzz target interaction, a send of
    // 2^32 - 1 bytes); lenient decoding clamps it to the bound.
    Bytes too_large = encoded;
    too_large.insert(too_large.end(), {0x00, 0xff, 0xff, 0xff, 0xff, 0x0f});
    EXPECT_TRUE(std::holds_alternative<std::string>(decode_trace_strict(too_large)));
    const OpTrace clamped = decode_trace_lenient(too_large);
    ASSERT_EQ(clamped.ops.size(), trace.ops.size() + 1);
    const Op largest = SendOp{.party = model::PartyId::alice, .size = max_send_size};
    EXPECT_EQ(clamped.ops.back(), largest);
    Bytes non_canonical = encoded;
    non_canonical.insert(non_canonical.end(),
                         {0x01, 0x80, 0x00});  // deliver, varint 0 in two bytes
    EXPECT_TRUE(std::holds_alternative<std::string>(decode_trace_strict(non_canonical)));
}

// The example of docs/op-trace.md, whose bytes were worked out by hand from the format there.
TEST(OpTraceForms, DocumentedExampleEncodesAsDocumented) {
    OpTrace trace;
    trace.setup.key_seed = 0x2a;
    trace.setup.one_time_prekey = true;
    ForgeOp forge;
    forge.party = model::PartyId::bob;
    forge.ratchet_key = ForgedKey{.kind = ForgedKey::Kind::epoch, .epoch = 1};
    forge.counter = 3;
    forge.ciphertext_blocks = 1;
    trace.ops = {
        SendOp{.party = model::PartyId::alice, .size = 5},
        DeliverOp{.message = 0},
        TamperOp{.message = 0, .byte = 142, .mask = 2},
        forge,
        SaveRestoreOp{.party = model::PartyId::bob},
        SendOp{.party = model::PartyId::bob, .size = 2},
    };
    const Bytes expected = {0x01, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x05, 0x01, 0x00, 0x04, 0x00, 0x8e, 0x01, 0x02,
                            0x0d, 0x01, 0x03, 0x00, 0x01, 0x0e, 0x08, 0x02};
    EXPECT_EQ(encode_trace(trace), expected);
}

TEST(OpTraceForms, JsonErrorsNameTheField) {
    const auto error_of = [](std::string_view text) {
        auto parsed = trace_from_json(text);
        return std::holds_alternative<TraceParseError>(parsed)
                   ? std::get<TraceParseError>(parsed).message()
                   : std::string("parsed");
    };
    const std::string setup =
        R"("setup": {"key_seed": "1", "one_time_prekey": true, "profile": {"max_forward_jump": 3,)"
        R"( "max_skipped_keys_per_chain": 3, "max_skipped_keys_total": 3, "max_receiving_chains": 2}})";
    EXPECT_EQ(error_of("{"), "not valid JSON");
    EXPECT_NE(error_of(R"({"format": "ratchetcheck-op-trace/1", )" + setup +
                       R"(, "ops": [{"op": "send", "party": "alice", "size": 65537}]})")
                  .find(".ops[0].size"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"format": "ratchetcheck-op-trace/1", )" + setup +
                       R"(, "ops": [{"op": "send"}]})")
                  .find(".ops[0].party"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"format": "ratchetcheck-op-trace/1", )" + setup +
                       R"(, "ops": [{"op": "fly"}]})")
                  .find(".ops[0].op"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"format": "other", )" + setup + R"(, "ops": []})").find(".format"),
              std::string::npos);
    EXPECT_EQ(error_of(R"({"format": "ratchetcheck-op-trace/1", )" + setup + R"(, "ops": []})"),
              "parsed");
}

// Found by the op_trace_json fuzz target (corpus/op_trace_json keeps the input): a signal forgery
// written with prekey fields kept them, and trace_to_json, which writes them only for a prekey
// forgery, rendered a trace that read back to another.
TEST(OpTraceForms, SignalForgeryIgnoresPreKeyFieldsAndReadsBackToItself) {
    const std::string text =
        R"({"format": "ratchetcheck-op-trace/1", "setup": {"key_seed": "1", "one_time_prekey": true,)"
        R"( "profile": {"max_forward_jump": 3, "max_skipped_keys_per_chain": 3,)"
        R"( "max_skipped_keys_total": 3, "max_receiving_chains": 2}}, "ops": [{"op": "forge",)"
        R"( "party": "bob", "type": "signal", "ratchet_key": "invalid", "counter": 3,)"
        R"( "previous_counter": 0, "ciphertext_blocks": 1, "base_key": "other",)"
        R"( "identity": "other", "one_time_prekey_id": "absent"}]})";
    auto parsed = trace_from_json(text);
    ASSERT_TRUE(std::holds_alternative<OpTrace>(parsed));
    const OpTrace& trace = std::get<OpTrace>(parsed);
    const ForgeOp& forge = std::get<ForgeOp>(trace.ops.at(0));
    EXPECT_FALSE(forge.prekey);
    EXPECT_EQ(forge.base_key, ForgeOp::Choice::genuine);
    EXPECT_EQ(forge.identity, ForgeOp::Choice::genuine);
    EXPECT_EQ(forge.one_time_prekey_id, ForgeOp::OneTimePreKey::genuine);
    auto reread = trace_from_json(trace_to_json(trace));
    ASSERT_TRUE(std::holds_alternative<OpTrace>(reread));
    EXPECT_EQ(std::get<OpTrace>(reread), trace);
}

}  // namespace
}  // namespace ratchetcheck::harness
