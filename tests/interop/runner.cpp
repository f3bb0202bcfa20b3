#include "runner.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace ratchetcheck::interop {

void Statistics::add(const Statistics& other) {
    scenarios += other.scenarios;
    events += other.events;
    sends += other.sends;
    prekey_messages += other.prekey_messages;
    deliveries_accepted += other.deliveries_accepted;
    duplicates_rejected += other.duplicates_rejected;
    chain_dropped_rejected += other.chain_dropped_rejected;
    too_far_ahead_rejected += other.too_far_ahead_rejected;
    out_of_order_accepted += other.out_of_order_accepted;
    ratchet_steps += other.ratchet_steps;
    authenticated_tampers += other.authenticated_tampers;
    unauthenticated_tampers += other.unauthenticated_tampers;
    unauthenticated_accepted += other.unauthenticated_accepted;
    truncations += other.truncations;
    drops += other.drops;
    genuine_after_rejection += other.genuine_after_rejection;
    largest_gap = std::max(largest_gap, other.largest_gap);
}

std::string Statistics::summary() const {
    std::ostringstream out;
    out << scenarios << " scenarios, " << events << " events in each of 2 worlds: " << sends
        << " sends (" << prekey_messages << " PreKeySignalMessages), " << deliveries_accepted
        << " deliveries accepted (" << out_of_order_accepted << " with a stored skipped key, "
        << ratchet_steps << " DH ratchet steps, largest gap " << largest_gap
        << "), rejected: " << duplicates_rejected << " duplicates, " << chain_dropped_rejected
        << " on dropped chains, " << too_far_ahead_rejected << " too far ahead; "
        << authenticated_tampers << " tampered authenticated bytes (all rejected), "
        << unauthenticated_tampers << " tampered unauthenticated bytes ("
        << unauthenticated_accepted << " accepted by both), " << truncations << " truncations, "
        << drops << " drops, " << genuine_after_rejection
        << " genuine messages decrypted after a rejected copy";
    return out.str();
}

WorldOrError default_world(Pairing pairing, const Scenario& scenario) {
    return make_world(pairing, scenario.seed, scenario.one_time_prekey);
}

namespace {

// --- which bytes a tamper may flip
// ----------------------------------------------------------------

struct EligibleByte {
    std::size_t position = 0;
    std::uint8_t bits = 0;
};
struct EligibleBytes {
    bool parsed = true;
    std::vector<EligibleByte> authenticated;
    std::vector<EligibleByte> unauthenticated;
};

std::optional<std::uint64_t> read_varint(ByteView bytes, std::size_t& position) {
    std::uint64_t value = 0;
    for (unsigned shift = 0; shift < 64 && position < bytes.size(); shift += 7) {
        const std::uint8_t byte = bytes[position++];
        value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0)
            return value;
    }
    return std::nullopt;
}

