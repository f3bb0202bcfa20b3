// Shared by the witness tests: each invariant's witness, searched once per test process (the
// searches are deterministic, and several tests read the same witness).
#pragma once

#include "ratchetcheck/proofs/catalogue.hpp"
#include "ratchetcheck/proofs/witness.hpp"

namespace ratchetcheck::proofs::testing_support {

// witness_of is find_witness(invariant) with the default settings; the invariant must name a
// witness variant.
const WitnessResult& witness_of(const Invariant& invariant);

}  // namespace ratchetcheck::proofs::testing_support
