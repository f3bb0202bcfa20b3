// The workloads on this implementation, through its public API (party.hpp), with keys from
// libsodium's CSPRNG as in production.
#include <optional>
#include <vector>

#include "bench_common.hpp"
#include "ratchetcheck/party.hpp"

namespace ratchetcheck::bench {
namespace {

constexpr std::uint32_t alice_registration_id = 1111;
constexpr std::uint32_t bob_registration_id = 2222;

// The keys both parties hold before any session: generated once, outside every timing.
struct PublishedKeys {
    IdentityKeyPair alice_identity;
    IdentityKeyPair bob_identity;
    SignedPreKeyRecord signed_prekey;
    OneTimePreKeyRecord one_time_prekey;
    PreKeyBundle bundle;
};

std::optional<PublishedKeys> publish_keys() {
    KeySource& key_source = SodiumKeySource::instance();
    auto alice = generate_identity_key_pair(key_source);
    auto bob = generate_identity_key_pair(key_source);
    if (!alice.ok() || !bob.ok())
        return std::nullopt;
    auto signed_prekey = generate_signed_prekey(bob.value(), 7, key_source);
    auto one_time_prekey = generate_one_time_prekey(11, key_source);
    if (!signed_prekey.ok() || !one_time_prekey.ok())
        return std::nullopt;
    const PreKeyBundle bundle = make_prekey_bundle(bob_registration_id, 1, bob.value().public_key,
                                                   signed_prekey.value(), &one_time_prekey.value());
    return PublishedKeys{std::move(alice).value(), std::move(bob).value(),
                         std::move(signed_prekey).value(), std::move(one_time_prekey).value(),
                         bundle};
}

struct Parties {
    Party alice;
    Party bob;
};

Parties fresh_parties(const PublishedKeys& keys) {
    KeySource& key_source = SodiumKeySource::instance();
    Parties parties{Party(keys.alice_identity.clone(), alice_registration_id,
                          keys.bob_identity.public_key, key_source),
                    Party(keys.bob_identity.clone(), bob_registration_id,
                          keys.alice_identity.public_key, key_source)};
    parties.bob.add_signed_prekey(keys.signed_prekey.clone());
    parties.bob.add_one_time_prekey(keys.one_time_prekey.clone());
    return parties;
}

// send encrypts on `from` and decrypts on `to`; false if either fails or the plaintext differs.
bool send(Party& from, Party& to, ByteView plaintext) {
    auto message = from.encrypt(plaintext);
    if (!message.ok())
        return false;
    auto received = to.decrypt(message.value().type, message.value().bytes);
    if (!received.ok())
        return false;
    benchmark::DoNotOptimize(received.value().data());
    return received.value().size() == plaintext.size();
}

// established_parties: X3DH done and answered, so Alice sends SignalMessages; the last message
// went Bob -> Alice.
std::optional<Parties> established_parties(const PublishedKeys& keys) {
    Parties parties = fresh_parties(keys);
    const Bytes plaintext = message_plaintext();
    if (!parties.alice.initiate_session(keys.bundle).ok() ||
        !send(parties.alice, parties.bob, plaintext) ||
        !send(parties.bob, parties.alice, plaintext)) {
        return std::nullopt;
    }
    return parties;
}

void setup(benchmark::State& state) {
    const auto keys = publish_keys();
    if (!keys)
        return state.SkipWithError("key generation failed");
    const Bytes plaintext = message_plaintext();
    for (auto _ : state) {
        Parties parties = fresh_parties(*keys);
        if (!parties.alice.initiate_session(keys->bundle).ok() ||
            !send(parties.alice, parties.bob, plaintext)) {
            return state.SkipWithError("setup failed");
        }
    }
}

void one_way(benchmark::State& state) {
    const auto keys = publish_keys();
    auto parties = keys ? established_parties(*keys) : std::nullopt;
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    for (auto _ : state) {
        if (!send(parties->alice, parties->bob, plaintext))
            return state.SkipWithError("send failed");
    }
}

void ping_pong(benchmark::State& state) {
    const auto keys = publish_keys();
    auto parties = keys ? established_parties(*keys) : std::nullopt;
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

void out_of_order(benchmark::State& state) {
    const auto keys = publish_keys();
    auto parties = keys ? established_parties(*keys) : std::nullopt;
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    std::vector<OutgoingMessage> in_flight;
    for (auto _ : state) {
        state.PauseTiming();
        in_flight.clear();
        for (std::size_t index = 0; index < out_of_order_messages; ++index) {
            auto message = parties->alice.encrypt(plaintext);
            if (!message.ok())
                return state.SkipWithError("encrypt failed");
            in_flight.push_back(std::move(message).value());
        }
        state.ResumeTiming();
        for (auto message = in_flight.rbegin(); message != in_flight.rend(); ++message) {
            auto received = parties->bob.decrypt(message->type, message->bytes);
            if (!received.ok())
                return state.SkipWithError("decrypt failed");
            benchmark::DoNotOptimize(received.value().data());
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(out_of_order_messages));
}

void state_round_trip(benchmark::State& state) {
    const auto keys = publish_keys();
    auto parties = keys ? established_parties(*keys) : std::nullopt;
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    for (int index = 0; index < state_traffic_messages; ++index) {
        const bool sent = index % 2 == 0 ? send(parties->alice, parties->bob, plaintext)
                                         : send(parties->bob, parties->alice, plaintext);
        if (!sent)
            return state.SkipWithError("traffic failed");
    }
    for (auto _ : state) {
        const SecureBytes serialized = parties->bob.serialize();
        auto restored = Party::deserialize(serialized, SodiumKeySource::instance());
        if (!restored.ok())
            return state.SkipWithError("deserialize failed");
        benchmark::DoNotOptimize(restored.value());
    }
    state.counters["state_bytes"] = static_cast<double>(parties->bob.serialize().size());
}

}  // namespace

void register_ours() {
    add("setup", "ours", setup);
    add("one_way", "ours", one_way);
    add("ping_pong", "ours", ping_pong);
    add("out_of_order", "ours", out_of_order);
    add("state_round_trip", "ours", state_round_trip);
}

}  // namespace ratchetcheck::bench
