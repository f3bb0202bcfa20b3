// The memo (crypto_memo.hpp) for libsignal-protocol-c's public-key operations, in the libFuzzer
// build of differential_libsignal (docs/fuzzing.md, "Speed"; docs/decisions.md E37).
//
// libsignal-protocol-c is Debian's shared library, so the linker's --wrap, which rewrites
// references between the objects of one link, cannot reach its calls. But the library calls its
// own curve25519_donna, curve25519_sign and curve25519_verify through its PLT, that is, by symbol
// lookup: a definition exported by the executable (-Wl,--export-dynamic-symbol,
// fuzz/CMakeLists.txt) comes first in that lookup and receives those calls (ELF symbol
// interposition). Each definition here answers from the memo, or calls the library's own
// definition, found with dlsym(RTLD_NEXT), and remembers its result. The library itself is
// unchanged; the replay builds and every test other than the memo's own link it as it is.
//
// Why: curve25519_donna (libsignal's X25519, its public keys and its key agreements) was the
// largest single cost of differential_libsignal after the libsodium memo, about a third of its
// time; the targets' keys come from SeededKeySource, so the same calls come back input after input.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "crypto_memo.hpp"

using ratchetcheck::fuzz::MemoFunction;
using ratchetcheck::fuzz::point_bytes;
using ratchetcheck::fuzz::remembered_call;
using ratchetcheck::fuzz::signature_bytes;

namespace {

// curve_calculate_signature draws 64 random bytes for curve25519_sign.
constexpr std::size_t signing_random_bytes = 64;

// library_function is libsignal-protocol-c's own definition of `name`, the next one after this
// executable's; a process without it cannot have called the interposer, so its absence is fatal.
template <typename Function>
Function library_function(const char* name) {
    void* found = dlsym(RTLD_NEXT, name);
    if (found == nullptr) {
        std::fprintf(stderr, "libsignal_memo: no library definition of %s: %s\n", name, dlerror());
        std::abort();
    }
    return reinterpret_cast<Function>(found);
}

}  // namespace

// The library's names and signatures (libsignal-protocol-c 2.3.3, src/curve25519/curve25519-donna.c
// and src/curve25519/ed25519/additions/curve_sigs.h); they are not in its public headers.
extern "C" {

// X25519: mypublic = secret · basepoint; libsignal's public keys and key agreements
// (curve_generate_public_key, curve_calculate_agreement).
int curve25519_donna(unsigned char* mypublic, const unsigned char* secret,
                     const unsigned char* basepoint) {
    using Function = int (*)(unsigned char*, const unsigned char*, const unsigned char*);
    static const auto library = library_function<Function>("curve25519_donna");
    return remembered_call(MemoFunction::libsignal_curve25519,
                           {{secret, point_bytes}, {basepoint, point_bytes}}, mypublic, point_bytes,
                           [&] { return library(mypublic, secret, basepoint); });
}

// XEdDSA signing as libsignal 2.3.3 signs signed prekeys (curve_calculate_signature); the random
// bytes come from the crypto provider, so they are part of the call.
int curve25519_sign(unsigned char* signature_out, const unsigned char* curve25519_privkey,
                    const unsigned char* msg, unsigned long msg_len, const unsigned char* random) {
    using Function = int (*)(unsigned char*, const unsigned char*, const unsigned char*,
                             unsigned long, const unsigned char*);
    static const auto library = library_function<Function>("curve25519_sign");
    return remembered_call(
        MemoFunction::libsignal_sign,
        {{curve25519_privkey, point_bytes}, {msg, msg_len}, {random, signing_random_bytes}},
        signature_out, signature_bytes,
        [&] { return library(signature_out, curve25519_privkey, msg, msg_len, random); });
}

// XEdDSA verification (curve_verify_signature): the verdict only.
int curve25519_verify(const unsigned char* signature, const unsigned char* curve25519_pubkey,
                      const unsigned char* msg, unsigned long msg_len) {
    using Function =
        int (*)(const unsigned char*, const unsigned char*, const unsigned char*, unsigned long);
    static const auto library = library_function<Function>("curve25519_verify");
    return remembered_call(
        MemoFunction::libsignal_verify,
        {{signature, signature_bytes}, {curve25519_pubkey, point_bytes}, {msg, msg_len}}, nullptr,
        0, [&] { return library(signature, curve25519_pubkey, msg, msg_len); });
}

}  // extern "C"
