# DR §3.5: a message that fails authentication must leave the state unchanged; this mutant moves
# the receiving chain forward before the MAC check fails.
set(MUTANT_FILE src/double_ratchet.cpp)
set(MUTANT_FIND [=[
    if (!authenticated.ok())
        return authenticated.error();
]=])
set(MUTANT_REPLACE [=[
    if (!authenticated.ok()) {
        // MUTANT state_committed_before_mac_check: the chain advances although the MAC failed
        if (chain != nullptr && staged->advanced_chain_key) {
            const_cast<ReceivingChain*>(chain)->chain_key = std::move(*staged->advanced_chain_key);
        }
        return authenticated.error();
    }
]=])
set(MUTANT_PROPERTY StatefulProperties.RejectedInputChangesNothing)
set(MUTANT_CHECK rejection-changes-nothing)
# The decrypt target's seeds with a flipped MAC byte show the changed state; the interaction corpus
# holds this mutant's counterexample trace.
set(MUTANT_FUZZ_TARGETS decrypt interaction)
