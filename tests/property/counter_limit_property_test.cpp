// The top of the 32-bit counters (docs/decisions.md D4): the model keeps every counter in
// [0, 2^32 - 1] (model::max_counter; invariant session-well-formed: a present chain's next index
// is in that range) because sending refuses to use 2^32 - 1. The op traces start from a fresh
// session and cannot reach that edge, so this property starts a chain near it: Alice's sending
// chain and Bob's receiving chain for it are moved to a generated index a few steps below the top
// through the state codec (the chain key does not depend on the index). Alice then sends until she
// refuses; a peer holding the chain key also sends the one counter she never uses, 2^32 - 1; and
// the messages are delivered to Bob in a generated order, with repeats. Bob's chain must never
// wrap: every Alice message is accepted once and is a duplicate after, the 2^32 - 1 message is
// refused without a change, the chain's next index never goes down, its skipped counters stay
// below it, and every state saves and loads.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/harness/seeded_key_source.hpp"
#include "ratchetcheck/model/transitions.hpp"
#include "ratchetcheck/party.hpp"
#include "ratchetcheck/wire/signal_message.hpp"

namespace ratchetcheck::property {
namespace {

constexpr std::uint32_t top_counter = static_cast<std::uint32_t>(model::max_counter);
static_assert(top_counter == UINT32_MAX);

Bytes text_bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

std::string plaintext_of(std::uint32_t counter) {
    return std::string("counter ").append(std::to_string(counter));
}

// offset_after_key returns the offset in `state` of the first byte after the one occurrence of
// the 32-byte public key `key`, or nullopt if it does not occur exactly once.
std::optional<std::size_t> offset_after_key(const Bytes& state, const crypto::X25519Public& key) {
    const auto first = std::search(state.begin(), state.end(), key.begin(), key.end());
    if (first == state.end() ||
        std::search(first + 1, state.end(), key.begin(), key.end()) != state.end()) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(first - state.begin()) + key.size();
}

void put_u32(Bytes& state, std::size_t offset, std::uint32_t value) {
    for (std::size_t index = 0; index < 4; ++index)
        state[offset + index] = static_cast<std::uint8_t>(value >> (24 - 8 * index));
}

// top_message is the SignalMessage with counter 2^32 - 1 on the chain whose key is `chain_key` at
// index `chain_index`, authenticated as from `sender` to `receiver`: libsignal's KDF chain and
// message keys (DR §2.2; chain_key.c's seeds 0x01 and 0x02) and MAC (SCHEMA.md §6.4).
Bytes top_message(crypto::Sha256Digest chain_key, std::uint32_t chain_index,
                  const RatchetPublicKey& sender_ratchet_key, const Party& sender,
                  const Party& receiver) {
    const std::uint8_t message_key_seed = 0x01;
    const std::uint8_t chain_key_seed = 0x02;
    for (std::uint32_t index = chain_index; index != top_counter; ++index)
        chain_key = crypto::HmacSha256(chain_key).mac(ByteView(&chain_key_seed, 1));
    const crypto::Sha256Digest seed =
        crypto::HmacSha256(chain_key).mac(ByteView(&message_key_seed, 1));
    std::array<std::uint8_t, 80> keys{};  // cipher key (32) || MAC key (32) || IV (16)
    if (!crypto::hkdf_sha256_zero_salt(seed, text_bytes("WhisperMessageKeys"), keys).ok())
        return {};
    wire::SignalMessageFields fields;
    fields.version_byte = wire::version_byte(Profile::signal_v3());
    const SerializedPublicKey ratchet_key = sender_ratchet_key.serialize();
    fields.ratchet_key = Bytes(ratchet_key.begin(), ratchet_key.end());
    fields.counter = top_counter;
    fields.previous_counter = 0;
    fields.ciphertext = crypto::aes256_cbc_encrypt(
        std::span<const std::uint8_t, crypto::aes256_key_bytes>(keys.data(), 32),
        std::span<const std::uint8_t, crypto::aes_block_bytes>(keys.data() + 64, 16),
        text_bytes(plaintext_of(top_counter)));
    Bytes message = wire::encode_signal_message_fields(fields);
    const SerializedPublicKey sender_identity = sender.identity_public_key().serialize();
    const SerializedPublicKey receiver_identity = receiver.identity_public_key().serialize();
    Bytes authenticated(sender_identity.begin(), sender_identity.end());
    authenticated.insert(authenticated.end(), receiver_identity.begin(), receiver_identity.end());
    authenticated.insert(authenticated.end(), message.begin(), message.end());
    const crypto::Sha256Digest tag =
        crypto::HmacSha256(ByteView(keys.data() + 32, 32)).mac(authenticated);
    message.insert(message.end(), tag.begin(), tag.begin() + 8);
    return message;
}

// counter_limit_violation runs the scenario of the file comment: Bob's chain starts
// `below_top` + 1 below the top, and `deliveries` index the messages (Alice's in sending order,
// then the 2^32 - 1 one; taken modulo their number). Returns what went wrong, if anything.
std::optional<std::string> counter_limit_violation(std::uint64_t seed, std::uint32_t below_top,
                                                   const std::vector<std::size_t>& deliveries) {
    harness::SeededKeySource keys(seed);
    auto alice_identity = generate_identity_key_pair(keys);
    auto bob_identity = generate_identity_key_pair(keys);
    if (!alice_identity.ok() || !bob_identity.ok())
        return "key generation failed";
    Party alice(alice_identity.value().clone(), 1, bob_identity.value().public_key, keys);
    Party bob(bob_identity.value().clone(), 2, alice_identity.value().public_key, keys);
    SignedPreKeyRecord signed_prekey{.id = 1,
                                     .key_pair = KeyPair<role::SignedPreKey>::from_private(
                                         keys.next_private_key(KeyRole::signed_prekey).value()),
                                     .signature = {}};
    std::array<std::uint8_t, crypto::xeddsa_nonce_bytes> randomness{};
    harness::seeded_bytes(seed, "counter-limit-signature", 1, randomness);
    signed_prekey.signature =
        crypto::xeddsa_sign(bob_identity.value().private_key,
                            signed_prekey.key_pair.public_key.serialize(), randomness);
    const PreKeyBundle bundle =
        make_prekey_bundle(2, 1, bob_identity.value().public_key, signed_prekey, nullptr);
    bob.add_signed_prekey(std::move(signed_prekey));

    // Session start, Bob's reply, and Alice's first message on her second sending chain: Bob now
    // has a receiving chain for it with the same chain key at the same index as Alice's.
    if (!alice.initiate_session(bundle).ok())
        return "initiate_session failed";
    const auto exchange = [](Party& from, Party& to) {
        auto sent = from.encrypt(text_bytes("setup"));
        return sent.ok() && to.decrypt(sent.value().type, sent.value().bytes).ok();
    };
    if (!exchange(alice, bob) || !exchange(bob, alice) || !exchange(alice, bob))
        return "the session did not start";

    // Move both chains to `start` through the state codec (docs/state-format.md: a sending chain
    // follows its ratchet key pair, pub then priv; a receiving chain follows its sender's key).
    const std::uint32_t start = top_counter - 1 - below_top;
    const RatchetPublicKey alice_ratchet_key = alice.view().current->sending_ratchet_key;
    const SecureBytes alice_saved = alice.serialize();
    const SecureBytes bob_saved = bob.serialize();
    Bytes alice_state(alice_saved.begin(), alice_saved.end());
    Bytes bob_state(bob_saved.begin(), bob_saved.end());
    const auto alice_after_key = offset_after_key(alice_state, alice_ratchet_key.u);
    const auto bob_after_key = offset_after_key(bob_state, alice_ratchet_key.u);
    if (!alice_after_key || !bob_after_key)
        return "Alice's ratchet key is not once in each state";
    put_u32(alice_state, *alice_after_key + 32 + 32, start);
    put_u32(bob_state, *bob_after_key + 32, start);
    crypto::Sha256Digest chain_key{};
    std::copy_n(bob_state.begin() + static_cast<std::ptrdiff_t>(*bob_after_key), 32,
                chain_key.begin());
    auto alice_near_top = Party::deserialize(alice_state, keys);
    auto bob_near_top = Party::deserialize(bob_state, keys);
    if (!alice_near_top.ok() || !bob_near_top.ok())
        return "a state moved near the top does not load";
    alice = std::move(alice_near_top).value();
    bob = std::move(bob_near_top).value();

    // Alice sends every counter from `start` to 2^32 - 2, then refuses (D4).
    std::vector<Bytes> messages;
    for (std::uint32_t counter = start; counter != top_counter; ++counter) {
        auto sent = alice.encrypt(text_bytes(plaintext_of(counter)));
        if (!sent.ok() || sent.value().type != MessageType::signal_message)
            return std::string("Alice cannot send counter ").append(std::to_string(counter));
        messages.push_back(std::move(sent).value().bytes);
    }
    auto refused = alice.encrypt(text_bytes("one too many"));
    if (refused.ok() || refused.error() != Error::too_far_ahead)
        return std::string("Alice's send at 2^32 - 1 was not refused as too_far_ahead");
    messages.push_back(top_message(chain_key, start, alice_ratchet_key, alice, bob));

    std::vector<bool> accepted(messages.size(), false);
    std::uint32_t last_next_index = start;
    for (const std::size_t delivery : deliveries) {
        const std::size_t which = delivery % messages.size();
        const std::uint32_t counter = start + static_cast<std::uint32_t>(which);
        const std::string what =
            std::string("delivery of counter ").append(std::to_string(counter)) + ": ";
        const SecureBytes before = bob.serialize();
        auto decrypted = bob.decrypt(MessageType::signal_message, messages[which]);
        if (counter == top_counter || accepted[which]) {
            const Error expected = counter == top_counter ? Error::too_far_ahead : Error::duplicate;
            if (decrypted.ok())
                return what + "accepted, expected " + std::string(error_name(expected));
            if (decrypted.error() != expected) {
                return what + std::string(error_name(decrypted.error())) + ", expected " +
                       std::string(error_name(expected));
            }
            if (bob.serialize() != before)
                return what + "the rejection changed Bob's state";
        } else {
            if (!decrypted.ok())
                return what + "rejected (" + std::string(error_name(decrypted.error())) + ")";
            if (Bytes(decrypted.value().begin(), decrypted.value().end()) !=
                text_bytes(plaintext_of(counter))) {
                return what + "another plaintext";
            }
            accepted[which] = true;
        }
        // session-well-formed on the implementation: the chain stays in [0, 2^32 - 1] without
        // wrapping, and its skipped counters below its next index, so the state loads.
        const ReceivingChainView chain = bob.view().current->receiving_chains.back();
        if (chain.sender_ratchet_key != alice_ratchet_key)
            return what + "Alice's chain is no longer Bob's newest";
        if (chain.next_index < last_next_index || chain.next_index > model::max_counter) {
            return what +
                   std::string("next index went from ").append(std::to_string(last_next_index)) +
                   " to " + std::to_string(chain.next_index);
        }
        last_next_index = chain.next_index;
        if (!chain.skipped.empty() && chain.skipped.back() >= chain.next_index)
            return what + "a skipped counter is not below the next index";
        const SecureBytes saved = bob.serialize();
        auto reloaded = Party::deserialize(saved, keys);
        if (!reloaded.ok())
            return what + "Bob's state does not load: " + std::string(error_name(reloaded.error()));
        if (reloaded.value().serialize() != saved)
            return what + "Bob's reloaded state serializes differently";
    }
    return std::nullopt;
}

// @evidence check=test:CounterLimit.* functions=SF.PER_MESSAGE_KEYS,SF.REPLAY_REJECTION clauses=DR-3.5
RC_GTEST_PROP(CounterLimit, ReceivingChainNeverWrapsAtTheTopCounter, ()) {
    const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
    const std::uint32_t below_top = *rc::gen::inRange<std::uint32_t>(0, 8);
    const auto deliveries =
        *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, 10));
    RC_TAG(below_top);
    if (auto problem = counter_limit_violation(seed, below_top, deliveries))
        RC_FAIL(*problem);
}

// The regression form: the chain one and three steps below the top, every message in order, each
// twice, the 2^32 - 1 message first and last.
TEST(CounterLimit, EveryCounterUpToTheTopWithFixedSeeds) {
    for (const std::uint32_t below_top : {0u, 2u}) {
        std::vector<std::size_t> deliveries{below_top + 1};
        for (std::size_t which = 0; which <= below_top + 1; ++which) {
            deliveries.push_back(which);
            deliveries.push_back(which);
        }
        for (const std::uint64_t seed : {0ULL, 1ULL, 0xfeedULL}) {
            const auto problem = counter_limit_violation(seed, below_top, deliveries);
            EXPECT_FALSE(problem.has_value())
                << "below_top " << below_top << ", seed " << seed << ": " << problem.value_or("");
        }
    }
}

}  // namespace
}  // namespace ratchetcheck::property
