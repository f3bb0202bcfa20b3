#include "scenario.hpp"

#include <algorithm>
#include <sstream>

namespace ratchetcheck::interop {

std::string_view side_name(Side side) {
    return side == Side::alice ? "alice" : "bob";
}

std::string_view expected_name(ExpectedDelivery expected) {
    switch (expected) {
        case ExpectedDelivery::accept:
            return "accept";
        case ExpectedDelivery::duplicate:
            return "reject (duplicate)";
        case ExpectedDelivery::too_far_ahead:
            return "reject (more than 2000 ahead)";
        case ExpectedDelivery::chain_dropped:
            return "reject (receiving chain dropped)";
        case ExpectedDelivery::never_skipped:
            return "reject (skipped key evicted)";
    }
    return "?";
}

std::string describe(const Event& event) {
    std::ostringstream out;
    switch (event.kind) {
        case EventKind::send:
            out << "send #" << event.message << " " << side_name(event.sender) << " -> "
                << side_name(other(event.sender)) << " (" << event.plaintext_size << " bytes)";
            break;
        case EventKind::deliver:
            out << "deliver #" << event.message;
            break;
        case EventKind::drop:
            out << "drop #" << event.message;
            break;
        case EventKind::tamper:
            out << "tamper #" << event.message << " "
                << (event.tamper_class == TamperClass::authenticated ? "authenticated"
                                                                     : "unauthenticated")
                << " byte-selector=" << event.selector << " mask=0x" << std::hex
                << static_cast<unsigned>(event.mask) << std::dec;
            break;
        case EventKind::truncate:
            out << "truncate #" << event.message << " length-selector=" << event.selector;
            break;
    }
    return out.str();
}

std::string describe(const Scenario& scenario) {
    std::ostringstream out;
    out << "scenario seed=" << scenario.seed
        << " one_time_prekey=" << (scenario.one_time_prekey ? "yes" : "no") << ", "
        << scenario.events.size() << " events:\n";
    for (std::size_t index = 0; index < scenario.events.size(); ++index) {
        out << "  " << index << ": " << describe(scenario.events[index]) << "\n";
    }
    return out.str();
}

Bytes plaintext_for(std::uint64_t scenario_seed, std::uint32_t label, std::uint32_t size) {
    std::mt19937_64 random(scenario_seed ^ (0x9e3779b97f4a7c15ULL * (label + 1)));
    Bytes plaintext(size);
    for (std::uint8_t& byte : plaintext)
        byte = static_cast<std::uint8_t>(random());
    return plaintext;
}

// --- the model
// ------------------------------------------------------------------------------------

Model::Model() {
    // After X3DH (SCHEMA.md §6.2, libsignal ratcheting_session_alice_initialize) Alice sends on
    // her first ratchet key (epoch 1) and holds one receiving chain keyed by Bob's signed prekey
    // (epoch 0), which Bob never sends on but which occupies one of the five chain slots. Bob has
    // nothing until the first PreKeySignalMessage arrives.
    alice_.has_session = true;
    alice_.sending_epoch = 1;
    alice_.chains.push_back(Chain{0, 0, {}});
}

bool Model::can_send(Side side) const {
    return party(side).has_session;
}

const Model::Message& Model::send(Side side, std::uint32_t label) {
    PartyModel& sender = party(side);
    Message message;
    message.sender = side;
    message.epoch = sender.sending_epoch;
    message.counter = sender.next_counter++;
    // The initiator repeats the X3DH header until any message from the responder decrypts.
    message.type = (side == Side::alice && !sender.has_received) ? MessageType::prekey_message
                                                                 : MessageType::signal_message;
    return messages_[label] = message;
}

ExpectedDelivery Model::expect(std::uint32_t label) const {
    const Message& message = messages_.at(label);
    if (message.accepted)
        return ExpectedDelivery::duplicate;
    const PartyModel& receiver = party(other(message.sender));
    for (const Chain& chain : receiver.chains) {
        if (chain.peer_epoch != message.epoch)
            continue;
        if (message.counter < chain.next_index) {
            // DR §3.5 TrySkippedMessageKeys: only a stored key can open an older message.
            return chain.skipped.count(message.counter) != 0 ? ExpectedDelivery::accept
                                                             : ExpectedDelivery::never_skipped;
        }
        return message.counter - chain.next_index > max_forward_jump
                   ? ExpectedDelivery::too_far_ahead
                   : ExpectedDelivery::accept;
    }
    // No chain for this epoch: either the next epoch (a DH ratchet step, DR §3.5 DHRatchet) or one
    // whose chain was dropped. Epochs arrive in order: a sender moves to epoch k+1 only after the
    // receiver's answer to epoch k, so an unseen epoch is always the next one.
    if (message.epoch <= receiver.highest_peer_epoch)
        return ExpectedDelivery::chain_dropped;
    return message.counter > max_forward_jump ? ExpectedDelivery::too_far_ahead
                                              : ExpectedDelivery::accept;
}

void Model::accept(std::uint32_t label) {
    Message& message = messages_.at(label);
    message.accepted = true;
    PartyModel& receiver = party(other(message.sender));
    receiver.has_session = true;
    receiver.has_received = true;

    auto chain =
        std::find_if(receiver.chains.begin(), receiver.chains.end(),
                     [&](const Chain& entry) { return entry.peer_epoch == message.epoch; });
    if (chain == receiver.chains.end()) {
        // DH ratchet step: a new receiving chain, and a new sending epoch for the receiver.
        receiver.chains.push_back(Chain{message.epoch, 0, {}});
        chain = std::prev(receiver.chains.end());
        receiver.highest_peer_epoch = message.epoch;
        receiver.sending_epoch += 1;
        receiver.next_counter = 0;
        ++epoch_steps_;
    }
    if (message.counter < chain->next_index) {
        chain->skipped.erase(message.counter);
        ++skipped_keys_used_;
    } else {
        largest_gap_ = std::max(largest_gap_, message.counter - chain->next_index);
        for (std::uint32_t index = chain->next_index; index < message.counter; ++index) {
            chain->skipped.insert(index);
        }
        chain->next_index = message.counter + 1;
        while (chain->skipped.size() > max_skipped_keys_per_chain) {
            chain->skipped.erase(chain->skipped.begin());  // the oldest key goes first
        }
    }
    while (receiver.chains.size() > max_receiving_chains)
        receiver.chains.pop_front();
}

// --- the generator
// --------------------------------------------------------------------------------

namespace {

class Generator {
  public:
    explicit Generator(std::uint64_t seed) : random_(seed) {}