// Walks a genuine message with a protobuf reader of its own (not the implementation's parser)
// and sorts its bits into authenticated and unauthenticated (see TamperClass). For a
// PreKeySignalMessage (SCHEMA.md §6.5) the authenticated bits are the version byte's high nibble
// (checked by both sides: legacy/unknown version), the identity key (field 3: pinned, and part of
// the MAC input) and the embedded SignalMessage (field 4: MACed). The base key (field 2) is not:
// libsignal builds a session from a changed base key, and when that session cannot open the
// embedded message it tries the sessions it already has, so the message may still be accepted.
// The base key's top bit is left out altogether: X25519 ignores it (RFC 7748 §5), so a flip gives
// a second session with the same keys, which both implementations accept as new — a replay the
// model does not describe (X3DH §4.2 allows replays of initial messages without one-time prekey).
// Everything else — the version's low nibble, prekey ids (fields 1, 6), registration id (field 5),
// tags and lengths — no check covers.
EligibleBytes classify(MessageType type, ByteView message) {
    EligibleBytes eligible;
    if (type == MessageType::signal_message) {
        // DR §3.4 as libsignal does it: the MAC covers version || protobuf, and the MAC itself.
        for (std::size_t position = 0; position < message.size(); ++position) {
            eligible.authenticated.push_back({position, 0xff});
        }
        return eligible;
    }
    if (message.empty()) {
        eligible.parsed = false;
        return eligible;
    }
    eligible.authenticated.push_back({0, 0xf0});
    eligible.unauthenticated.push_back({0, 0x0f});
    auto unauthenticated_range = [&](std::size_t begin, std::size_t end) {
        for (std::size_t position = begin; position < end; ++position) {
            eligible.unauthenticated.push_back({position, 0xff});
        }
    };
    std::size_t position = 1;
    while (position < message.size()) {
        const std::size_t tag_start = position;
        const auto tag = read_varint(message, position);
        if (!tag) {
            eligible.parsed = false;
            return eligible;
        }
        unauthenticated_range(tag_start, position);
        const std::uint64_t field = *tag >> 3;
        const std::uint64_t wire_type = *tag & 7;
        if (wire_type == 0) {
            const std::size_t value_start = position;
            if (!read_varint(message, position)) {
                eligible.parsed = false;
                return eligible;
            }
            unauthenticated_range(value_start, position);
            continue;
        }
        const std::size_t length_start = position;
        const auto length = read_varint(message, position);
        if (wire_type != 2 || !length || *length > message.size() - position) {
            eligible.parsed = false;
            return eligible;
        }
        unauthenticated_range(length_start, position);
        const std::size_t value_end = position + static_cast<std::size_t>(*length);
        for (; position < value_end; ++position) {
            if (field == 2) {
                const bool last = position + 1 == value_end;
                eligible.unauthenticated.push_back(
                    {position, static_cast<std::uint8_t>(last ? 0x7f : 0xff)});
            } else if (field == 3 || field == 4) {
                eligible.authenticated.push_back({position, 0xff});
            } else {
                eligible.unauthenticated.push_back({position, 0xff});
            }
        }
    }
    return eligible;
}

struct Forgery {
    Bytes bytes;
    std::size_t position = 0;
    std::uint8_t mask = 0;
    TamperClass tamper_class = TamperClass::authenticated;
};

std::optional<Forgery> forge(const Event& event, MessageType type, ByteView genuine) {
    const EligibleBytes eligible = classify(type, genuine);
    if (!eligible.parsed)
        return std::nullopt;
    Forgery forgery;
    // A SignalMessage has no unauthenticated bytes: such a tamper falls back to authenticated ones.
    forgery.tamper_class =
        (event.tamper_class == TamperClass::unauthenticated && !eligible.unauthenticated.empty())
            ? TamperClass::unauthenticated
            : TamperClass::authenticated;
    const auto& candidates = forgery.tamper_class == TamperClass::authenticated
                                 ? eligible.authenticated
                                 : eligible.unauthenticated;
    if (candidates.empty())
        return std::nullopt;
    const EligibleByte chosen = candidates[event.selector % candidates.size()];
    std::uint8_t mask = event.mask & chosen.bits;
    if (mask == 0)
        mask = chosen.bits & static_cast<std::uint8_t>(-chosen.bits);  // lowest bit
    forgery.position = chosen.position;
    forgery.mask = mask;
    forgery.bytes.assign(genuine.begin(), genuine.end());
    forgery.bytes[chosen.position] ^= mask;
    return forgery;
}

// --- the lock-step run
// ------------------------------------------------------------------------------

struct SentMessage {
    MessageType type = MessageType::signal_message;
    Bytes plaintext;
    std::array<Bytes, 2> bytes;  // per world, in both_pairings order
    bool copy_rejected = false;
};

std::string show(const ReceiveOutcome& outcome) {
    return outcome.accepted ? "accept (" + std::to_string(outcome.plaintext.size()) + " bytes)"
                            : "reject (" + outcome.error + ")";
}

class Run {
  public:
    Run(const Scenario& scenario, const WorldFactory& factory)
        : scenario_(scenario), factory_(factory) {
        result_.statistics.scenarios = 1;
    }

