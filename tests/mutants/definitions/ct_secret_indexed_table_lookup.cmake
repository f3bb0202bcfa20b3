# RFC 7748 clamping of the low byte through a 256-entry table indexed by the secret byte: the
# address of the load depends on the private key (a cache-timing leak). The constant-time check
# of key generation sees a memory index that depends on a secret.
set(MUTANT_FILE src/crypto/primitives.cpp)
set(MUTANT_FIND [=[    scalar[0] &= 248;  // RFC 7748 §5 decodeScalar25519]=])
set(MUTANT_REPLACE [=[    static const auto low_byte_table = [] {  // MUTANT: secret-indexed table lookup
        std::array<std::uint8_t, 256> table{};
        for (std::size_t index = 0; index < table.size(); ++index)
            table[index] = static_cast<std::uint8_t>(index & 248);
        return table;
    }();
    scalar[0] = low_byte_table[scalar[0]];]=])
set(MUTANT_SUITE ct)
set(MUTANT_PROPERTY ConstantTime.KeyGeneration)
set(MUTANT_EXPECT "Use of uninitialised value of size 8.*memcheck reported [1-9]")
