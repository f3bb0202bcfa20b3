# The first finding of the constant-time checks, put back: HKDF tests its salt for all zeros with
# a short-circuiting scan, and KDF_RK passes the root key as the salt, so the time of every DH
# ratchet step depends on the root key's leading bytes.
set(MUTANT_FILE src/crypto/primitives.cpp)
set(MUTANT_FIND [=[    HmacSha256(salt).mac_into(pseudorandom_key.mutable_view(), {input_key_material});]=])
set(MUTANT_REPLACE [=[    // MUTANT: the zero-salt shortcut found by scanning the (secret) salt
    if (std::all_of(salt.begin(), salt.end(), [](std::uint8_t byte) { return byte == 0; })) {
        HmacSha256(ByteView{}).mac_into(pseudorandom_key.mutable_view(), {input_key_material});
    } else {
        HmacSha256(salt).mac_into(pseudorandom_key.mutable_view(), {input_key_material});
    }]=])
set(MUTANT_SUITE ct)
set(MUTANT_PROPERTY ConstantTime.HkdfAndRootAndChainKeyDerivation)
set(MUTANT_EXPECT "Conditional jump or move depends on uninitialised value.*memcheck reported [1-9]")