    RunResult execute() {
        for (std::size_t world = 0; world < worlds_.size(); ++world) {
            WorldOrError made = factory_(both_pairings[world], scenario_);
            if (!made.world) {
                fail(0, "setting up " + std::string(pairing_name(both_pairings[world])) + ": " +
                            made.error);
                return result_;
            }
            worlds_[world] = std::move(*made.world);
        }
        for (std::size_t index = 0; index < scenario_.events.size(); ++index) {
            event_index_ = index;
            ++result_.statistics.events;
            if (!step(scenario_.events[index]) || result_.failed || !result_.valid)
                break;
        }
        result_.statistics.ratchet_steps = model_.epoch_steps();
        result_.statistics.largest_gap = model_.largest_gap();
        result_.statistics.out_of_order_accepted = model_.skipped_keys_used();
        return result_;
    }

  private:
    void fail(std::size_t index, std::string text) {
        result_.failed = true;
        result_.failing_event = index;
        result_.failure = std::move(text);
    }
    bool invalid() {
        result_.valid = false;
        return false;
    }
    std::string where(std::size_t world, Side receiver) {
        return "event " + std::to_string(event_index_) + " (" +
               describe(scenario_.events[event_index_]) + ") in world " +
               std::string(pairing_name(worlds_[world].pairing)) + ", " +
               std::string(side_name(receiver)) + " (" +
               std::string(worlds_[world].endpoint(receiver).implementation()) + ")";
    }

    bool step(const Event& event) {
        switch (event.kind) {
            case EventKind::send:
                return send(event);
            case EventKind::deliver:
                return deliver(event);
            case EventKind::drop:
                if (sent_.count(event.message) == 0)
                    return invalid();
                ++result_.statistics.drops;
                return true;
            case EventKind::tamper:
                return tamper(event);
            case EventKind::truncate:
                return truncate(event);
        }
        return invalid();
    }

    bool send(const Event& event) {
        if (!model_.can_send(event.sender) || model_.has_message(event.message))
            return invalid();
        const Model::Message& modelled = model_.send(event.sender, event.message);
        SentMessage sent;
        sent.type = modelled.type;
        sent.plaintext = plaintext_for(scenario_.seed, event.message, event.plaintext_size);
        for (std::size_t world = 0; world < worlds_.size(); ++world) {
            SendOutcome outcome = worlds_[world].endpoint(event.sender).send(sent.plaintext);
            if (!outcome.ok) {
                fail(event_index_,
                     where(world, event.sender) + ": encrypt failed: " + outcome.error);
                return false;
            }
            if (outcome.message.type != sent.type) {
                fail(event_index_, where(world, event.sender) + ": sent a type-" +
                                       std::to_string(static_cast<int>(outcome.message.type)) +
                                       " message, expected type " +
                                       std::to_string(static_cast<int>(sent.type)));
                return false;
            }
            sent.bytes[world] = std::move(outcome.message.bytes);
        }
        // Same ids, counters and plaintext sizes: the two implementations must lay the message
        // out identically, or a tamper would not hit the same field in both worlds.
        if (sent.bytes[0].size() != sent.bytes[1].size()) {
            fail(event_index_, "event " + std::to_string(event_index_) +
                                   ": the two worlds' messages differ in length (" +
                                   std::to_string(sent.bytes[0].size()) + " vs " +
                                   std::to_string(sent.bytes[1].size()) + ")");
            return false;
        }
        ++result_.statistics.sends;
        if (sent.type == MessageType::prekey_message)
            ++result_.statistics.prekey_messages;
        sent_[event.message] = std::move(sent);
        return true;
    }

