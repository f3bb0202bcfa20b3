# X3DH §3.4: the responder computes DH4 with the one-time prekey the message names; this mutant
# leaves it out, so the two sides' secrets differ whenever a one-time prekey is used.
set(MUTANT_FILE src/x3dh.cpp)
set(MUTANT_FIND [=[    if (one_time_prekey != nullptr) {]=])
set(MUTANT_REPLACE [=[    // MUTANT responder_omits_one_time_prekey
    if (false && one_time_prekey != nullptr) {]=])
set(MUTANT_PROPERTY X3dhProperties.KeysAgreeOnlyWithMatchingIdentitiesAndPrekeys)
# Any trace with a one-time prekey shows it too: its regression trace is the shrunk counterexample
# of StatefulProperties.ImplementationRefinesModel on this mutant.
set(MUTANT_CHECK model-agreement)
