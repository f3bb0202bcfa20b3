# DR §3.5 SkipMessageKeys stores the keys of the messages a chain step jumps over; this mutant
# drops them (on an existing chain), so a late message no longer decrypts.
set(MUTANT_FILE src/double_ratchet.cpp)
set(MUTANT_FIND [=[
            chain.chain_key = std::move(*staged.advanced_chain_key);
            append_skipped(chain, staged.newly_skipped);]=])
set(MUTANT_REPLACE [=[
            chain.chain_key = std::move(*staged.advanced_chain_key);  // MUTANT skipped_keys_not_stored]=])
set(MUTANT_PROPERTY StatefulProperties.DeliveryWithinLimitsDecryptsExactlyOnce)
set(MUTANT_CHECK delivery-within-limits)
# The interaction corpus holds this mutant's counterexample trace (a late message lost).
set(MUTANT_FUZZ_TARGETS interaction)