    bool deliver(const Event& event) {
        const auto found = sent_.find(event.message);
        if (found == sent_.end())
            return invalid();
        SentMessage& sent = found->second;
        const Side receiver = other(model_.message(event.message).sender);
        const ExpectedDelivery expected = model_.expect(event.message);
        for (std::size_t world = 0; world < worlds_.size(); ++world) {
            const ReceiveOutcome outcome =
                worlds_[world].endpoint(receiver).receive(sent.type, sent.bytes[world]);
            const bool as_expected = expected == ExpectedDelivery::accept
                                         ? outcome.accepted && outcome.plaintext == sent.plaintext
                                         : !outcome.accepted;
            if (!as_expected) {
                fail(event_index_, where(world, receiver) + ": expected " +
                                       std::string(expected_name(expected)) + ", got " +
                                       show(outcome) +
                                       (outcome.accepted && outcome.plaintext != sent.plaintext
                                            ? " with a different plaintext"
                                            : ""));
                return false;
            }
        }
        Statistics& statistics = result_.statistics;
        switch (expected) {
            case ExpectedDelivery::accept:
                model_.accept(event.message);
                ++statistics.deliveries_accepted;
                if (sent.copy_rejected)
                    ++statistics.genuine_after_rejection;
                break;
            case ExpectedDelivery::duplicate:
            case ExpectedDelivery::never_skipped:
                ++statistics.duplicates_rejected;
                break;
            case ExpectedDelivery::chain_dropped:
                ++statistics.chain_dropped_rejected;
                break;
            case ExpectedDelivery::too_far_ahead:
                ++statistics.too_far_ahead_rejected;
                break;
        }
        return true;
    }

    bool tamper(const Event& event) {
        const auto found = sent_.find(event.message);
        if (found == sent_.end())
            return invalid();
        SentMessage& sent = found->second;
        const Side receiver = other(model_.message(event.message).sender);
        std::array<std::optional<Forgery>, 2> forgeries;
        for (std::size_t world = 0; world < worlds_.size(); ++world) {
            forgeries[world] = forge(event, sent.type, sent.bytes[world]);
            if (!forgeries[world]) {
                fail(event_index_,
                     where(world, receiver) + ": the genuine message does not parse as protobuf");
                return false;
            }
        }
        if (forgeries[0]->position != forgeries[1]->position ||
            forgeries[0]->mask != forgeries[1]->mask ||
            forgeries[0]->tamper_class != forgeries[1]->tamper_class) {
            fail(event_index_, "event " + std::to_string(event_index_) +
                                   ": the two worlds' messages have different field layouts");
            return false;
        }
        const bool authenticated = forgeries[0]->tamper_class == TamperClass::authenticated;
        std::array<ReceiveOutcome, 2> outcomes;
        for (std::size_t world = 0; world < worlds_.size(); ++world) {
            outcomes[world] =
                worlds_[world].endpoint(receiver).receive(sent.type, forgeries[world]->bytes);
            const std::string at = where(world, receiver) + " [byte " +
                                   std::to_string(forgeries[world]->position) + " ^ 0x" +
                                   to_hex(forgeries[world]->mask) + "]";
            if (authenticated && outcomes[world].accepted) {
                fail(event_index_, at + ": accepted a message with an authenticated byte changed");
                return false;
            }
            if (outcomes[world].accepted && outcomes[world].plaintext != sent.plaintext) {
                fail(event_index_,
                     at + ": accepted a forgery with a plaintext that was never sent");
                return false;
            }
        }
        if (authenticated) {
            ++result_.statistics.authenticated_tampers;
            sent.copy_rejected = true;
            return true;
        }
        ++result_.statistics.unauthenticated_tampers;
        if (outcomes[0].accepted != outcomes[1].accepted) {
            fail(event_index_,
                 "event " + std::to_string(event_index_) + " (" + describe(event) + ", byte " +
                     std::to_string(forgeries[0]->position) + " ^ 0x" + to_hex(forgeries[0]->mask) +
                     "): the implementations disagree: " +
                     std::string(pairing_name(worlds_[0].pairing)) + " " + show(outcomes[0]) +
                     ", " + std::string(pairing_name(worlds_[1].pairing)) + " " +
                     show(outcomes[1]));
            return false;
        }
        if (!outcomes[0].accepted) {
            sent.copy_rejected = true;
            return true;
        }
        // Both accepted a header change no check covers: that must be the genuine message, and
        // only while the genuine message itself would still be accepted.
        if (model_.expect(event.message) != ExpectedDelivery::accept) {
            fail(event_index_, "event " + std::to_string(event_index_) + " (" + describe(event) +
                                   "): both accepted a changed copy of a message the model says " +
                                   std::string(expected_name(model_.expect(event.message))));
            return false;
        }
        model_.accept(event.message);
        ++result_.statistics.unauthenticated_accepted;
        ++result_.statistics.deliveries_accepted;
        return true;
    }

