// The fixed worlds of fuzz_world.hpp.
#include "fuzz_world.hpp"

#include <string>

#include "fuzz_driver.hpp"
#include "ratchetcheck/crypto/kyber.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"

namespace ratchetcheck::fuzz {
namespace {

// Unwrap fails the target when building a world fails: the world is fixed, so a failure is a
// regression of the implementation, not a property of an input.
template <typename T>
T unwrap(Result<T> result, const char* step) {
    if (!result.ok())
        fail(std::string("building the fixed world: ") + step + " failed with " +
             std::string(error_name(result.error())));
    return std::move(result).value();
}

void unwrap_void(Result<void> result, const char* step) {
    if (!result.ok())
        fail(std::string("building the fixed world: ") + step + " failed with " +
             std::string(error_name(result.error())));
}

Bytes plaintext_for(std::size_t number) {
    // Distinct plaintexts, so that an accepted message is matched to its genuine original.
    Bytes plaintext(4 + number % 37);
    for (std::size_t index = 0; index < plaintext.size(); ++index)
        plaintext[index] = static_cast<std::uint8_t>(number * 131 + index * 7);
    plaintext[0] = static_cast<std::uint8_t>(number >> 8);
    plaintext[1] = static_cast<std::uint8_t>(number);
    return plaintext;
}

// world_kyber_prekey makes a Kyber prekey from the world seed: key pair and signature randomness
// from seeded_bytes, so that Bob's state and bundle are the same bytes in every process
// (generate_kyber_prekey signs with the CSPRNG).
KyberPreKeyRecord world_kyber_prekey(const IdentityKeyPair& identity, std::uint32_t id,
                                     bool last_resort) {
    SecretArray<crypto::kyber1024_key_pair_randomness_bytes> randomness;
    harness::seeded_bytes(world_key_seed, "kyber prekey", id, randomness.mutable_view());
    crypto::KyberKeyPair pair =
        unwrap(crypto::kyber1024_generate_key_pair(randomness.view()), "Kyber prekey");
    KyberPreKeyRecord record{id, pair.public_key, std::move(pair.secret_key), {}, last_resort};
    std::array<std::uint8_t, crypto::xeddsa_nonce_bytes> signature_randomness{};
    harness::seeded_bytes(world_key_seed, "kyber signature", id, signature_randomness);
    record.signature = crypto::xeddsa_sign(
        identity.private_key, serialize_kyber_public_key(record.public_key), signature_randomness);
    return record;
}

// A world under construction: both parties, and every message sent so far.
class WorldBuilder {
  public:
    explicit WorldBuilder(WorldProfile world) : keys_(world_key_seed) {
        const Profile& profile = profile_of(world);
        IdentityKeyPair alice_identity =
            unwrap(generate_identity_key_pair(keys_), "alice identity");
        IdentityKeyPair bob_identity = unwrap(generate_identity_key_pair(keys_), "bob identity");
        // Signed as the harness endpoint does, with signature randomness from the seed rather
        // than generate_signed_prekey's CSPRNG: Bob's state (a session_state seed) and his
        // bundle must be the same bytes in every process, or the seed corpus would not be.
        SignedPreKeyRecord signed_prekey{
            1,
            KeyPair<role::SignedPreKey>::from_private(
                unwrap(keys_.next_private_key(KeyRole::signed_prekey), "signed prekey")),
            {}};
        std::array<std::uint8_t, crypto::xeddsa_nonce_bytes> signature_randomness{};
        harness::seeded_bytes(world_key_seed, "signature", 0, signature_randomness);
        signed_prekey.signature = crypto::xeddsa_sign(bob_identity.private_key,
                                                      signed_prekey.key_pair.public_key.serialize(),
                                                      signature_randomness);
        OneTimePreKeyRecord one_time_prekey =
            unwrap(generate_one_time_prekey(7, keys_), "one-time prekey");
        std::optional<KyberPreKeyRecord> one_time_kyber;
        std::optional<KyberPreKeyRecord> last_resort_kyber;
        if (profile.key_agreement == KeyAgreement::pqxdh) {
            one_time_kyber =
                world_kyber_prekey(bob_identity, world_one_time_kyber_prekey_id, false);
            last_resort_kyber =
                world_kyber_prekey(bob_identity, world_last_resort_kyber_prekey_id, true);
        }
        bundle_ = make_prekey_bundle(2, 1, bob_identity.public_key, signed_prekey, &one_time_prekey,
                                     one_time_kyber ? &*one_time_kyber : nullptr);
        const IdentityPublicKey alice_public = alice_identity.public_key;
        const IdentityPublicKey bob_public = bob_identity.public_key;
        alice_identity_ = alice_identity.clone();
        parties_[0].emplace(std::move(alice_identity), 1, bob_public, keys_, profile);
        parties_[1].emplace(std::move(bob_identity), 2, alice_public, keys_, profile);
        parties_[1]->add_signed_prekey(std::move(signed_prekey));
        parties_[1]->add_one_time_prekey(std::move(one_time_prekey));
        if (one_time_kyber) {
            parties_[1]->add_kyber_prekey(std::move(*one_time_kyber));
            parties_[1]->add_kyber_prekey(std::move(*last_resort_kyber));
        }
        bob_before_session_ = parties_[1]->serialize();
        unwrap_void(parties_[0]->initiate_session(bundle_), "X3DH");
    }

