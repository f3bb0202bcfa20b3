// Fuzz target prekey_bundle: the initiator's half of X3DH (Party::initiate_session, X3DH §3.3) on
// an attacker-chosen bundle, built from Bob's genuine bundle (fuzz_world.hpp) with any of its
// fields replaced by input bytes.
//
// Input: byte 0 flags — bit 0 Alice trusts on first use (else she pins Bob's identity), bit 1 the
// bundle has a one-time prekey, bits 2-5 take the identity key, signed prekey, signature and
// one-time prekey from the input (else Bob's genuine ones), bit 6 takes the ids from the input;
// then, in this order and each only when its flag is set, 3 × 4 bytes of ids (registration,
// signed prekey, one-time prekey; little-endian), 32 bytes of identity u, 32 of signed prekey u,
// 64 of signature, 32 of one-time prekey u. Missing bytes are zero.
//
// Asserts: a refused bundle leaves Alice's state byte-identical; an accepted one was signed by
// the identity it names (only the genuine signed prekey is accepted with Bob's identity), Alice
// can then encrypt a PreKeySignalMessage, and with all of Bob's genuine keys Bob decrypts it.
//
// Built twice: fuzz_prekey_bundle is X3DH (signal-v3); fuzz_prekey_bundle_v4 (RATCHETCHECK_FUZZ_V4)
// is PQXDH (signal-v4-pqxdh, PQXDH §3.3). The v4 input has a second flags byte after the first:
// bit 0 the bundle has a Kyber prekey (else it must be refused: post_quantum_required, or
// untrusted_identity when the identity is not the pinned one, which is checked first),
// bits 1-3 take the Kyber prekey's id, public key (1568 bytes) and signature (64 bytes) from the
// input, read after everything above in that order. Asserts besides: an accepted v4 bundle has a
// Kyber prekey, and with Bob's identity only his genuine Kyber key under its genuine signature.
// @evidence check=fuzz:prekey_bundle functions=SF.KEY_AGREEMENT,SF.INPUT_VALIDATION clauses=X3DH-3.2,X3DH-3.3 mechanisms=XEdDSA
// @evidence check=fuzz:prekey_bundle_v4 functions=SF.KEY_AGREEMENT,SF.INPUT_VALIDATION clauses=PQXDH-3.2,PQXDH-3.3 mechanisms=XEdDSA,KYBER1024
#include <algorithm>
#include <cstring>
#include <string>

#include "fuzz_driver.hpp"
#include "fuzz_world.hpp"

namespace ratchetcheck::fuzz {

#ifdef RATCHETCHECK_FUZZ_V4
const FuzzTarget fuzz_target{"prekey_bundle_v4", 2048};
constexpr WorldProfile world_profile = WorldProfile::signal_v4_pqxdh;
#else
const FuzzTarget fuzz_target{"prekey_bundle", 256};
constexpr WorldProfile world_profile = WorldProfile::signal_v3;
#endif

namespace {

// InputReader hands out input bytes in order, zeros after the end.
class InputReader {
  public:
    explicit InputReader(ByteView input) : input_(input) {}
    // Copies what is left in one step, then zero-fills: the byte-by-byte loop this replaces made
    // g++ 12 at -O3 report a false -Wstringop-overflow on read_u32's 4-byte array (a GCC
    // false positive of the same family as bug 105329), which stopped the -Werror Release build.
    void read(std::span<std::uint8_t> output) {
        const std::size_t available = std::min(output.size(), input_.size() - offset_);
        std::copy_n(input_.begin() + static_cast<std::ptrdiff_t>(offset_), available,
                    output.begin());
        std::fill(output.begin() + static_cast<std::ptrdiff_t>(available), output.end(),
                  std::uint8_t{0});
        offset_ += available;
    }
    std::uint32_t read_u32() {
        std::array<std::uint8_t, 4> bytes{};
        read(bytes);
        return static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
               static_cast<std::uint32_t>(bytes[2]) << 16 |
               static_cast<std::uint32_t>(bytes[3]) << 24;
    }