    bool truncate(const Event& event) {
        const auto found = sent_.find(event.message);
        if (found == sent_.end())
            return invalid();
        SentMessage& sent = found->second;
        const Side receiver = other(model_.message(event.message).sender);
        for (std::size_t world = 0; world < worlds_.size(); ++world) {
            // Every strict prefix must be rejected: a SignalMessage loses MAC bytes; a
            // PreKeySignalMessage loses at least its last field, the required signedPreKeyId.
            const ByteView genuine = sent.bytes[world];
            const std::size_t length = static_cast<std::size_t>(event.selector % genuine.size());
            const ReceiveOutcome outcome =
                worlds_[world].endpoint(receiver).receive(sent.type, genuine.first(length));
            if (outcome.accepted) {
                fail(event_index_, where(world, receiver) + ": accepted the message cut to " +
                                       std::to_string(length) + " of " +
                                       std::to_string(genuine.size()) + " bytes");
                return false;
            }
        }
        ++result_.statistics.truncations;
        sent.copy_rejected = true;
        return true;
    }

    static std::string to_hex(std::uint8_t value) {
        static constexpr char digits[] = "0123456789abcdef";
        return {digits[value >> 4], digits[value & 15]};
    }

    const Scenario& scenario_;
    const WorldFactory& factory_;
    std::array<World, 2> worlds_;
    Model model_;
    std::map<std::uint32_t, SentMessage> sent_;
    std::size_t event_index_ = 0;
    RunResult result_;
};

// without removes events [begin, begin + count) and every event about a message whose send
// was removed.
Scenario without(const Scenario& scenario, std::size_t begin, std::size_t count) {
    std::set<std::uint32_t> unsent;
    for (std::size_t index = begin; index < begin + count && index < scenario.events.size();
         ++index) {
        if (scenario.events[index].kind == EventKind::send) {
            unsent.insert(scenario.events[index].message);
        }
    }
    Scenario smaller{scenario.seed, scenario.one_time_prekey, {}};
    for (std::size_t index = 0; index < scenario.events.size(); ++index) {
        if (index >= begin && index < begin + count)
            continue;
        if (unsent.count(scenario.events[index].message) != 0)
            continue;
        smaller.events.push_back(scenario.events[index]);
    }
    return smaller;
}

bool still_fails(const Scenario& scenario, const WorldFactory& factory) {
    const RunResult result = run_scenario(scenario, factory);
    return result.valid && result.failed;
}

}  // namespace

RunResult run_scenario(const Scenario& scenario, const WorldFactory& factory) {
    return Run(scenario, factory).execute();
}

Scenario shrink(const Scenario& failing, const WorldFactory& factory) {
    Scenario current = failing;
    // Delta debugging by chunks: halve the chunk size whenever no chunk can go.
    std::size_t chunk = std::max<std::size_t>(1, current.events.size() / 2);
    while (true) {
        bool removed_any = false;
        for (std::size_t begin = 0; begin < current.events.size();) {
            Scenario candidate = without(current, begin, chunk);
            if (candidate.events.size() < current.events.size() &&
                still_fails(candidate, factory)) {
                current = std::move(candidate);
                removed_any = true;
            } else {
                begin += chunk;
            }
        }
        if (removed_any)
            continue;
        if (chunk == 1)
            break;
        chunk /= 2;
    }
    return current;
}

}  // namespace ratchetcheck::interop
