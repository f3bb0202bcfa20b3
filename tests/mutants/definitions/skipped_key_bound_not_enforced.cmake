# DR §3.5 MAX_SKIP / Profile::max_skipped_keys_*: this mutant never drops stored skipped keys.
set(MUTANT_FILE src/double_ratchet.cpp)
set(MUTANT_FIND [=[    enforce_skipped_bounds(session, profile);]=])
set(MUTANT_REPLACE [=[    (void)&enforce_skipped_bounds;  // MUTANT skipped_key_bound_not_enforced]=])
set(MUTANT_PROPERTY StatefulProperties.StoresStayWithinBounds)
set(MUTANT_CHECK stores-within-bounds)
