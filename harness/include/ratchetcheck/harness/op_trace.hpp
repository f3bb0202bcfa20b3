// Op traces: the one language every checker speaks (ARCHITECTURE.md "The op trace"). A trace is a
// setup (key seed, whether Bob publishes a one-time prekey, the profile limits) and a sequence of
// ops of a two-party session under a network adversary. docs/op-trace.md describes the alphabet,
// the JSON form read and written here, and the compact byte form of op_trace_codec.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/model/state.hpp"
#include "ratchetcheck/profile.hpp"

namespace ratchetcheck::harness {

// One word for a participant in every layer: `Party` is our implementation's participant object;
// model::PartyId (alice or bob) names a seat, in the model, in op traces, in the runner and in
// the interop tests.

// SendOp: `party` encrypts a plaintext of 4 + `size` bytes (DR §3.4): the message's ledger index
// as 4 big-endian bytes, then `size` filler bytes. A successful send is message number
// (count of earlier successful sends).
struct SendOp {
    model::PartyId party = model::PartyId::alice;
    std::uint32_t size = 0;
    bool operator==(const SendOp&) const = default;
};

// DeliverOp: one copy of `message` in flight is handed to its recipient.
struct DeliverOp {
    std::uint32_t message = 0;
    bool operator==(const DeliverOp&) const = default;
};

// DuplicateOp: the adversary puts one more copy of `message` (any message sent so far) in flight.
struct DuplicateOp {
    std::uint32_t message = 0;
    bool operator==(const DuplicateOp&) const = default;
};

// DropOp: one copy of `message` in flight is lost.
struct DropOp {
    std::uint32_t message = 0;
    bool operator==(const DropOp&) const = default;
};

// TamperOp: the recipient of `message` is handed a copy with byte (`byte` modulo the message's
// length) XORed with `mask`. The network's copies are not touched.
struct TamperOp {
    std::uint32_t message = 0;
    std::uint32_t byte = 0;
    std::uint8_t mask = 0;
    bool operator==(const TamperOp&) const = default;
};

// TruncateOp: the recipient of `message` is handed its first (`length` modulo the message's
// length) bytes: always a strict prefix, which every implementation must reject (a SignalMessage
// loses MAC bytes; a PreKeySignalMessage loses at least part of its last field, the required
// signedPreKeyId). The network's copies are not touched.
struct TruncateOp {
    std::uint32_t message = 0;
    std::uint32_t length = 0;
    bool operator==(const TruncateOp&) const = default;
};

// ForgedKey is the ratchet key a forged message carries.
struct ForgedKey {
    enum class Kind : std::uint8_t {
        epoch,      // the public key of epoch `epoch` (must exist already)
        fresh,      // a valid key nobody generated
        invalid,    // not a 33-byte 0x05 key (rejected by the parser)
        low_order,  // 0x05 followed by zeros: a small-order point (X25519 output all zero)
    };
    Kind kind = Kind::fresh;
    std::uint32_t epoch = 0;
    bool operator==(const ForgedKey&) const = default;
};

// ForgeOp: `party` is handed a message the adversary built from header fields, with a
// ciphertext of `ciphertext_blocks` random 16-byte blocks and a random MAC. For a
// PreKeySignalMessage the outer fields say whose base key, identity and prekey ids it carries.
struct ForgeOp {
    enum class Choice : std::uint8_t { genuine, other };
    enum class OneTimePreKey : std::uint8_t { genuine, absent, other };

