// Shared by the witness tests: each invariant's witness, searched once per test process (the
// searches are deterministic, and several tests read the same witness).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ratchetcheck/proofs/catalogue.hpp"
#include "ratchetcheck/proofs/witness.hpp"

namespace ratchetcheck::proofs::testing_support {

// witness_of is find_witness(invariant) with the default settings; the invariant must name a
// witness variant.
const WitnessResult& witness_of(const Invariant& invariant);

// invariants_with_witnesses lists the ids of the catalogue entries that name a witness variant
// (every one: WitnessSearch.EveryInvariantNamesAWitnessVariant), the parameters of the
// per-invariant test suites.
std::vector<std::string> invariants_with_witnesses();

// test_name makes an invariant id a test name ('-' is not allowed in one).
std::string test_name(const ::testing::TestParamInfo<std::string>& info);

}  // namespace ratchetcheck::proofs::testing_support