    // send makes `from` encrypt the next plaintext; returns the message's index.
    std::size_t send(Seat from) {
        const std::size_t number = sent_.size();
        Bytes plaintext = plaintext_for(number);
        OutgoingMessage message = unwrap(party(from).encrypt(plaintext), "encrypt");
        sent_.push_back(PendingMessage{from == Seat::alice ? Seat::bob : Seat::alice, message.type,
                                       message.bytes, plaintext});
        delivered_.push_back(false);
        return number;
    }

    void deliver(std::size_t number) {
        const PendingMessage& message = sent_[number];
        const SecureBytes plaintext =
            unwrap(party(message.receiver).decrypt(message.type, message.bytes), "decrypt");
        if (!std::equal(plaintext.begin(), plaintext.end(), message.plaintext.begin(),
                        message.plaintext.end()))
            fail("building the fixed world: a genuine message decrypted to another plaintext");
        delivered_[number] = true;
    }

    WorldSnapshot snapshot() const {
        WorldSnapshot snapshot;
        snapshot.states[0] = parties_[0]->serialize();
        snapshot.states[1] = parties_[1]->serialize();
        for (std::size_t number = 0; number < sent_.size(); ++number) {
            if (!delivered_[number])
                snapshot.pending.push_back(sent_[number]);
        }
        return snapshot;
    }

    const PreKeyBundle& bundle() const { return bundle_; }
    const SecureBytes& bob_before_session() const { return bob_before_session_; }
    IdentityKeyPair alice_identity() const { return alice_identity_.clone(); }

  private:
    Party& party(Seat seat) { return *parties_[static_cast<std::size_t>(seat)]; }

    harness::SeededKeySource keys_;
    PreKeyBundle bundle_;
    SecureBytes bob_before_session_;
    IdentityKeyPair alice_identity_;
    std::array<std::optional<Party>, 2> parties_;
    std::vector<PendingMessage> sent_;
    std::vector<bool> delivered_;
};

std::array<WorldSnapshot, chain_state_count> build_snapshots(WorldProfile world) {
    std::array<WorldSnapshot, chain_state_count> snapshots;
    {
        WorldBuilder fresh(world);
        fresh.send(Seat::alice);
        snapshots[0] = fresh.snapshot();
    }
    {
        WorldBuilder skips(world);
        skips.deliver(skips.send(Seat::alice));
        skips.deliver(skips.send(Seat::bob));
        // Alice sends five, Bob reads the last: four skipped keys stored on his side.
        std::size_t last = 0;
        for (int count = 0; count < 5; ++count)
            last = skips.send(Seat::alice);
        skips.deliver(last);
        // Bob answers three times, Alice reads the last: two skipped on hers.
        for (int count = 0; count < 3; ++count)
            last = skips.send(Seat::bob);
        skips.deliver(last);
        snapshots[1] = skips.snapshot();
    }
    {
        WorldBuilder steps(world);
        for (int round = 0; round < 40; ++round) {
            steps.deliver(steps.send(Seat::alice));
            steps.deliver(steps.send(Seat::bob));
        }
        steps.send(Seat::alice);
        steps.send(Seat::bob);
        snapshots[2] = steps.snapshot();
    }
    return snapshots;
}

}  // namespace

const Profile& profile_of(WorldProfile world) {
    static constexpr Profile v3 = Profile::signal_v3();
    static constexpr Profile v4 = Profile::signal_v4_pqxdh();
    return world == WorldProfile::signal_v4_pqxdh ? v4 : v3;
}

const WorldSnapshot& world_snapshot(ChainState state, WorldProfile world) {
    // Each profile's worlds are built on first use only: a v3 target never pays for Kyber.
    if (world == WorldProfile::signal_v4_pqxdh) {
        static const std::array<WorldSnapshot, chain_state_count> snapshots =
            build_snapshots(WorldProfile::signal_v4_pqxdh);
        return snapshots[static_cast<std::size_t>(state)];
    }
    static const std::array<WorldSnapshot, chain_state_count> snapshots =
        build_snapshots(WorldProfile::signal_v3);
    return snapshots[static_cast<std::size_t>(state)];
}

LoadedParty load_party(ByteView serialized, WorldProfile world) {
    LoadedParty loaded;
    loaded.keys = std::make_unique<harness::SeededKeySource>(world_key_seed, "fuzz");
    auto party = Party::deserialize(serialized, *loaded.keys, profile_of(world));
    if (!party.ok())
        fail("a snapshot of the fixed world does not load: " +
             std::string(error_name(party.error())));
    loaded.party.emplace(std::move(party).value());
    return loaded;
}

const BundleMaterial& bundle_material(WorldProfile world) {
    const auto build = [](WorldProfile profile) {
        const WorldBuilder builder(profile);
        return BundleMaterial{builder.bundle(), builder.bob_before_session(),
                              builder.alice_identity()};
    };
    if (world == WorldProfile::signal_v4_pqxdh) {
        static const BundleMaterial material = build(WorldProfile::signal_v4_pqxdh);
        return material;
    }
    static const BundleMaterial material = build(WorldProfile::signal_v3);
    return material;
}

}  // namespace ratchetcheck::fuzz
