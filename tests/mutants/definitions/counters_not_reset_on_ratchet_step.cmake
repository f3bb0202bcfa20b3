# DR §3.5 DHRatchet sets Ns = 0 for the new sending chain; this mutant carries the old Ns over.
set(MUTANT_FILE src/double_ratchet.cpp)
set(MUTANT_FIND [=[        session.sending_chain = std::move(next_sending);]=])
set(MUTANT_REPLACE [=[        next_sending.index = session.sending_chain.index;  // MUTANT counters_not_reset_on_ratchet_step
        session.sending_chain = std::move(next_sending);]=])
set(MUTANT_PROPERTY StatefulProperties.ReplyRoundTripSendsUnderFreshRatchetKey)
set(MUTANT_CHECK fresh-ratchet-key)