    Scenario run(std::uint64_t seed) {
        Scenario scenario;
        scenario.seed = seed;
        scenario.one_time_prekey = chance(0.85);
        // Mostly short scenarios (a few ratchet steps), sometimes long ones: the peer's X25519 is
        // slow enough that the default 1,000 scenarios must stay cheap on average.
        const std::size_t target = chance(0.85) ? uniform(4, 24) : uniform(25, 90);
        hold_back_ = chance(target > 24 ? 0.6 : 0.1);
        while (events_.size() < target)
            step();
        flush();
        scenario.events = std::move(events_);
        return scenario;
    }

  private:
    bool chance(double probability) { return std::bernoulli_distribution(probability)(random_); }
    std::size_t uniform(std::size_t low, std::size_t high) {
        return std::uniform_int_distribution<std::size_t>(low, high)(random_);
    }

    std::uint32_t plaintext_size() {
        // Around the AES block boundaries (PKCS#7 adds a whole block at multiples of 16), empty,
        // the benchmark's 100 bytes, or anything up to 300.
        static constexpr std::uint32_t notable[] = {0, 1, 15, 16, 17, 31, 32, 33, 100};
        if (chance(0.5))
            return notable[uniform(0, std::size(notable) - 1)];
        return static_cast<std::uint32_t>(uniform(0, 300));
    }

    void send(Side side) {
        const std::uint32_t label = next_label_++;
        model_.send(side, label);
        if (hold_back_ && !held_ && side == Side::bob) {
            held_ = label;
        } else {
            in_flight_.push_back(label);
        }
        events_.push_back(Event{EventKind::send, side, label, plaintext_size(), 0, 0, {}});
    }

