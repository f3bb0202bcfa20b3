# Profile::max_receiving_chains (libsignal keeps 5): this mutant never drops an old receiving chain.
set(MUTANT_FILE src/double_ratchet.cpp)
set(MUTANT_FIND [=[        if (session.receiving_chains.size() > profile.max_receiving_chains) {]=])
set(MUTANT_REPLACE [=[        // MUTANT receiving_chain_bound_not_enforced
        if (false && session.receiving_chains.size() > profile.max_receiving_chains) {]=])
set(MUTANT_PROPERTY StatefulProperties.StoresStayWithinBounds)
set(MUTANT_CHECK stores-within-bounds)
