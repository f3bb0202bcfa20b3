# DR §3.5 SkipMessageKeys checks MAX_SKIP before deriving anything; this mutant derives the
# skipped chain keys first and checks the jump after, so one forged counter near 2^32 costs
# billions of HMACs. The work-count test must fail within seconds, on a jump of
# max_forward_jump + 1, before it tries the far one.
set(MUTANT_FILE src/double_ratchet.cpp)
set(MUTANT_FIND [=[
        if (message.counter - start.index > profile.max_forward_jump)
            return Error::too_far_ahead;
        ChainKey current = std::move(start);
        staged->newly_skipped.reserve(message.counter - current.index);
        while (current.index < message.counter) {
            ChainStep step = step_chain(current);
            staged->newly_skipped.push_back(std::move(step.message_keys));
            current = std::move(step.next);
        }
]=])
set(MUTANT_REPLACE [=[
        // MUTANT derive_before_jump_check: the skipped keys are derived, then the jump checked
        const bool too_far = message.counter - start.index > profile.max_forward_jump;
        ChainKey current = std::move(start);
        while (current.index < message.counter) {
            ChainStep step = step_chain(current);
            staged->newly_skipped.push_back(std::move(step.message_keys));
            current = std::move(step.next);
        }
        if (too_far)
            return Error::too_far_ahead;
]=])
set(MUTANT_SUITE work_count)
set(MUTANT_PROPERTY WorkCountTest.TooFarAheadDerivesNothing)
set(MUTANT_EXPECT "a too-far message derived chain keys.*FAILED.*WorkCountTest.TooFarAheadDerivesNothing")
