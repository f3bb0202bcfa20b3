# The second finding of the constant-time checks, put back: XEdDSA signing negates the private
# scalar under a branch on the secret Edwards sign bit instead of a masked select.
set(MUTANT_FILE src/crypto/xeddsa.cpp)
set(MUTANT_FIND [=[    for (std::size_t index = 0; index < scalar_bytes; ++index) {
        private_scalar.data()[index] ^=
            negate_mask & (private_scalar.data()[index] ^ negated.data()[index]);
    }]=])
set(MUTANT_REPLACE [=[    if (negate_mask != 0)  // MUTANT: a branch on the secret sign bit
        private_scalar = std::move(negated);]=])
set(MUTANT_SUITE ct)
set(MUTANT_PROPERTY ConstantTime.XeddsaSignAndVerify)
set(MUTANT_EXPECT "Conditional jump or move depends on uninitialised value.*memcheck reported [1-9]")
