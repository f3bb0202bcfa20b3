# libsignal's PN is max(Ns - 1, 0) of the replaced sending chain (SCHEMA.md §6.3); this mutant
# sends Ns. Nothing breaks for the peer (PN is not used to decrypt): only the model notices.
set(MUTANT_FILE src/double_ratchet.cpp)
set(MUTANT_FIND [=[            session.sending_chain.index == 0 ? 0 : session.sending_chain.index - 1;]=])
set(MUTANT_REPLACE [=[            session.sending_chain.index;  // MUTANT previous_counter_wrong: Ns, not max(Ns - 1, 0)]=])
set(MUTANT_PROPERTY StatefulProperties.ImplementationRefinesModel)
set(MUTANT_CHECK model-agreement)
# Only the model notices: the differential_model corpus holds its counterexample trace.
set(MUTANT_FUZZ_TARGETS differential_model)