    model::PartyId party = model::PartyId::bob;
    bool prekey = false;
    ForgedKey ratchet_key;
    std::uint32_t counter = 0;
    std::uint32_t previous_counter = 0;
    std::uint8_t ciphertext_blocks = 1;
    Choice base_key = Choice::genuine;          // Alice's real base key, or a fresh one
    Choice identity = Choice::genuine;          // the receiver's peer identity, or another
    Choice signed_prekey_id = Choice::genuine;  // Bob's signed prekey id, or another
    OneTimePreKey one_time_prekey_id = OneTimePreKey::genuine;
    bool operator==(const ForgeOp&) const = default;
};

// SaveRestoreOp: `party`'s state is serialized and loaded back into a new Party object.
struct SaveRestoreOp {
    model::PartyId party = model::PartyId::alice;
    bool operator==(const SaveRestoreOp&) const = default;
};

using Op = std::variant<SendOp, DeliverOp, DuplicateOp, DropOp, TamperOp, ForgeOp, SaveRestoreOp,
                        TruncateOp>;

// TraceProfile names the protocol profile a trace runs (profile.hpp): signal-v3 (X3DH, message
// version 3), the default of every trace that names none, or signal-v4-pqxdh (PQXDH with
// Kyber-1024, message version 4).
enum class TraceProfile : std::uint8_t { signal_v3, signal_v4_pqxdh };

// trace_profile_name is the profile's name ("signal-v3", "signal-v4-pqxdh"), as Profile::name.
std::string_view trace_profile_name(TraceProfile profile);

// TraceSetup is everything besides the ops that decides a run: the key seed (every key pair, the
// signed prekey signature and every forged byte derive from it), whether Bob publishes a
// one-time prekey, the profile limits of both parties, the profile, and (signal-v4-pqxdh only)
// whether Bob's bundle carries a one-time Kyber prekey or only his last-resort one. Bob stores a
// last-resort Kyber prekey in either case (PQXDH §3.2); a second session on it is the "last-resort
// prekey reused" case (docs/op-trace.md).
struct TraceSetup {
    std::uint64_t key_seed = 0;
    bool one_time_prekey = true;
    model::Limits limits{};
    TraceProfile profile = TraceProfile::signal_v3;
    // Only meaningful for signal-v4-pqxdh; validate_setup refuses false under signal-v3.
    bool one_time_kyber_prekey = true;
    bool operator==(const TraceSetup&) const = default;
};

// OpTrace is a setup and its ops. `expectations`, when not empty, holds one entry per op: the
// outcome the model predicted when the trace was recorded (see outcome_label), or nullopt.
struct OpTrace {
    TraceSetup setup;
    std::vector<Op> ops;
    std::vector<std::optional<std::string>> expectations;
    std::string note;
    bool operator==(const OpTrace&) const = default;
};

// Bounds a setup must respect so that a run's memory and time stay small (a hostile trace
// cannot ask for 2^32 receiving chains).
inline constexpr std::size_t max_trace_receiving_chains = 64;
inline constexpr std::int64_t max_trace_limit = 100000;
// The largest plaintext filler a send op may ask for (the JSON reader and strict byte decoding
// refuse more, lenient decoding clamps): a hostile trace cannot make a run build 4 GiB plaintexts
// (found by the interaction fuzz target: a send of size 2^32 - 1 ran for minutes).
inline constexpr std::uint32_t max_send_size = 65536;

// validate_setup returns a description of the first problem, or nullopt when usable.
std::optional<std::string> validate_setup(const TraceSetup& setup);

// profile_for builds the implementation's Profile for a setup: the setup's profile (signal-v3 or
// signal-v4-pqxdh) with the setup's limits.
Profile profile_for(const TraceSetup& setup);

// model_rules_for gives the model the behavioural rules of the implementation's `profile`
// (model::ProfileRules), as setup.limits gives it the bounds.
model::ProfileRules model_rules_for(const Profile& profile);

// op_to_json / trace_to_json render the JSON form (docs/op-trace.md); one op per line.
std::string op_to_json(const Op& op, const std::optional<std::string>& expectation = std::nullopt);
std::string trace_to_json(const OpTrace& trace);

// TraceParseError names the field that is wrong.
struct TraceParseError {
    std::string field;
    std::string problem;
    std::string message() const;
};

// trace_from_json parses the JSON form. Every missing, ill-typed or out-of-range field is a
// TraceParseError naming it; nothing throws.
std::variant<OpTrace, TraceParseError> trace_from_json(std::string_view text);

// op_name is "send", "deliver", "duplicate", "drop", "tamper", "forge", "save_restore" or
// "truncate".
std::string_view op_name(const Op& op);

}  // namespace ratchetcheck::harness
