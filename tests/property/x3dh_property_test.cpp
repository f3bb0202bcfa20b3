// X3DH §3.3-3.4 (and §4.8 on identity binding): the initiator and the responder derive the same
// keys only when they use matching identities and prekeys. "The same keys" is observed the only
// way the API allows: Bob decrypts Alice's first message, and Alice decrypts Bob's reply.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <optional>
#include <ostream>
#include <string>

#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/harness/seeded_key_source.hpp"
#include "ratchetcheck/party.hpp"

namespace ratchetcheck::property {
namespace {

// Mismatch names one way the two sides' view of the key material can differ.
enum class Mismatch {
    none,                                // everything matches, with a one-time prekey
    none_without_one_time_prekey,        // everything matches, Bob published no one-time prekey
    bundle_omits_one_time_prekey,        // Bob holds one, the bundle carries none: 3-DH on both
                                         // sides (X3DH §3.3 "if the bundle does not contain")
    bundle_signed_prekey_replaced,       // the bundle's signed prekey is not the one signed
    bundle_signed_by_another_identity,   // the bundle names Bob but Mallory signed its prekey
    bundle_of_another_identity,          // the whole bundle is Mallory's (Alice pins Bob)
    responder_signed_prekey_rotated,     // Bob holds another key under the signed prekey id
    responder_one_time_prekey_differs,   // Bob holds another key under the one-time prekey id
    responder_one_time_prekey_missing,   // Bob no longer holds the one-time prekey
    initiator_identity_without_private,  // Mallory sends under Alice's identity public key
};

constexpr std::array all_mismatches = {
    Mismatch::none,
    Mismatch::none_without_one_time_prekey,
    Mismatch::bundle_omits_one_time_prekey,
    Mismatch::bundle_signed_prekey_replaced,
    Mismatch::bundle_signed_by_another_identity,
    Mismatch::bundle_of_another_identity,
    Mismatch::responder_signed_prekey_rotated,
    Mismatch::responder_one_time_prekey_differs,
    Mismatch::responder_one_time_prekey_missing,
    Mismatch::initiator_identity_without_private,
};

const char* mismatch_name(Mismatch mismatch) {
    switch (mismatch) {
        case Mismatch::none:
            return "none";
        case Mismatch::none_without_one_time_prekey:
            return "none, no one-time prekey";
        case Mismatch::bundle_omits_one_time_prekey:
            return "bundle omits the one-time prekey";
        case Mismatch::bundle_signed_prekey_replaced:
            return "bundle's signed prekey replaced";
        case Mismatch::bundle_signed_by_another_identity:
            return "bundle signed by another identity";
        case Mismatch::bundle_of_another_identity:
            return "bundle of another identity";
        case Mismatch::responder_signed_prekey_rotated:
            return "responder's signed prekey rotated";
        case Mismatch::responder_one_time_prekey_differs:
            return "responder's one-time prekey differs";
        case Mismatch::responder_one_time_prekey_missing:
            return "responder's one-time prekey missing";
        case Mismatch::initiator_identity_without_private:
            return "initiator's identity without its private key";
    }
    return "?";
}

bool keys_should_match(Mismatch mismatch) {
    return mismatch == Mismatch::none || mismatch == Mismatch::none_without_one_time_prekey ||
           mismatch == Mismatch::bundle_omits_one_time_prekey;
}

SignedPreKeyRecord signed_prekey(const IdentityKeyPair& signer, std::uint32_t id, KeySource& keys,
                                 std::uint64_t seed) {
    // SeededKeySource never runs out.
    SignedPreKeyRecord record{.id = id,
                              .key_pair = KeyPair<role::SignedPreKey>::from_private(
                                  keys.next_private_key(KeyRole::signed_prekey).value()),
                              .signature = {}};
    std::array<std::uint8_t, crypto::xeddsa_nonce_bytes> randomness{};
    harness::seeded_bytes(seed, "x3dh-signature", id, randomness);
    record.signature =
        crypto::xeddsa_sign(signer.private_key, record.key_pair.public_key.serialize(), randomness);
    return record;
}

Bytes as_bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

// showValue prints a generated mismatch in a counterexample (found by ADL).
void showValue(Mismatch mismatch, std::ostream& out) {
    out << mismatch_name(mismatch);
}

// x3dh_violation runs one session start with `mismatch` and returns what went wrong, if anything.
std::optional<std::string> x3dh_violation(Mismatch mismatch, std::uint64_t seed) {
    harness::SeededKeySource keys(seed);
    auto alice_identity = generate_identity_key_pair(keys);
    auto bob_identity = generate_identity_key_pair(keys);
    auto mallory_identity = generate_identity_key_pair(keys);
    if (!alice_identity.ok() || !bob_identity.ok() || !mallory_identity.ok())
        return "key generation failed";
    const IdentityPublicKey alice_public = alice_identity.value().public_key;
    const IdentityPublicKey bob_public = bob_identity.value().public_key;

    // What Bob published, and what he holds.
    constexpr std::uint32_t signed_id = 11;
    constexpr std::uint32_t one_time_id = 23;
    const SignedPreKeyRecord published_signed =
        signed_prekey(bob_identity.value(), signed_id, keys, seed);
    auto published_one_time = generate_one_time_prekey(one_time_id, keys);
    auto other_one_time = generate_one_time_prekey(one_time_id, keys);
    auto replacement = keys.next_private_key(KeyRole::signed_prekey);
    if (!published_one_time.ok() || !other_one_time.ok() || !replacement.ok())
        return "key generation failed";
    const bool bob_publishes_one_time = mismatch != Mismatch::none_without_one_time_prekey;

    Party bob(bob_identity.value().clone(), 2, alice_public, keys);
    if (mismatch == Mismatch::responder_signed_prekey_rotated) {
        bob.add_signed_prekey(signed_prekey(bob_identity.value(), signed_id, keys, seed + 1));
    } else {
        bob.add_signed_prekey(published_signed.clone());
    }
    if (mismatch == Mismatch::responder_one_time_prekey_differs) {
        bob.add_one_time_prekey(std::move(other_one_time).value());
    } else if (bob_publishes_one_time && mismatch != Mismatch::responder_one_time_prekey_missing) {
        bob.add_one_time_prekey(published_one_time.value().clone());
    }

    // The bundle Alice fetches.
    const bool bundle_has_one_time =
        bob_publishes_one_time && mismatch != Mismatch::bundle_omits_one_time_prekey;
    PreKeyBundle bundle =
        make_prekey_bundle(2, 1, bob_public, published_signed,
                           bundle_has_one_time ? &published_one_time.value() : nullptr);
    // The mismatches below change the fetched bundle after the fact.
    if (mismatch == Mismatch::bundle_signed_prekey_replaced) {
        bundle.signed_prekey =
            KeyPair<role::SignedPreKey>::from_private(std::move(replacement).value()).public_key;
    }
    if (mismatch == Mismatch::bundle_signed_by_another_identity) {
        const SignedPreKeyRecord mallory_signed =
            signed_prekey(mallory_identity.value(), signed_id, keys, seed + 2);
        bundle.signed_prekey = mallory_signed.key_pair.public_key;
        bundle.signed_prekey_signature = mallory_signed.signature;
    }
    if (mismatch == Mismatch::bundle_of_another_identity) {
        const SignedPreKeyRecord mallory_signed =
            signed_prekey(mallory_identity.value(), signed_id, keys, seed + 3);
        bundle.identity_key = mallory_identity.value().public_key;
        bundle.signed_prekey = mallory_signed.key_pair.public_key;
        bundle.signed_prekey_signature = mallory_signed.signature;
    }

    // The initiator: Alice, or Mallory holding Alice's public identity but her own private key.
    IdentityKeyPair initiator_identity = alice_identity.value().clone();
    if (mismatch == Mismatch::initiator_identity_without_private) {
        initiator_identity.private_key = mallory_identity.value().private_key.clone();
    }
    Party alice(std::move(initiator_identity), 1, bob_public, keys);

    const auto initiated = alice.initiate_session(bundle);
    bool agreed = false;
    if (initiated.ok()) {
        auto first = alice.encrypt(as_bytes("hello bob"));
        if (!first.ok())
            return "Alice cannot encrypt after initiate_session";
        auto received = bob.decrypt(first.value().type, first.value().bytes);
        if (received.ok()) {
            if (Bytes(received.value().begin(), received.value().end()) != as_bytes("hello bob")) {
                return "Bob decrypted another plaintext";
            }
            auto reply = bob.encrypt(as_bytes("hello alice"));
            if (!reply.ok())
                return "Bob cannot reply";
            auto answered = alice.decrypt(reply.value().type, reply.value().bytes);
            if (!answered.ok() || Bytes(answered.value().begin(), answered.value().end()) !=
                                      as_bytes("hello alice")) {
                return "Bob decrypted Alice's message but Alice cannot decrypt his reply";
            }
            agreed = true;
        }
    }
    if (keys_should_match(mismatch) != agreed) {
        return std::string("keys ") + (agreed ? "agreed" : "did not agree") +
               (initiated.ok() ? ""
                               : std::string(" (initiate_session: ") +
                                     std::string(error_name(initiated.error())) + ")");
    }
    // X3DH §3.3: a signature that does not verify stops the initiator before any DH; a bundle of
    // another identity than the pinned one is refused.
    if ((mismatch == Mismatch::bundle_signed_prekey_replaced ||
         mismatch == Mismatch::bundle_signed_by_another_identity) &&
        (initiated.ok() || initiated.error() != Error::invalid_key)) {
        return std::string("initiate_session gave ") +
               (initiated.ok() ? "success" : std::string(error_name(initiated.error()))) +
               ", not invalid_key";
    }
    if (mismatch == Mismatch::bundle_of_another_identity &&
        (initiated.ok() || initiated.error() != Error::untrusted_identity)) {
        return std::string("initiate_session gave ") +
               (initiated.ok() ? "success" : std::string(error_name(initiated.error()))) +
               ", not untrusted_identity";
    }
    return std::nullopt;
}

RC_GTEST_PROP(X3dhProperties, KeysAgreeOnlyWithMatchingIdentitiesAndPrekeys, ()) {
    const Mismatch mismatch = *rc::gen::elementOf(all_mismatches);
    const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
    RC_TAG(mismatch_name(mismatch));
    if (auto problem = x3dh_violation(mismatch, seed)) {
        RC_FAIL(std::string("mismatch \"") + mismatch_name(mismatch) + "\": " + *problem);
    }
}

// The regression form of the property's counterexamples (X3DH cases are not op traces: a trace
// always starts from a genuine bundle): every mismatch, with fixed seeds.
TEST(X3dhProperties, EveryMismatchWithFixedSeeds) {
    for (const Mismatch mismatch : all_mismatches) {
        for (const std::uint64_t seed : {0ULL, 1ULL, 0xfeedULL}) {
            const auto problem = x3dh_violation(mismatch, seed);
            EXPECT_FALSE(problem.has_value())
                << "mismatch \"" << mismatch_name(mismatch) << "\", seed " << seed << ": "
                << problem.value_or("");
        }
    }
}

}  // namespace
}  // namespace ratchetcheck::property