    Side sender() {
        if (!model_.can_send(Side::bob))
            return Side::alice;
        return chance(0.5) ? Side::alice : Side::bob;
    }

    void deliver(std::uint32_t label) {
        events_.push_back(Event{EventKind::deliver, Side::alice, label, 0, 0, 0, {}});
        if (model_.expect(label) == ExpectedDelivery::accept)
            model_.accept(label);
        delivered_.push_back(label);
        std::erase(in_flight_, label);
    }

    std::uint32_t pick(const std::vector<std::uint32_t>& labels) {
        // Half the time the newest message, so that chains advance; otherwise any, so that
        // deliveries reorder across chains and ratchet steps.
        if (chance(0.4))
            return labels.back();
        return labels[uniform(0, labels.size() - 1)];
    }

    void round_trip() {
        // Each side answers the other's newest message at once: two DH ratchet steps.
        for (const Side side : {Side::alice, Side::bob}) {
            if (!model_.can_send(side))
                continue;
            send(side);
            if (!in_flight_.empty())
                deliver(in_flight_.back());
        }
    }

    void step() {
        const double roll = std::uniform_real_distribution<double>(0, 1)(random_);
        const bool any_in_flight = !in_flight_.empty();
        if (roll < 0.05) {
            round_trip();
        } else if (roll < 0.40 || !any_in_flight) {
            if (chance(0.08)) {
                // A burst: many messages before any answer, so later deliveries skip keys.
                const Side side = sender();
                const std::size_t count = chance(0.9) ? uniform(2, 30) : uniform(30, 150);
                for (std::size_t index = 0; index < count; ++index)
                    send(side);
            } else {
                send(sender());
            }
        } else if (roll < 0.78) {
            deliver(pick(in_flight_));
        } else if (roll < 0.83) {
            if (!delivered_.empty()) {
                // A duplicate (or, for a rejected message, a retry): the model says which.
                deliver(delivered_[uniform(0, delivered_.size() - 1)]);
            }
        } else if (roll < 0.87) {
            const std::uint32_t label = pick(in_flight_);
            events_.push_back(Event{EventKind::drop, Side::alice, label, 0, 0, 0, {}});
            std::erase(in_flight_, label);
        } else if (roll < 0.95) {
            const std::uint32_t label = pick(in_flight_);
            const TamperClass tamper_class =
                chance(0.7) ? TamperClass::authenticated : TamperClass::unauthenticated;
            const auto mask = static_cast<std::uint8_t>((1u << uniform(0, 7)) |
                                                        (chance(0.3) ? uniform(0, 255) : 0));
            events_.push_back(
                Event{EventKind::tamper, Side::alice, label, 0, random_(), mask, tamper_class});
            // The genuine message right after its forgery, or later (at the latest in the flush).
            if (chance(0.5))
                deliver(label);
        } else {
            const std::uint32_t label = pick(in_flight_);
            events_.push_back(Event{EventKind::truncate, Side::alice, label, 0, random_(), 0, {}});
            if (chance(0.5))
                deliver(label);
        }
    }

    void flush() {
        if (held_)
            in_flight_.push_back(*held_);
        std::shuffle(in_flight_.begin(), in_flight_.end(), random_);
        while (!in_flight_.empty())
            deliver(in_flight_.front());
    }

    std::mt19937_64 random_;
    Model model_;
    std::vector<Event> events_;
    std::vector<std::uint32_t> in_flight_;
    std::vector<std::uint32_t> delivered_;
    std::uint32_t next_label_ = 0;
    // In most long scenarios one early message of Bob's stays in flight until the final flush,
    // so that it arrives after several ratchet steps, possibly on a chain Alice has dropped.
    bool hold_back_ = false;
    std::optional<std::uint32_t> held_;
};

}  // namespace

Scenario generate_scenario(std::uint64_t seed) {
    return Generator(seed).run(seed);
}

}  // namespace ratchetcheck::interop
