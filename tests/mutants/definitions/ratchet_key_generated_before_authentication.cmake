# DR §3.5 allows generating DHs during DHRatchet only because a failed decryption discards every
# change; libsignal (and the model's default) defers it until the message has authenticated. This
# mutant draws a ratchet key pair for every rejected attempt, so forgeries use up keys.
set(MUTANT_FILE src/party.cpp)
set(MUTANT_FIND [=[        auto staged = stage_decrypt(session, party.profile, message);]=])
set(MUTANT_REPLACE [=[        auto staged = stage_decrypt(session, party.profile, message);
        // MUTANT ratchet_key_generated_before_authentication
        if (!staged.ok()) (void)party.key_source->next_private_key(KeyRole::ratchet).ok();]=])
set(MUTANT_PROPERTY StatefulProperties.ImplementationRefinesModel)
set(MUTANT_CHECK model-agreement)
