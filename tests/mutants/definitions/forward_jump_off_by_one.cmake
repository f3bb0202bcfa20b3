# DR §3.5 / Profile::max_forward_jump: a jump of exactly max_forward_jump is allowed; this mutant
# rejects it (>= instead of >).
set(MUTANT_FILE src/double_ratchet.cpp)
set(MUTANT_FIND [=[        if (message.counter - start.index > profile.max_forward_jump)
            return Error::too_far_ahead;]=])
set(MUTANT_REPLACE [=[        // MUTANT forward_jump_off_by_one
        if (message.counter - start.index >= profile.max_forward_jump)
            return Error::too_far_ahead;]=])
set(MUTANT_PROPERTY StatefulProperties.DeliveryWithinLimitsDecryptsExactlyOnce)
set(MUTANT_CHECK delivery-within-limits)
