# docs/state-format.md: the serialized session carries every chain key; this mutant writes zeros
# instead. The view (indices, keys' public halves) is unchanged and the state reloads, so only the
# comparison with the run without save/restore (outcomes, message bytes) notices.
set(MUTANT_FILE src/state_codec.cpp)
set(MUTANT_FIND [=[    write_secret(writer, chain.key);]=])
set(MUTANT_REPLACE [=[    writer.write_bytes(std::array<std::uint8_t, 32>{});  // MUTANT save_restore_loses_chain_keys]=])
set(MUTANT_PROPERTY StatefulProperties.SaveRestoreChangesNothingObservable)
set(MUTANT_CHECK save-restore-unobservable)
# A trace has no run without save/restore to compare with: replayed alone, the restored party's
# messages stop authenticating, which the model comparison reports.
set(MUTANT_TRACE_CHECK model-agreement)
# The session_state round trip: the serialization of a loaded state is no longer the input.
set(MUTANT_FUZZ_TARGETS session_state)
