// The independent delivery oracle (independent_oracle.hpp).
#include "ratchetcheck/harness/independent_oracle.hpp"

#include <algorithm>
#include <iterator>

namespace ratchetcheck::harness {

std::string_view expected_name(ExpectedDelivery expected) {
    switch (expected) {
        case ExpectedDelivery::accept:
            return "accept";
        case ExpectedDelivery::duplicate:
            return "duplicate";
        case ExpectedDelivery::too_far_ahead:
            return "too_far_ahead";
        case ExpectedDelivery::chain_dropped:
            return "chain_dropped";
        case ExpectedDelivery::never_skipped:
            return "never_skipped";
    }
    return "unknown";
}

bool IndependentOracle::applies(const model::Limits& limits) {
    return limits.max_skipped_keys_total >= static_cast<std::int64_t>(limits.max_receiving_chains) *
                                                limits.max_skipped_keys_per_chain;
}

IndependentOracle::IndependentOracle(const model::Limits& limits)
    : max_forward_jump_(static_cast<std::uint32_t>(limits.max_forward_jump)),
      max_skipped_keys_per_chain_(static_cast<std::size_t>(limits.max_skipped_keys_per_chain)),
      max_receiving_chains_(limits.max_receiving_chains) {
    // After X3DH (SCHEMA.md §6.2, libsignal ratcheting_session_alice_initialize) Alice sends on
    // her first ratchet key (epoch 1) and holds one receiving chain keyed by Bob's signed prekey
    // (epoch 0), which Bob never sends on but which occupies one of the chain slots. Bob has
    // nothing until the first PreKeySignalMessage arrives.
    PartyRecord& alice = record(model::PartyId::alice);
    alice.has_session = true;
    alice.sending_epoch = 1;
    alice.chains.push_back(Chain{0, 0, {}});
}

bool IndependentOracle::can_send(model::PartyId party) const {
    return record(party).has_session;
}

const IndependentOracle::Message& IndependentOracle::send(model::PartyId party,
                                                          std::size_t message) {
    PartyRecord& sender = record(party);
    Message sent;
    sent.sender = party;
    sent.epoch = sender.sending_epoch;
    sent.counter = sender.next_counter++;
    // The initiator repeats the X3DH header until any message from the responder decrypts.
    sent.type = (party == model::PartyId::alice && !sender.has_received)
                    ? MessageType::prekey_message
                    : MessageType::signal_message;
    return messages_[message] = sent;
}

ExpectedDelivery IndependentOracle::expect(std::size_t message) const {
    const Message& sent = messages_.at(message);
    if (sent.accepted)
        return ExpectedDelivery::duplicate;
    const PartyRecord& receiver = record(model::peer_of(sent.sender));
    for (const Chain& chain : receiver.chains) {
        if (chain.peer_epoch != sent.epoch)
            continue;
        if (sent.counter < chain.next_index) {
            // DR §3.5 TrySkippedMessageKeys: only a stored key can open an older message.
            return chain.skipped.contains(sent.counter) ? ExpectedDelivery::accept
                                                        : ExpectedDelivery::never_skipped;
        }
        return sent.counter - chain.next_index > max_forward_jump_ ? ExpectedDelivery::too_far_ahead
                                                                   : ExpectedDelivery::accept;
    }
    // No chain for this epoch: either the next epoch (a DH ratchet step, DR §3.5 DHRatchet) or one
    // whose chain was dropped. Epochs arrive in order: a sender moves to epoch k+1 only after the
    // receiver's answer to epoch k, so an unseen epoch is always the next one.
    if (sent.epoch <= receiver.highest_peer_epoch)
        return ExpectedDelivery::chain_dropped;
    return sent.counter > max_forward_jump_ ? ExpectedDelivery::too_far_ahead
                                            : ExpectedDelivery::accept;
}

void IndependentOracle::accept(std::size_t message) {
    Message& sent = messages_.at(message);
    sent.accepted = true;
    PartyRecord& receiver = record(model::peer_of(sent.sender));
    receiver.has_session = true;
    receiver.has_received = true;

    auto chain = std::find_if(receiver.chains.begin(), receiver.chains.end(),
                              [&](const Chain& entry) { return entry.peer_epoch == sent.epoch; });
    if (chain == receiver.chains.end()) {
        // DH ratchet step: a new receiving chain, and a new sending epoch for the receiver.
        receiver.chains.push_back(Chain{sent.epoch, 0, {}});
        chain = std::prev(receiver.chains.end());
        receiver.highest_peer_epoch = sent.epoch;
        receiver.sending_epoch += 1;
        receiver.next_counter = 0;
        ++epoch_steps_;
    }
    if (sent.counter < chain->next_index) {
        chain->skipped.erase(sent.counter);
        ++skipped_keys_used_;
    } else {
        largest_gap_ = std::max(largest_gap_, sent.counter - chain->next_index);
        for (std::uint32_t index = chain->next_index; index < sent.counter; ++index)
            chain->skipped.insert(index);
        chain->next_index = sent.counter + 1;
        while (chain->skipped.size() > max_skipped_keys_per_chain_)
            chain->skipped.erase(chain->skipped.begin());  // the oldest key goes first
    }
    while (receiver.chains.size() > max_receiving_chains_)
        receiver.chains.pop_front();
}

}  // namespace ratchetcheck::harness