  private:
    ByteView input_;
    std::size_t offset_ = 0;
};

enum Flag : std::uint8_t {
    trust_on_first_use = 1 << 0,
    with_one_time_prekey = 1 << 1,
    identity_from_input = 1 << 2,
    signed_prekey_from_input = 1 << 3,
    signature_from_input = 1 << 4,
    one_time_prekey_from_input = 1 << 5,
    ids_from_input = 1 << 6,
};

// The second flags byte of the v4 target.
enum KyberFlag : std::uint8_t {
    with_kyber_prekey = 1 << 0,
    kyber_id_from_input = 1 << 1,
    kyber_key_from_input = 1 << 2,
    kyber_signature_from_input = 1 << 3,
};

}  // namespace

void fuzz_one_input(ByteView input) {
    if (input.empty())
        return;
    const std::uint8_t flags = input[0];
    const bool pqxdh = world_profile == WorldProfile::signal_v4_pqxdh;
    const std::size_t flag_bytes = pqxdh ? 2 : 1;
    const std::uint8_t kyber_flags = pqxdh && input.size() > 1 ? input[1] : 0;
    InputReader reader(input.subspan(std::min(flag_bytes, input.size())));
    const BundleMaterial& material = bundle_material(world_profile);
    PreKeyBundle bundle = material.bundle;
    if ((flags & ids_from_input) != 0) {
        bundle.registration_id = reader.read_u32();
        bundle.signed_prekey_id = reader.read_u32();
        if (bundle.one_time_prekey)
            bundle.one_time_prekey->id = reader.read_u32();
    }
    if ((flags & identity_from_input) != 0)
        reader.read(bundle.identity_key.u);
    if ((flags & signed_prekey_from_input) != 0)
        reader.read(bundle.signed_prekey.u);
    if ((flags & signature_from_input) != 0)
        reader.read(bundle.signed_prekey_signature);
    if ((flags & with_one_time_prekey) == 0) {
        bundle.one_time_prekey.reset();
    } else if ((flags & one_time_prekey_from_input) != 0) {
        reader.read(bundle.one_time_prekey->key.u);
    }
    if (pqxdh) {
        if ((kyber_flags & with_kyber_prekey) == 0) {
            bundle.kyber_prekey.reset();
        } else {
            if ((kyber_flags & kyber_id_from_input) != 0)
                bundle.kyber_prekey->id = reader.read_u32();
            if ((kyber_flags & kyber_key_from_input) != 0) {
                std::array<std::uint8_t, crypto::kyber1024_public_key_bytes> key{};
                reader.read(key);
                bundle.kyber_prekey->key = crypto::KyberPublicKey(key);
            }
            if ((kyber_flags & kyber_signature_from_input) != 0)
                reader.read(bundle.kyber_prekey->signature);
        }
    }
    const bool genuine_kyber =
        !pqxdh ||
        (bundle.kyber_prekey && bundle.kyber_prekey->id == material.bundle.kyber_prekey->id &&
         bundle.kyber_prekey->key == material.bundle.kyber_prekey->key &&
         bundle.kyber_prekey->signature == material.bundle.kyber_prekey->signature);
    const bool genuine_keys =
        genuine_kyber && bundle.identity_key == material.bundle.identity_key &&
        bundle.signed_prekey == material.bundle.signed_prekey &&
        bundle.signed_prekey_signature == material.bundle.signed_prekey_signature &&
        bundle.signed_prekey_id == material.bundle.signed_prekey_id &&
        (!bundle.one_time_prekey ||
         (bundle.one_time_prekey->key == material.bundle.one_time_prekey->key &&
          bundle.one_time_prekey->id == material.bundle.one_time_prekey->id));

    harness::SeededKeySource keys(world_key_seed, "fuzz");
    std::optional<IdentityPublicKey> pinned;
    if ((flags & trust_on_first_use) == 0)
        pinned = material.bundle.identity_key;
    Party alice(material.alice_identity.clone(), 1, pinned, keys, profile_of(world_profile));
    const SecureBytes before = alice.serialize();
    auto started = alice.initiate_session(bundle);
    if (!started.ok()) {
        require(alice.serialize() == before, [&] {
            return "X3DH refused the bundle with " + std::string(error_name(started.error())) +
                   " but Alice's state changed";
        });
        // Trust is checked first (libsignal's order, and Party's): an untrusted identity is
        // refused as such whatever else the bundle lacks. The first campaign found this target
        // expecting post_quantum_required there (corpus/prekey_bundle_v4, the input 0x84).
        require(!pqxdh || bundle.kyber_prekey.has_value() ||
                    started.error() == Error::post_quantum_required ||
                    started.error() == Error::untrusted_identity,
                [&] {
                    return "PQXDH refused a bundle without a Kyber prekey with " +
                           std::string(error_name(started.error())) + ", not post_quantum_required";
                });
        require(!genuine_keys, [&] {
            return "X3DH refused Bob's genuine keys with " +
                   std::string(error_name(started.error()));
        });
        return;
    }
    require(!pinned || bundle.identity_key == *pinned,
            "X3DH accepted a bundle whose identity is not the pinned one");
    require(!pqxdh || bundle.kyber_prekey.has_value(),
            "PQXDH accepted a bundle without a Kyber prekey (a downgrade to X3DH)");
    require(!pqxdh || bundle.identity_key != material.bundle.identity_key ||
                bundle.kyber_prekey->key == material.bundle.kyber_prekey->key,
            "PQXDH accepted a Kyber prekey Bob never signed");
    require(bundle.identity_key != material.bundle.identity_key ||
                bundle.signed_prekey == material.bundle.signed_prekey,
            [&] {
                return "X3DH accepted a signed prekey Bob never signed: signature " +
                       hex(bundle.signed_prekey_signature);
            });

    const Bytes plaintext{'h', 'i'};
    auto sent = alice.encrypt(plaintext);
    require(sent.ok(), [&] {
        return "encrypt after an accepted bundle failed with " +
               std::string(error_name(sent.error()));
    });
    require(sent.value().type == MessageType::prekey_message,
            "the first message after X3DH is not a PreKeySignalMessage");
    if (!genuine_keys)
        return;
    harness::SeededKeySource bob_keys(world_key_seed, "fuzz-bob");
    auto bob = Party::deserialize(material.bob_state, bob_keys, profile_of(world_profile));
    require(bob.ok(), "Bob's fixed state does not load");
    auto received = bob.value().decrypt(sent.value().type, sent.value().bytes);
    require(received.ok(), [&] {
        return "Bob rejects the first message of a session on his genuine bundle with " +
               std::string(error_name(received.error()));
    });
    require(std::equal(received.value().begin(), received.value().end(), plaintext.begin(),
                       plaintext.end()),
            "Bob decrypts the first message to another plaintext");
}

}  // namespace ratchetcheck::fuzz
