# The third finding, in the form OpenSSL's own unpadding has it: the PKCS#7 check stops at the
# first byte that is not the padding value, so its time depends on the decrypted (secret) bytes.
set(MUTANT_FILE src/crypto/primitives.cpp)
set(MUTANT_FIND [=[        bad |= in_padding & (plaintext[last - index] ^ padding);]=])
set(MUTANT_REPLACE [=[        bad |= in_padding & (plaintext[last - index] ^ padding);
        if (bad != 0)
            return 0;  // MUTANT: stops at the first bad padding byte]=])
set(MUTANT_SUITE ct)
set(MUTANT_PROPERTY ConstantTime.Aes256CbcEncryptAndDecrypt)
set(MUTANT_EXPECT "Conditional jump or move depends on uninitialised value.*memcheck reported [1-9]")
