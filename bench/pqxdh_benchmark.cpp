// The PQXDH benchmarks of issue 23, in ratchet_bench: setup on the signal-v4-pqxdh profile (whole,
// and each half) against its floor, computed here in the same binary; the same setup on signal-v3
// by the same method; the message paths of v4 against v3; and the post-quantum primitives.
// bench/compare_pqxdh runs them with the libsignal-client script (peers/libsignal-client/
// bench_setup.js) and prints the ratios; docs/benchmarks.md says what one iteration is.
//
// Names are "<workload>/<implementation>" as in the rest of ratchet_bench:
//   pqxdh_setup/{ours,floor}      Alice: initiate_session on Bob's bundle and encrypt the first
//                                 message (a PreKeySignalMessage); Bob: decrypt it.
//   pqxdh_initiator/{ours,floor}  Alice's half only.
//   pqxdh_responder/{ours,floor}  Bob's half only: the decrypt of that PreKeySignalMessage.
//   x3dh_setup/ours               pqxdh_setup/ours on the signal-v3 profile (X3DH), same method.
//   message_encrypt/ours_{v3,v4}  one encrypt on an established session (a chain step).
//   message_decrypt_in_order/ours_{v3,v4}
//                                 a batch of in_order_messages decrypted in the order sent
//                                 (their encryption untimed).
//   message_ping_pong/ours_{v3,v4} one message, each in the direction opposite the previous one.
//   primitive/kyber1024_*         the KEM operations alone, through protocol's wrapper.
#include <array>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "bench_common.hpp"
#include "floor_steps.hpp"
#include "ratchetcheck/crypto/kyber.hpp"
#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/party.hpp"

