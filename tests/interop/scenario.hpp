// Interop scenarios in the op-trace spirit (design/ARCHITECTURE.md "The op trace"): a two-party
// session under a network adversary, as a list of events, and the model that says what every
// delivery must do.
//
// The model is the Double Ratchet's delivery rule as libsignal instantiates it (DR §3.5 with
// libsignal's bounds: at most 2000 messages ahead of a chain, 2000 stored skipped keys per chain,
// five receiving chains), written over epochs and counters only. It never looks at bytes, keys or
// either implementation: it is the independent statement of the expected outcome.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ratchetcheck/party.hpp"

namespace ratchetcheck::interop {

enum class Side : std::uint8_t { alice, bob };
inline Side other(Side side) {
    return side == Side::alice ? Side::bob : Side::alice;
}
std::string_view side_name(Side side);

// TamperClass says which bytes a tamper may hit. `authenticated` bytes are covered by a MAC or a
// pinned identity, so every implementation must reject the changed message. `unauthenticated`
// bytes are the PreKeySignalMessage header fields no check covers (the outer version's low
// nibble, prekey ids, registration id, base key, tags and lengths): the two implementations may
// accept or reject, but must do the same, and if they accept they must deliver the genuine
// plaintext. A SignalMessage has only authenticated bytes. runner.cpp (classify) has the details.
enum class TamperClass : std::uint8_t { authenticated, unauthenticated };

enum class EventKind : std::uint8_t { send, deliver, drop, tamper, truncate };

// Event is one step of a scenario. Messages are named by `message`, a label the send event
// assigns; labels stay stable when the shrinker removes events.
struct Event {
    EventKind kind = EventKind::send;
    Side sender = Side::alice;         // send: who encrypts
    std::uint32_t message = 0;         // send: the new label; otherwise the message acted on
    std::uint32_t plaintext_size = 0;  // send
    std::uint64_t selector = 0;  // tamper: which eligible byte; truncate: which shorter length
    std::uint8_t mask = 0;       // tamper: the bits to flip (restricted to eligible bits)
    TamperClass tamper_class = TamperClass::authenticated;  // tamper
};

// Scenario is everything needed to replay one run: the seed of every random choice inside the
// worlds (keys, plaintexts), whether Bob's bundle carries a one-time prekey, and the events.
struct Scenario {
    std::uint64_t seed = 0;
    bool one_time_prekey = true;
    std::vector<Event> events;
};

// describe prints one event, e.g. "deliver #3" or "tamper #5 authenticated byte#812 mask=0x04".
std::string describe(const Event& event);
// describe prints a whole scenario, one numbered event per line.
std::string describe(const Scenario& scenario);

// plaintext_for returns the deterministic plaintext of message `label` in a scenario.
Bytes plaintext_for(std::uint64_t scenario_seed, std::uint32_t label, std::uint32_t size);

// ExpectedDelivery is the model's verdict on delivering a genuine message.
enum class ExpectedDelivery : std::uint8_t {
    accept,         // decrypts to the sent plaintext
    duplicate,      // already accepted (its key is gone)
    too_far_ahead,  // more than 2000 messages ahead of its chain
    chain_dropped,  // its receiving chain was dropped (older than the last five)
    never_skipped,  // below the chain index but no key stored (dropped beyond 2000 skipped keys)
};
std::string_view expected_name(ExpectedDelivery expected);

// Model tracks both parties' epochs, counters, receiving chains and stored skipped indices.
class Model {
  public:
    Model();

    struct Message {
        Side sender = Side::alice;
        std::uint32_t epoch = 0;
        std::uint32_t counter = 0;
        MessageType type = MessageType::signal_message;
        bool accepted = false;
    };

    // can_send: Bob has no session (and no sending chain) until Alice's first message arrives.
    bool can_send(Side side) const;
    // send records a new message from `side` under `label` and returns what the model knows of it.
    const Message& send(Side side, std::uint32_t label);
    bool has_message(std::uint32_t label) const { return messages_.count(label) != 0; }
    const Message& message(std::uint32_t label) const { return messages_.at(label); }

    // expect says what delivering the genuine message `label` must do now.
    ExpectedDelivery expect(std::uint32_t label) const;
    // accept applies a successful delivery of `label` (expect() must have said accept).
    void accept(std::uint32_t label);

    // epoch_steps counts DH ratchet steps (new receiving chains) so far, for statistics.
    std::uint32_t epoch_steps() const { return epoch_steps_; }
    // largest_gap is the largest number of keys skipped by one delivery, for statistics.
    std::uint32_t largest_gap() const { return largest_gap_; }
    // skipped_keys_used counts deliveries opened with a stored skipped key, for statistics.
    std::uint32_t skipped_keys_used() const { return skipped_keys_used_; }

  private:
    struct Chain {
        std::uint32_t peer_epoch = 0;
        std::uint32_t next_index = 0;
        std::set<std::uint32_t> skipped;
    };
    struct PartyModel {
        bool has_session = false;
        bool has_received = false;
        std::uint32_t sending_epoch = 0;
        std::uint32_t next_counter = 0;
        std::uint32_t highest_peer_epoch = 0;
        std::deque<Chain> chains;  // oldest first
    };
    PartyModel& party(Side side) { return side == Side::alice ? alice_ : bob_; }
    const PartyModel& party(Side side) const { return side == Side::alice ? alice_ : bob_; }

    PartyModel alice_;
    PartyModel bob_;
    std::map<std::uint32_t, Message> messages_;
    std::uint32_t epoch_steps_ = 0;
    std::uint32_t largest_gap_ = 0;
    std::uint32_t skipped_keys_used_ = 0;
};

// The bounds both implementations share (libsignal session_cipher.c / session_state.c; ours:
// Profile::signal_v3()).
inline constexpr std::uint32_t max_forward_jump = 2000;
inline constexpr std::size_t max_skipped_keys_per_chain = 2000;
inline constexpr std::size_t max_receiving_chains = 5;

// generate_scenario draws a random scenario from `seed`: sends from both sides (single messages
// and bursts), deliveries in and out of order across ratchet steps, duplicates, drops, tampered
// and truncated copies (the genuine message is still delivered afterwards), and a final flush
// that delivers everything still in flight in random order.
Scenario generate_scenario(std::uint64_t seed);

}  // namespace ratchetcheck::interop
