# X3DH §3.3: the initiator verifies the signed prekey's signature and aborts if it fails; this
# mutant skips the check. Op traces always use a genuine bundle, so its counterexample is an
# X3DH property case (X3dhProperties.EveryMismatchWithFixedSeeds), not a trace.
set(MUTANT_FILE src/x3dh.cpp)
set(MUTANT_FIND [=[    if (!crypto::xeddsa_verify(bundle.identity_key.u, signed_prekey_bytes,]=])
set(MUTANT_REPLACE [=[    // MUTANT signed_prekey_signature_not_verified
    if (false && !crypto::xeddsa_verify(bundle.identity_key.u, signed_prekey_bytes,]=])
set(MUTANT_PROPERTY X3dhProperties.KeysAgreeOnlyWithMatchingIdentitiesAndPrekeys)
set(MUTANT_CHECK "")