namespace ratchetcheck::bench {
namespace {

using namespace floor_steps;

constexpr std::uint32_t alice_registration_id = 1111;
constexpr std::uint32_t bob_registration_id = 2222;
constexpr std::size_t in_order_messages = 100;  // one iteration of message_decrypt_in_order

// --- ours ----------------------------------------------------------------------------------------

// Bob's published keys and Alice's identity, generated once, outside every timing: the Kyber
// prekey, like the signed one, is made and signed when Bob publishes (PQXDH §3.2), not in a setup.
// The bundle carries a one-time EC prekey and a one-time (not last-resort) Kyber prekey, so both
// sides compute the four DH terms and Bob deletes both prekeys after the first message.
struct PublishedKeys {
    Profile profile;
    IdentityKeyPair alice_identity;
    IdentityKeyPair bob_identity;
    SignedPreKeyRecord signed_prekey;
    OneTimePreKeyRecord one_time_prekey;
    std::optional<KyberPreKeyRecord> kyber_prekey;  // present for signal-v4-pqxdh
    PreKeyBundle bundle;
};

std::optional<PublishedKeys> publish_keys(const Profile& profile) {
    KeySource& key_source = SodiumKeySource::instance();
    auto alice = generate_identity_key_pair(key_source);
    auto bob = generate_identity_key_pair(key_source);
    if (!alice.ok() || !bob.ok())
        return std::nullopt;
    auto signed_prekey = generate_signed_prekey(bob.value(), 7, key_source);
    auto one_time_prekey = generate_one_time_prekey(11, key_source);
    if (!signed_prekey.ok() || !one_time_prekey.ok())
        return std::nullopt;
    std::optional<KyberPreKeyRecord> kyber_prekey;
    if (profile.key_agreement == KeyAgreement::pqxdh) {
        auto generated = generate_kyber_prekey(bob.value(), 13, /*last_resort=*/false, key_source);
        if (!generated.ok())
            return std::nullopt;
        kyber_prekey = std::move(generated).value();
    }
    const PreKeyBundle bundle =
        make_prekey_bundle(bob_registration_id, 1, bob.value().public_key, signed_prekey.value(),
                           &one_time_prekey.value(), kyber_prekey ? &*kyber_prekey : nullptr);
    return PublishedKeys{profile,
                         std::move(alice).value(),
                         std::move(bob).value(),
                         std::move(signed_prekey).value(),
                         std::move(one_time_prekey).value(),
                         std::move(kyber_prekey),
                         bundle};
}

Party fresh_alice(const PublishedKeys& keys) {
    return Party(keys.alice_identity.clone(), alice_registration_id, keys.bob_identity.public_key,
                 SodiumKeySource::instance(), keys.profile);
}

Party fresh_bob(const PublishedKeys& keys) {
    Party bob(keys.bob_identity.clone(), bob_registration_id, keys.alice_identity.public_key,
              SodiumKeySource::instance(), keys.profile);
    bob.add_signed_prekey(keys.signed_prekey.clone());
    bob.add_one_time_prekey(keys.one_time_prekey.clone());
    if (keys.kyber_prekey)
        bob.add_kyber_prekey(keys.kyber_prekey->clone());
    return bob;
}

// initiate: Alice's half of the setup, the work PQXDH §3.3 describes: the bundle processed and
// the initial message sent. Returns the PreKeySignalMessage, or nothing on any failure.
std::optional<OutgoingMessage> initiate(Party& alice, const PublishedKeys& keys,
                                        ByteView plaintext) {
    if (!alice.initiate_session(keys.bundle).ok())
        return std::nullopt;
    auto message = alice.encrypt(plaintext);
    if (!message.ok() || message.value().type != MessageType::prekey_message)
        return std::nullopt;
    return std::move(message).value();
}

// respond: Bob's half (PQXDH §3.4 and the first DH ratchet step): false on any failure.
bool respond(Party& bob, const OutgoingMessage& message, std::size_t plaintext_size) {
    auto received = bob.decrypt(message.type, message.bytes);
    if (!received.ok())
        return false;
    benchmark::DoNotOptimize(received.value().data());
    return received.value().size() == plaintext_size;
}

// Each setup iteration starts from parties that have never met. Making them (copying identities
// and prekey records into a new Party) is not part of the protocol, so it runs with the timers
// paused; the floors pause and resume the same way, so the cost of pausing is on both sides.

void setup_ours(benchmark::State& state, const Profile& profile) {
    const auto keys = publish_keys(profile);
    if (!keys)
        return state.SkipWithError("key generation failed");
    const Bytes plaintext = message_plaintext();
    std::size_t prekey_message_bytes = 0;
    for (auto _ : state) {
        state.PauseTiming();
        std::optional<Party> alice(fresh_alice(*keys));
        std::optional<Party> bob(fresh_bob(*keys));
        state.ResumeTiming();
        const auto message = initiate(*alice, *keys, plaintext);
        if (!message || !respond(*bob, *message, plaintext.size()))
            return state.SkipWithError("setup failed");
        prekey_message_bytes = message->bytes.size();
        state.PauseTiming();
        alice.reset();  // destruction (wiping) is not part of the setup either
        bob.reset();
        state.ResumeTiming();
    }
    state.counters["prekey_message_bytes"] = static_cast<double>(prekey_message_bytes);
}

void pqxdh_setup_ours(benchmark::State& state) {
    setup_ours(state, Profile::signal_v4_pqxdh());
}

void x3dh_setup_ours(benchmark::State& state) {
    setup_ours(state, Profile::signal_v3());
}

void pqxdh_initiator_ours(benchmark::State& state) {
    const auto keys = publish_keys(Profile::signal_v4_pqxdh());
    if (!keys)
        return state.SkipWithError("key generation failed");
    const Bytes plaintext = message_plaintext();
    for (auto _ : state) {
        state.PauseTiming();
        std::optional<Party> alice(fresh_alice(*keys));
        state.ResumeTiming();
        const auto message = initiate(*alice, *keys, plaintext);
        if (!message)
            return state.SkipWithError("initiate failed");
        state.PauseTiming();
        alice.reset();
        state.ResumeTiming();
    }
}

void pqxdh_responder_ours(benchmark::State& state) {
    const auto keys = publish_keys(Profile::signal_v4_pqxdh());
    if (!keys)
        return state.SkipWithError("key generation failed");
    const Bytes plaintext = message_plaintext();
    Party alice = fresh_alice(*keys);
    // One PreKeySignalMessage, decrypted by a new Bob (who still holds the prekeys) every time.
    const auto message = initiate(alice, *keys, plaintext);
    if (!message)
        return state.SkipWithError("initiate failed");
    for (auto _ : state) {
        state.PauseTiming();
        std::optional<Party> bob(fresh_bob(*keys));
        state.ResumeTiming();
        if (!respond(*bob, *message, plaintext.size()))
            return state.SkipWithError("respond failed");
        state.PauseTiming();
        bob.reset();
        state.ResumeTiming();
    }
}

// --- the floor -----------------------------------------------------------------------------------

constexpr char pqxdh_info_text[] = "WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024";
const ByteView pqxdh_info = text(pqxdh_info_text, sizeof(pqxdh_info_text) - 1);

// The fixed inputs of the PQXDH floor: the Fixture's keys, a signed prekey and a Kyber prekey with
// their XEdDSA signatures (made once, as Bob publishes them), and the first message's receiving
// chain. Values do not change the cost.
struct PqxdhFixture {
    Fixture base;
    crypto::X25519Public identity_public{};
    std::array<std::uint8_t, 33> signed_prekey_bytes{};
    crypto::XeddsaSignature signed_prekey_signature{};
    std::optional<crypto::KyberKeyPair> kyber;
    SerializedKyberPublicKey kyber_public_bytes{};
    crypto::XeddsaSignature kyber_signature{};
    std::optional<crypto::KyberCiphertext> ciphertext;  // what Bob decapsulates
    std::optional<SecretArray<32>> first_chain;

