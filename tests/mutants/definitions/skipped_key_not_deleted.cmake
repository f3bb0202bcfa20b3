# DR §3.5 TrySkippedMessageKeys deletes the skipped key it uses; this mutant keeps it, so a
# replayed late message decrypts again.
set(MUTANT_FILE src/double_ratchet.cpp)
set(MUTANT_FIND [=[            chain.skipped.erase(used);]=])
set(MUTANT_REPLACE [=[            (void)used;  // MUTANT skipped_key_not_deleted: the used key stays stored]=])
set(MUTANT_PROPERTY StatefulProperties.NoMessageAcceptedTwice)
set(MUTANT_CHECK no-message-accepted-twice)
# The model's variant delete_used_skipped_keys = false describes exactly this behaviour: run
# against that variant, the mutant must refine the model (ModelVariants, see below).
set(MUTANT_MODEL_VARIANT keep_used_skipped_keys)
# The planted disagreement of the interop suite (libsignal deletes the key): found by the random
# interop traces, shrunk, and reproduced by this mutant's CLI with `replay --peer libsignal`: the
# used key still stored shows in α (model-agreement) as soon as a late message is accepted.
set(MUTANT_INTEROP_CHECK model-agreement)
# A skipped message of the decrypt target's after-skips world is accepted a second time.
set(MUTANT_FUZZ_TARGETS decrypt)
