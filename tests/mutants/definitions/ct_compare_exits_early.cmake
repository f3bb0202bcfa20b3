# constant_time_equal becomes an early-exit compare (std::equal stops at the first differing
# byte), so the time of a MAC check tells how many leading bytes of a forged tag were right. The
# constant-time check of the MAC sees a branch on the secret expected tag.
set(MUTANT_FILE src/secret.cpp)
set(MUTANT_FIND [=[    return sodium_memcmp(left.data(), right.data(), left.size()) == 0;]=])
set(MUTANT_REPLACE [=[    return std::equal(left.begin(), left.end(), right.begin());  // MUTANT: early exit]=])
set(MUTANT_SUITE ct)
set(MUTANT_PROPERTY ConstantTime.MacMakeAndCheck)
set(MUTANT_EXPECT "Conditional jump or move depends on uninitialised value.*memcheck reported [1-9]")
