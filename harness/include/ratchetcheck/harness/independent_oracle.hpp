// IndependentOracle: a second statement of what delivering a genuine message must do, written
// apart from model/ (the interop suite's model): the Double Ratchet's delivery rule as libsignal
// instantiates it (DR §3.5 with a forward-jump limit, a per-chain cap on stored skipped keys
// (oldest dropped) and a cap on receiving chains (oldest dropped)), over epochs and counters only.
// It never looks at bytes, keys, the model or either implementation. The side-by-side runner
// asks it about every genuine delivery (Check::independent_oracle), so a misreading shared by
// model/ and the implementation still shows up here.
//
// It has no total cap on skipped keys: the runner consults it only when the total cap cannot bind
// (max_skipped_keys_total >= max_receiving_chains * max_skipped_keys_per_chain, as in signal-v3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string_view>

#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/model/state.hpp"
#include "ratchetcheck/party.hpp"

namespace ratchetcheck::harness {

// ExpectedDelivery is the oracle's verdict on delivering a genuine message.
enum class ExpectedDelivery : std::uint8_t {
    accept,         // decrypts to the sent plaintext
    duplicate,      // already accepted (its key is gone)
    too_far_ahead,  // beyond the forward-jump limit of its chain
    chain_dropped,  // its receiving chain was dropped (older than the chains kept)
    never_skipped,  // below the chain index but no key stored (dropped beyond the per-chain cap)
};
std::string_view expected_name(ExpectedDelivery expected);

class IndependentOracle {
  public:
    explicit IndependentOracle(const model::Limits& limits);

    // applies says whether the oracle describes a run with these limits (see above).
    static bool applies(const model::Limits& limits);

    struct Message {
        model::PartyId sender = model::PartyId::alice;
        std::uint32_t epoch = 0;
        std::uint32_t counter = 0;
        MessageType type = MessageType::signal_message;
        bool accepted = false;
    };

    // can_send: Bob has no session (and no sending chain) until Alice's first message arrives.
    bool can_send(model::PartyId party) const;
    // send records message number `message` from `party` and returns what the oracle knows of it.
    const Message& send(model::PartyId party, std::size_t message);
    bool has_message(std::size_t message) const { return messages_.contains(message); }
    const Message& message(std::size_t message) const { return messages_.at(message); }

    // expect says what delivering the genuine message `message` must do now.
    ExpectedDelivery expect(std::size_t message) const;
    // accept applies a successful delivery (expect() must have said accept).
    void accept(std::size_t message);

    // Statistics: DH ratchet steps, the largest gap one delivery skipped, deliveries opened
    // with a stored skipped key.
    std::uint32_t epoch_steps() const { return epoch_steps_; }
    std::uint32_t largest_gap() const { return largest_gap_; }
    std::uint32_t skipped_keys_used() const { return skipped_keys_used_; }

  private:
    struct Chain {
        std::uint32_t peer_epoch = 0;
        std::uint32_t next_index = 0;
        std::set<std::uint32_t> skipped;
    };
    struct PartyRecord {
        bool has_session = false;
        bool has_received = false;
        std::uint32_t sending_epoch = 0;
        std::uint32_t next_counter = 0;
        std::uint32_t highest_peer_epoch = 0;
        std::deque<Chain> chains;  // oldest first
    };
    PartyRecord& record(model::PartyId party) { return parties_[model::index_of(party)]; }
    const PartyRecord& record(model::PartyId party) const {
        return parties_[model::index_of(party)];
    }

    std::uint32_t max_forward_jump_;
    std::size_t max_skipped_keys_per_chain_;
    std::size_t max_receiving_chains_;
    PartyRecord parties_[2];
    std::map<std::size_t, Message> messages_;
    std::uint32_t epoch_steps_ = 0;
    std::uint32_t largest_gap_ = 0;
    std::uint32_t skipped_keys_used_ = 0;
};

}  // namespace ratchetcheck::harness
