# docs/state-format.md: the serialized session carries PN; this mutant writes 0 instead.
set(MUTANT_FILE src/state_codec.cpp)
set(MUTANT_FIND [=[    writer.write_u32_be(session.previous_counter);]=])
set(MUTANT_REPLACE [=[    writer.write_u32_be(0);  // MUTANT save_restore_drops_previous_counter]=])
set(MUTANT_PROPERTY StatefulProperties.SaveRestoreChangesNothingObservable)
set(MUTANT_CHECK save-restore-unobservable)
