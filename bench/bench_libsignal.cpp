// The workloads on libsignal-protocol-c 2.3.3 through LibsignalParty (peers/libsignal_peer.hpp):
// its crypto provider uses libsodium for HMAC-SHA256, SHA-512 and randomness and OpenSSL for AES
// (issue 3), its stores are in memory. libsignal loads and stores the serialized session record
// through the store on every encrypt and decrypt; that is part of its cost as a user sees it.
#include <memory>
#include <vector>

#include "bench_common.hpp"
#include "libsignal_peer.hpp"

namespace ratchetcheck::bench {
namespace {

using peers::LibsignalParty;

struct Parties {
    std::unique_ptr<LibsignalParty> alice;
    std::unique_ptr<LibsignalParty> bob;
    PreKeyBundle bundle;
};

// Both identities and Bob's prekeys, generated once, outside every timing.
std::optional<Parties> published_parties() {
    auto alice = LibsignalParty::create(1111);
    auto bob = LibsignalParty::create(2222);
    if (!alice.ok() || !bob.ok())
        return std::nullopt;
    auto bundle = bob.value->publish_prekeys(7, 11);
    if (!bundle.ok())
        return std::nullopt;
    alice.value->trust_peer(bob.value->identity_public_key());
    bob.value->trust_peer(alice.value->identity_public_key());
    return Parties{std::move(alice.value), std::move(bob.value), bundle.value};
}

bool send(LibsignalParty& from, LibsignalParty& to, ByteView plaintext) {
    auto message = from.encrypt(plaintext);
    if (!message.ok())
        return false;
    auto received = to.decrypt(message.value.type, message.value.bytes);
    if (!received.ok())
        return false;
    benchmark::DoNotOptimize(received.value.data());
    return received.value.size() == plaintext.size();
}

std::optional<Parties> established_parties() {
    auto parties = published_parties();
    const Bytes plaintext = message_plaintext();
    if (!parties || parties->alice->initiate_session(parties->bundle) < 0 ||
        !send(*parties->alice, *parties->bob, plaintext) ||
        !send(*parties->bob, *parties->alice, plaintext)) {
        return std::nullopt;
    }
    return parties;
}

void setup(benchmark::State& state) {
    auto parties = published_parties();
    if (!parties)
        return state.SkipWithError("key generation failed");
    const Bytes plaintext = message_plaintext();
    for (auto _ : state) {
        // Start from the published keys again: no sessions, the one-time prekey back in the store.
        parties->alice->forget_sessions();
        parties->bob->forget_sessions();
        parties->bob->republish_one_time_prekeys();
        if (parties->alice->initiate_session(parties->bundle) < 0 ||
            !send(*parties->alice, *parties->bob, plaintext)) {
            return state.SkipWithError("setup failed");
        }
    }
}

void one_way(benchmark::State& state) {
    auto parties = established_parties();
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    for (auto _ : state) {
        if (!send(*parties->alice, *parties->bob, plaintext))
            return state.SkipWithError("send failed");
    }
}

void ping_pong(benchmark::State& state) {
    auto parties = established_parties();
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    bool alice_sends = true;
    for (auto _ : state) {
        const bool sent = alice_sends ? send(*parties->alice, *parties->bob, plaintext)
                                      : send(*parties->bob, *parties->alice, plaintext);
        if (!sent)
            return state.SkipWithError("send failed");
        alice_sends = !alice_sends;
    }
}

void out_of_order(benchmark::State& state) {
    auto parties = established_parties();
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    std::vector<OutgoingMessage> in_flight;
    for (auto _ : state) {
        state.PauseTiming();
        in_flight.clear();
        for (std::size_t index = 0; index < out_of_order_messages; ++index) {
            auto message = parties->alice->encrypt(plaintext);
            if (!message.ok())
                return state.SkipWithError("encrypt failed");
            in_flight.push_back(std::move(message.value));
        }
        state.ResumeTiming();
        for (auto message = in_flight.rbegin(); message != in_flight.rend(); ++message) {
            auto received = parties->bob->decrypt(message->type, message->bytes);
            if (!received.ok())
                return state.SkipWithError("decrypt failed");
            benchmark::DoNotOptimize(received.value.data());
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(out_of_order_messages));
}

void state_round_trip(benchmark::State& state) {
    auto parties = established_parties();
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    for (int index = 0; index < state_traffic_messages; ++index) {
        const bool sent = index % 2 == 0 ? send(*parties->alice, *parties->bob, plaintext)
                                         : send(*parties->bob, *parties->alice, plaintext);
        if (!sent)
            return state.SkipWithError("traffic failed");
    }
    for (auto _ : state) {
        auto round_trip = parties->bob->round_trip_session_record();
        if (!round_trip.ok())
            return state.SkipWithError("session record round trip failed");
        benchmark::DoNotOptimize(round_trip.value.data());
    }
    state.counters["state_bytes"] =
        static_cast<double>(parties->bob->stored_session_record().size());
}

}  // namespace

void register_libsignal() {
    add("setup", "libsignal", setup);
    add("one_way", "libsignal", one_way);
    add("ping_pong", "libsignal", ping_pong);
    add("out_of_order", "libsignal", out_of_order);
    add("state_round_trip", "libsignal", state_round_trip);
}

}  // namespace ratchetcheck::bench
