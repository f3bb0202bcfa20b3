# KDF_RK copies the root key into a plain std::vector (no wiping allocator) before using it as
# HKDF's salt: every DH ratchet step leaves a root key in freed heap memory. The freed-memory
# check finds it.
set(MUTANT_FILE src/double_ratchet.cpp)
set(MUTANT_FIND [=[    if (!crypto::hkdf_sha256(dh_output.view(), root_key.key.view(), as_bytes(root_info),]=])
set(MUTANT_REPLACE [=[    const Bytes salt(root_key.key.view().begin(), root_key.key.view().end());  // MUTANT
    if (!crypto::hkdf_sha256(dh_output.view(), salt, as_bytes(root_info),]=])
set(MUTANT_SUITE no_key_left_behind)
set(MUTANT_PROPERTY NoKeyLeftBehind.SessionsLeaveNoKeyInFreedMemory)
set(MUTANT_EXPECT "a freed block of 32 bytes still holds [^\n]*root key")
