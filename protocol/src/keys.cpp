// The X25519 operations behind the key types of keys.hpp, through the internal crypto interface.
#include "ratchetcheck/keys.hpp"

#include "ratchetcheck/crypto/primitives.hpp"

namespace ratchetcheck {

crypto::X25519Public x25519_public_key_of(const crypto::X25519Private& private_key) {
    return crypto::x25519_public_key(private_key);
}

Result<SecretArray<crypto::x25519_bytes>> x25519_agree(const crypto::X25519Private& private_key,
                                                       const crypto::X25519Public& peer) {
    return crypto::x25519(private_key, peer);
}

}  // namespace ratchetcheck