    // ready is false if a primitive failed while the fixture was made.
    bool ready = false;

    PqxdhFixture() {
        identity_public = crypto::x25519_public_key(base.own_ratchet_private);
        signed_prekey_bytes[0] = 0x05;
        std::memcpy(signed_prekey_bytes.data() + 1, base.their_ratchet_public.data(), 32);
        signed_prekey_signature =
            crypto::xeddsa_sign(base.own_ratchet_private, signed_prekey_bytes);
        SecretArray<crypto::kyber1024_key_pair_randomness_bytes> key_randomness;
        crypto::fill_random(key_randomness.mutable_view());
        auto pair = crypto::kyber1024_generate_key_pair(key_randomness.view());
        if (!pair.ok())
            return;
        kyber.emplace(std::move(pair).value());
        kyber_public_bytes = serialize_kyber_public_key(kyber->public_key);
        kyber_signature = crypto::xeddsa_sign(base.own_ratchet_private, kyber_public_bytes);
        SecretArray<crypto::kyber1024_encapsulation_randomness_bytes> message_randomness;
        crypto::fill_random(message_randomness.mutable_view());
        auto encapsulation =
            crypto::kyber1024_encapsulate(kyber->public_key, message_randomness.view());
        if (!encapsulation.ok())
            return;
        ciphertext.emplace(encapsulation.value().ciphertext);
        // The first message's chain is the same every time (fixed inputs): Alice encrypts on it.
        auto shared = crypto::x25519(base.own_ratchet_private, base.their_ratchet_public);
        if (!shared.ok())
            return;
        std::array<std::uint8_t, 64> output{};
        root_step(base.root_key, shared.value(), output);
        first_chain.emplace(std::span<const std::uint8_t, 32>(output.data() + 32, 32));
        ready = true;
    }
};

// new_key: a key generation as SodiumKeySource and KeyPair::from_private do it: 32 random bytes,
// clamped, and the base-point multiplication for the public key.
crypto::X25519Private new_key() {
    crypto::X25519Private key;
    crypto::fill_random(key.mutable_view());
    crypto::x25519_clamp(key.mutable_view());
    benchmark::DoNotOptimize(crypto::x25519_public_key(key));
    return key;
}

// dh_terms: 32 0xFF bytes and the four DH outputs (PQXDH §3.3, §3.4: DH1..DH4 with the one-time
// prekey), into `secret`. `first` computes DH1, `second` the other three; which keys they are does
// not change the cost.
bool dh_terms(const PqxdhFixture& fixture, const crypto::X25519Private& first,
              const crypto::X25519Private& second, SecureBytes& secret) {
    secret.assign(32, 0xff);
    for (int term = 0; term < 4; ++term) {
        auto dh = crypto::x25519(term == 0 ? first : second, fixture.base.their_ratchet_public);
        if (!dh.ok())
            return false;
        secret.insert(secret.end(), dh.value().view().begin(), dh.value().view().end());
    }
    return true;
}

// derive: HKDF(secret, zero salt, PQXDH info, 64) after the KEM secret is appended (PQXDH §3.3).
bool derive(ByteView kem_secret, SecureBytes& secret, std::array<std::uint8_t, 64>& output) {
    secret.insert(secret.end(), kem_secret.begin(), kem_secret.end());
    return crypto::hkdf_sha256_zero_salt(secret, pqxdh_info, output).ok();
}

// initiator_floor: PQXDH §3.3 and the first message, the primitive calls our initiate_session and
// first encrypt make: verify both prekey signatures, a base key, DH1..DH4, the encapsulation (32
// random bytes and libcrux), the HKDF, a ratchet key, one DH and KDF_RK, then one message sent.
bool initiator_floor(const PqxdhFixture& fixture, std::array<std::uint8_t, 8>& tag,
                     Bytes& ciphertext) {
    if (!crypto::xeddsa_verify(fixture.identity_public, fixture.signed_prekey_bytes,
                               fixture.signed_prekey_signature) ||
        !crypto::xeddsa_verify(fixture.identity_public, fixture.kyber_public_bytes,
                               fixture.kyber_signature)) {
        return false;
    }
    const crypto::X25519Private base_key = new_key();
    SecureBytes secret;
    if (!dh_terms(fixture, fixture.base.own_ratchet_private, base_key, secret))
        return false;
    SecretArray<crypto::kyber1024_encapsulation_randomness_bytes> randomness;
    crypto::fill_random(randomness.mutable_view());
    auto encapsulation =
        crypto::kyber1024_encapsulate(fixture.kyber->public_key, randomness.view());
    if (!encapsulation.ok())
        return false;
    std::array<std::uint8_t, 64> output{};
    if (!derive(encapsulation.value().shared_secret.view(), secret, output))
        return false;
    const crypto::X25519Private ratchet_key = new_key();
    auto shared = crypto::x25519(ratchet_key, fixture.base.their_ratchet_public);
    if (!shared.ok())
        return false;
    root_step(fixture.base.root_key, shared.value(), output);
    benchmark::DoNotOptimize(output);
    ciphertext = send_floor(fixture.base, *fixture.first_chain, tag);
    return true;
}

// responder_floor: PQXDH §3.4 and the first DH ratchet step, the primitive calls our decrypt of
// the PreKeySignalMessage makes: DH1..DH4, the decapsulation, the HKDF, the receiving DH and
// KDF_RK, the message checked and decrypted, a new ratchet key, its DH and KDF_RK.
bool responder_floor(const PqxdhFixture& fixture, const std::array<std::uint8_t, 8>& tag,
                     ByteView ciphertext) {
    SecureBytes secret;
    if (!dh_terms(fixture, fixture.base.own_ratchet_private, fixture.base.own_ratchet_private,
                  secret)) {
        return false;
    }
    const crypto::KyberSharedSecret kem_secret =
        crypto::kyber1024_decapsulate(fixture.kyber->secret_key, *fixture.ciphertext);
    std::array<std::uint8_t, 64> output{};
    if (!derive(kem_secret.view(), secret, output))
        return false;
    auto receiving_dh =
        crypto::x25519(fixture.base.own_ratchet_private, fixture.base.their_ratchet_public);
    if (!receiving_dh.ok())
        return false;
    root_step(fixture.base.root_key, receiving_dh.value(), output);
    if (!receive_floor(fixture.base, *fixture.first_chain, ciphertext, tag))
        return false;
    const crypto::X25519Private ratchet_key = new_key();
    auto sending_dh = crypto::x25519(ratchet_key, fixture.base.their_ratchet_public);
    if (!sending_dh.ok())
        return false;
    root_step(fixture.base.root_key, sending_dh.value(), output);
    benchmark::DoNotOptimize(output);
    return true;
}

// pause_as_ours: the PauseTiming/ResumeTiming pairs a setup iteration of ours makes (one before
// the work, one after), so that their own cost is in both sides of ours/floor.
void pause_as_ours(benchmark::State& state) {
    state.PauseTiming();
    state.ResumeTiming();
}

void pqxdh_setup_floor(benchmark::State& state) {
    const PqxdhFixture fixture;
    if (!fixture.ready)
        return state.SkipWithError("fixture failed");
    std::array<std::uint8_t, 8> tag{};
    Bytes ciphertext;
    for (auto _ : state) {
        pause_as_ours(state);
        if (!initiator_floor(fixture, tag, ciphertext) ||
            !responder_floor(fixture, tag, ciphertext)) {
            return state.SkipWithError("floor failed");
        }
        pause_as_ours(state);
    }
}

void pqxdh_initiator_floor(benchmark::State& state) {
    const PqxdhFixture fixture;
    if (!fixture.ready)
        return state.SkipWithError("fixture failed");
    std::array<std::uint8_t, 8> tag{};
    Bytes ciphertext;
    for (auto _ : state) {
        pause_as_ours(state);
        if (!initiator_floor(fixture, tag, ciphertext))
            return state.SkipWithError("floor failed");
        pause_as_ours(state);
    }
}

void pqxdh_responder_floor(benchmark::State& state) {
    const PqxdhFixture fixture;
    if (!fixture.ready)
        return state.SkipWithError("fixture failed");
    std::array<std::uint8_t, 8> tag{};
    Bytes ciphertext;
    if (!initiator_floor(fixture, tag, ciphertext))
        return state.SkipWithError("floor failed");
    for (auto _ : state) {
        pause_as_ours(state);
        if (!responder_floor(fixture, tag, ciphertext))
            return state.SkipWithError("floor failed");
        pause_as_ours(state);
    }
}

// --- message paths, v4 against v3 ---------------------------------------------------------------

struct Established {
    Party alice;
    Party bob;
};

// send encrypts on `from` and decrypts on `to`; false if either fails or the plaintext differs.
bool send(Party& from, Party& to, ByteView plaintext) {
    auto message = from.encrypt(plaintext);
    if (!message.ok())
        return false;
    return respond(to, message.value(), plaintext.size());
}

// established: the setup done and answered, so both send SignalMessages; the last message went
// Bob -> Alice.
std::optional<Established> established(const Profile& profile) {
    const auto keys = publish_keys(profile);
    if (!keys)
        return std::nullopt;
    Established parties{fresh_alice(*keys), fresh_bob(*keys)};
    const Bytes plaintext = message_plaintext();
    const auto first = initiate(parties.alice, *keys, plaintext);
    if (!first || !respond(parties.bob, *first, plaintext.size()) ||
        !send(parties.bob, parties.alice, plaintext)) {
        return std::nullopt;
    }
    return parties;
}

void message_encrypt(benchmark::State& state, const Profile& profile) {
    auto parties = established(profile);
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    std::size_t message_bytes = 0;
    for (auto _ : state) {
        auto message = parties->alice.encrypt(plaintext);
        if (!message.ok())
            return state.SkipWithError("encrypt failed");
        message_bytes = message.value().bytes.size();
        benchmark::DoNotOptimize(message.value().bytes.data());
    }
    state.counters["message_bytes"] = static_cast<double>(message_bytes);
}

void message_decrypt_in_order(benchmark::State& state, const Profile& profile) {
    auto parties = established(profile);
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    std::vector<OutgoingMessage> in_flight;
    for (auto _ : state) {
        state.PauseTiming();
        in_flight.clear();
        for (std::size_t index = 0; index < in_order_messages; ++index) {
            auto message = parties->alice.encrypt(plaintext);
            if (!message.ok())
                return state.SkipWithError("encrypt failed");
            in_flight.push_back(std::move(message).value());
        }
        state.ResumeTiming();
        for (const OutgoingMessage& message : in_flight) {
            if (!respond(parties->bob, message, plaintext.size()))
                return state.SkipWithError("decrypt failed");
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(in_order_messages));
}

void message_ping_pong(benchmark::State& state, const Profile& profile) {
    auto parties = established(profile);
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    bool alice_sends = true;
    for (auto _ : state) {
        const bool sent = alice_sends ? send(parties->alice, parties->bob, plaintext)
                                      : send(parties->bob, parties->alice, plaintext);
        if (!sent)
            return state.SkipWithError("send failed");
        alice_sends = !alice_sends;
    }
}

// --- primitives ----------------------------------------------------------------------------------

void primitive_kyber_generate_key_pair(benchmark::State& state) {
    SecretArray<crypto::kyber1024_key_pair_randomness_bytes> randomness;
    for (auto _ : state) {
        crypto::fill_random(randomness.mutable_view());
        auto pair = crypto::kyber1024_generate_key_pair(randomness.view());
        if (!pair.ok())
            return state.SkipWithError("key generation failed");
        benchmark::DoNotOptimize(pair.value().public_key.view().data());
    }
}

void primitive_kyber_encapsulate(benchmark::State& state) {
    const PqxdhFixture fixture;
    if (!fixture.ready)
        return state.SkipWithError("fixture failed");
    SecretArray<crypto::kyber1024_encapsulation_randomness_bytes> randomness;
    for (auto _ : state) {
        crypto::fill_random(randomness.mutable_view());
        auto encapsulation =
            crypto::kyber1024_encapsulate(fixture.kyber->public_key, randomness.view());
        if (!encapsulation.ok())
            return state.SkipWithError("encapsulation failed");
        benchmark::DoNotOptimize(encapsulation.value().shared_secret.view().data());
    }
}

void primitive_kyber_decapsulate(benchmark::State& state) {
    const PqxdhFixture fixture;
    if (!fixture.ready)
        return state.SkipWithError("fixture failed");
    for (auto _ : state) {
        const crypto::KyberSharedSecret secret =
            crypto::kyber1024_decapsulate(fixture.kyber->secret_key, *fixture.ciphertext);
        benchmark::DoNotOptimize(secret.view().data());
    }
}

// The XEdDSA verification of the Kyber prekey's signature: over 1569 bytes, where the signed
// prekey's is over 33 (primitive/xeddsa_verify in bench_floor.cpp signs 43 bytes).
void primitive_xeddsa_verify_kyber_prekey(benchmark::State& state) {
    const PqxdhFixture fixture;
    if (!fixture.ready)
        return state.SkipWithError("fixture failed");
    for (auto _ : state) {
        benchmark::DoNotOptimize(crypto::xeddsa_verify(
            fixture.identity_public, fixture.kyber_public_bytes, fixture.kyber_signature));
    }
}

}  // namespace

void register_pqxdh() {
    add("pqxdh_setup", "ours", pqxdh_setup_ours);
    add("pqxdh_setup", "floor", pqxdh_setup_floor);
    add("pqxdh_initiator", "ours", pqxdh_initiator_ours);
    add("pqxdh_initiator", "floor", pqxdh_initiator_floor);
    add("pqxdh_responder", "ours", pqxdh_responder_ours);
    add("pqxdh_responder", "floor", pqxdh_responder_floor);
    add("x3dh_setup", "ours", x3dh_setup_ours);
    add("message_encrypt", "ours_v3",
        [](benchmark::State& state) { message_encrypt(state, Profile::signal_v3()); });
    add("message_encrypt", "ours_v4",
        [](benchmark::State& state) { message_encrypt(state, Profile::signal_v4_pqxdh()); });
    add("message_decrypt_in_order", "ours_v3",
        [](benchmark::State& state) { message_decrypt_in_order(state, Profile::signal_v3()); });
    add("message_decrypt_in_order", "ours_v4", [](benchmark::State& state) {
        message_decrypt_in_order(state, Profile::signal_v4_pqxdh());
    });
    add("message_ping_pong", "ours_v3",
        [](benchmark::State& state) { message_ping_pong(state, Profile::signal_v3()); });
    add("message_ping_pong", "ours_v4",
        [](benchmark::State& state) { message_ping_pong(state, Profile::signal_v4_pqxdh()); });
    add("primitive", "kyber1024_generate_key_pair", primitive_kyber_generate_key_pair);
    add("primitive", "kyber1024_encapsulate", primitive_kyber_encapsulate);
    add("primitive", "kyber1024_decapsulate", primitive_kyber_decapsulate);
    add("primitive", "xeddsa_verify_kyber_prekey", primitive_xeddsa_verify_kyber_prekey);
}

}  // namespace ratchetcheck::bench
