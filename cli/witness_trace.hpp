// A witness of the proofs (proofs/witness.hpp) written as an op trace (docs/op-trace.md): the
// run on which the invariant's witness variant breaks it, to be replayed on the implementation
// against the specified model (corpus/traces/witness-<invariant>.json).
#pragma once

#include <cstdint>
#include <string>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/proofs/catalogue.hpp"
#include "ratchetcheck/proofs/witness.hpp"

namespace ratchetcheck::cli {

// witness_key_seed is the key seed of every witness trace ("witness" in ASCII): fixed, so that
// regenerating a witness gives the same file.
inline constexpr std::uint64_t witness_key_seed = 0x7769746e657373;

// witness_trace_name is the file name of an invariant's witness trace.
std::string witness_trace_name(const proofs::Invariant& invariant);

// witness_trace writes a found witness as an op trace: the search's setup (limits, one-time
// prekey) with witness_key_seed; a send with plaintext size 0 per send; per delivery a duplicate
// first when the search found no copy in flight, then the deliver; per forgery a forge op with the
// epoch's key, the forged counters, one ciphertext block and, for a PreKeySignalMessage, the
// genuine identity, signed prekey and one-time prekey ids and Alice's base key or another. The
// expectations are the specified model's outcomes; the note says which invariant, which variant
// and at which op it breaks.
harness::OpTrace witness_trace(const proofs::Invariant& invariant,
                               const proofs::WitnessResult& witness);

// witness_trace for a run found under another variant than the invariant's own (prove --variant:
// the researcher's counterexample); `variant_name` is named in the note.
harness::OpTrace witness_trace(const proofs::Invariant& invariant,
                               const proofs::WitnessResult& witness,
                               const std::string& variant_name);

}  // namespace ratchetcheck::cli
