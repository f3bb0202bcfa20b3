// The workloads on libolm 3.2 (Debian libolm-dev), Matrix's Double Ratchet: 3DH session set-up,
// AES-256-CBC + HMAC-SHA256 messages, base64 on the wire, randomness from libsodium.
//
// Differences the numbers should be read with (docs/benchmarks.md): olm has no signed prekey in
// the protocol, so its setup here also verifies an Ed25519 signature over the one-time key, as a
// Matrix client does before it uses the key; olm keeps at most 40 skipped message keys, so the
// 500-message out-of-order workload cannot run and is reported as skipped; its state round trip
// is olm's pickle format, which is encrypted under a pickle key.
#include <olm/olm.h>
#include <sodium.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace ratchetcheck::bench {
namespace {

Bytes random_bytes(std::size_t length) {
    Bytes bytes(length);
    randombytes_buf(bytes.data(), bytes.size());
    return bytes;
}

// Owners for olm's caller-allocated objects.
struct AccountFree {
    void operator()(OlmAccount* account) const {
        olm_clear_account(account);
        ::operator delete(static_cast<void*>(account));
    }
};
struct SessionFree {
    void operator()(OlmSession* session) const {
        olm_clear_session(session);
        ::operator delete(static_cast<void*>(session));
    }
};
struct UtilityFree {
    void operator()(OlmUtility* utility) const {
        olm_clear_utility(utility);
        ::operator delete(static_cast<void*>(utility));
    }
};
using Account = std::unique_ptr<OlmAccount, AccountFree>;
using Session = std::unique_ptr<OlmSession, SessionFree>;
using Utility = std::unique_ptr<OlmUtility, UtilityFree>;

Account new_account() {
    Account account(olm_account(::operator new(olm_account_size())));
    Bytes random = random_bytes(olm_create_account_random_length(account.get()));
    if (olm_create_account(account.get(), random.data(), random.size()) == olm_error())
        return {};
    return account;
}
Session new_session() {
    return Session(olm_session(::operator new(olm_session_size())));
}
Utility new_utility() {
    return Utility(olm_utility(::operator new(olm_utility_size())));
}

// Bob's published keys: identity keys and one signed one-time key (base64 strings, as olm
// exchanges them).
struct Published {
    std::string identity_curve25519;
    std::string identity_ed25519;
    std::string one_time_key;
    std::string one_time_key_signature;
};

std::optional<Published> publish(OlmAccount* bob) {
    std::string identity(olm_account_identity_keys_length(bob), '\0');
    if (olm_account_identity_keys(bob, identity.data(), identity.size()) == olm_error()) {
        return std::nullopt;
    }
    Bytes random = random_bytes(olm_account_generate_one_time_keys_random_length(bob, 1));
    if (olm_account_generate_one_time_keys(bob, 1, random.data(), random.size()) == olm_error()) {
        return std::nullopt;
    }
    std::string one_time(olm_account_one_time_keys_length(bob), '\0');
    if (olm_account_one_time_keys(bob, one_time.data(), one_time.size()) == olm_error()) {
        return std::nullopt;
    }
    const auto identity_json = nlohmann::json::parse(identity);
    const auto one_time_json = nlohmann::json::parse(one_time)["curve25519"];
    Published published{
        identity_json["curve25519"], identity_json["ed25519"], one_time_json.begin().value(), {}};
    std::string signature(olm_account_signature_length(bob), '\0');
    if (olm_account_sign(bob, published.one_time_key.data(), published.one_time_key.size(),
                         signature.data(), signature.size()) == olm_error()) {
        return std::nullopt;
    }
    published.one_time_key_signature = signature;
    olm_account_mark_keys_as_published(bob);
    return published;
}

struct Message {
    std::size_t type = 0;
    std::string base64;
};

std::optional<Message> encrypt(OlmSession* session, ByteView plaintext) {
    Message message;
    message.type = olm_encrypt_message_type(session);
    Bytes random = random_bytes(olm_encrypt_random_length(session));
    message.base64.resize(olm_encrypt_message_length(session, plaintext.size()));
    if (olm_encrypt(session, plaintext.data(), plaintext.size(), random.data(), random.size(),
                    message.base64.data(), message.base64.size()) == olm_error()) {
        return std::nullopt;
    }
    return message;
}

// decrypt works on a copy: olm decodes the base64 in place. The plaintext is never longer than
// the message.
bool decrypt(OlmSession* session, const Message& message, std::size_t expected_length) {
    std::string scratch = message.base64;
    Bytes plaintext(scratch.size());
    const std::size_t length = olm_decrypt(session, message.type, scratch.data(), scratch.size(),
                                           plaintext.data(), plaintext.size());
    benchmark::DoNotOptimize(plaintext.data());
    return length == expected_length;
}

struct Parties {
    Account alice_account;
    Account bob_account;
    Published published;
    Utility utility;
    Session alice;
    Session bob;
};

std::optional<Parties> published_parties() {
    Parties parties{new_account(), new_account(), {}, new_utility(), {}, {}};
    if (!parties.alice_account || !parties.bob_account)
        return std::nullopt;
    auto published = publish(parties.bob_account.get());
    if (!published)
        return std::nullopt;
    parties.published = *published;
    return parties;
}

// start runs the set-up: Alice checks the one-time key's signature, creates the outbound session
// and encrypts; Bob creates the inbound session from the pre-key message and decrypts it.
bool start(Parties& parties, ByteView plaintext) {
    const Published& keys = parties.published;
    std::string signature = keys.one_time_key_signature;  // olm_ed25519_verify may overwrite it
    if (olm_ed25519_verify(parties.utility.get(), keys.identity_ed25519.data(),
                           keys.identity_ed25519.size(), keys.one_time_key.data(),
                           keys.one_time_key.size(), signature.data(),
                           signature.size()) == olm_error()) {
        return false;
    }
    parties.alice = new_session();
    Bytes random = random_bytes(olm_create_outbound_session_random_length(parties.alice.get()));
    if (olm_create_outbound_session(
            parties.alice.get(), parties.alice_account.get(), keys.identity_curve25519.data(),
            keys.identity_curve25519.size(), keys.one_time_key.data(), keys.one_time_key.size(),
            random.data(), random.size()) == olm_error()) {
        return false;
    }
    auto first = encrypt(parties.alice.get(), plaintext);
    if (!first)
        return false;
    parties.bob = new_session();
    std::string scratch = first->base64;
    if (olm_create_inbound_session(parties.bob.get(), parties.bob_account.get(), scratch.data(),
                                   scratch.size()) == olm_error()) {
        return false;
    }
    return decrypt(parties.bob.get(), *first, plaintext.size());
}

bool send(OlmSession* from, OlmSession* to, ByteView plaintext) {
    auto message = encrypt(from, plaintext);
    return message && decrypt(to, *message, plaintext.size());
}

std::optional<Parties> established_parties() {
    auto parties = published_parties();
    const Bytes plaintext = message_plaintext();
    if (!parties || !start(*parties, plaintext) ||
        !send(parties->bob.get(), parties->alice.get(), plaintext)) {
        return std::nullopt;
    }
    return parties;
}

void setup(benchmark::State& state) {
    auto parties = published_parties();
    if (!parties)
        return state.SkipWithError("account creation failed");
    const Bytes plaintext = message_plaintext();
    for (auto _ : state) {
        // The one-time key is not removed from Bob's account (olm_remove_one_time_keys is a
        // separate call), so every iteration starts from the same published keys.
        if (!start(*parties, plaintext))
            return state.SkipWithError("setup failed");
    }
}

void one_way(benchmark::State& state) {
    auto parties = established_parties();
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    for (auto _ : state) {
        if (!send(parties->alice.get(), parties->bob.get(), plaintext)) {
            return state.SkipWithError("send failed");
        }
    }
}

void ping_pong(benchmark::State& state) {
    auto parties = established_parties();
    if (!parties)
        return state.SkipWithError("session setup failed");
    const Bytes plaintext = message_plaintext();
    bool alice_sends = true;
    for (auto _ : state) {
        const bool sent = alice_sends ? send(parties->alice.get(), parties->bob.get(), plaintext)
                                      : send(parties->bob.get(), parties->alice.get(), plaintext);
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
    std::vector<Message> in_flight;
    for (auto _ : state) {
        state.PauseTiming();
        in_flight.clear();
        for (std::size_t index = 0; index < out_of_order_messages; ++index) {
            auto message = encrypt(parties->alice.get(), plaintext);
            if (!message)
                return state.SkipWithError("encrypt failed");
            in_flight.push_back(std::move(*message));
        }
        state.ResumeTiming();
        for (auto message = in_flight.rbegin(); message != in_flight.rend(); ++message) {
            if (!decrypt(parties->bob.get(), *message, plaintext.size())) {
                return state.SkipWithError(
                    "libolm keeps at most 40 skipped message keys (MAX_SKIPPED_MESSAGE_KEYS)");
            }
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
        const bool sent = index % 2 == 0
                              ? send(parties->alice.get(), parties->bob.get(), plaintext)
                              : send(parties->bob.get(), parties->alice.get(), plaintext);
        if (!sent)
            return state.SkipWithError("traffic failed");
    }
    const Bytes pickle_key = random_bytes(32);
    Session restored = new_session();
    std::string pickled;
    for (auto _ : state) {
        pickled.resize(olm_pickle_session_length(parties->bob.get()));
        if (olm_pickle_session(parties->bob.get(), pickle_key.data(), pickle_key.size(),
                               pickled.data(), pickled.size()) == olm_error() ||
            olm_unpickle_session(restored.get(), pickle_key.data(), pickle_key.size(),
                                 pickled.data(), pickled.size()) == olm_error()) {
            return state.SkipWithError("pickle round trip failed");
        }
        benchmark::DoNotOptimize(restored.get());
    }
    state.counters["state_bytes"] =
        static_cast<double>(olm_pickle_session_length(parties->bob.get()));
}

}  // namespace

std::optional<OlmReceiver> olm_receiver() {
    auto parties = established_parties();
    if (!parties)
        return std::nullopt;
    auto owned = std::make_shared<Parties>(std::move(*parties));
    auto delivered = encrypt(owned->alice.get(), message_plaintext());
    if (!delivered || !decrypt(owned->bob.get(), *delivered, message_bytes))
        return std::nullopt;
    // Bob answers: olm accepts a new ratchet key only while its receiver has a sending chain
    // (it drops it on every new receiving chain, DR §6.5's deferral), and a forgery with a new
    // key is the worst case only then.
    if (!send(owned->bob.get(), owned->alice.get(), message_plaintext()))
        return std::nullopt;
    OlmReceiver receiver;
    receiver.decrypt = [owned](std::size_t type, const std::string& base64) {
        // As decrypt() above, without the expected length: any plaintext is an acceptance.
        std::string scratch = base64;
        Bytes plaintext(scratch.size());
        return olm_decrypt(owned->bob.get(), type, scratch.data(), scratch.size(), plaintext.data(),
                           plaintext.size()) != olm_error();
    };
    receiver.delivered = delivered->base64;
    receiver.delivered_type = delivered->type;
    receiver.keep_alive = owned;
    return receiver;
}

void register_olm() {
    add("setup", "olm", setup);
    add("one_way", "olm", one_way);
    add("ping_pong", "olm", ping_pong);
    add("out_of_order", "olm", out_of_order);
    add("state_round_trip", "olm", state_round_trip);
}

}  // namespace ratchetcheck::bench
