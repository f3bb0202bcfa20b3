// System: the concrete model of a whole op trace — the world of transitions.hpp run over
// ConcreteDomain, the ledger of messages sent, and the network the adversary controls. This is
// the oracle the side-by-side runner compares the implementation with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ratchetcheck/model/domain.hpp"
#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/model/state.hpp"
#include "ratchetcheck/model/transitions.hpp"

namespace ratchetcheck::model {

using ConcreteParameters = Parameters<ConcreteDomain>;
using ConcreteParty = AbstractParty<ConcreteDomain>;
using ConcreteWorld = World<ConcreteDomain>;
using ConcreteHeader = MessageHeader<ConcreteDomain>;
using ConcreteView = MessageView<ConcreteDomain>;

// verdict_name is "ok", "no_session", "duplicate", "too_far_ahead" or "rejected".
const char* verdict_name(Verdict verdict);

// same_observable_state compares two party states on everything an implementation exposes:
// session presence, then (with a session) DHs epoch, Ns, PN, the prekey flag, the receiving
// chains in order with their skipped keys (MKSKIPPED) and the ghost count of them (so a count the
// model's arithmetic got wrong shows against the implementation's real one); and the one-time
// prekey store. Unused chain slots compare equal whatever their contents; the ghost drop floor
// is not compared (no implementation has it).
bool same_observable_state(const ConcreteParty& left, const ConcreteParty& right);

// describe renders a party state on one line, for divergence reports.
std::string describe(const ConcreteParty& party);

// SentMessage is one entry of the ledger: who sent it, its header and its plaintext size.
struct SentMessage {
    PartyId sender;
    ConcreteHeader header;
    std::uint32_t plaintext_size = 0;
};

// System runs the op-level semantics: send appends to the ledger and puts one copy in flight;
// deliver consumes a copy and hands the genuine message to its recipient; duplicate adds a copy
// of any message sent so far (the adversary keeps everything it saw); drop removes a copy;
// inject hands the recipient bytes the adversary made (tamper, forge), seen through the
// message abstraction; save_restore changes nothing (each but under the variants that say
// otherwise, transitions.hpp network_duplicate and save_restore).
class System {
  public:
    // System starts after Bob published his prekeys (one one-time prekey when
    // `one_time_prekey_published`) and Alice ran X3DH on his bundle. `rules` are the profile's
    // (signal-v3's by default).
    System(const Limits& limits, const Variant& variant, bool one_time_prekey_published,
           const ProfileRules& rules = {});

    const ConcreteParameters& parameters() const { return parameters_; }
    const ConcreteWorld& world() const { return world_; }
    const ConcreteParty& party(PartyId party) const { return world_.parties[index_of(party)]; }
    const std::vector<SentMessage>& messages() const { return messages_; }
    std::uint32_t copies_in_flight(std::size_t message) const;
    // recipient is the party a sent message is addressed to.
    PartyId recipient(std::size_t message) const { return peer_of(messages_.at(message).sender); }

    struct SendResult {
        Verdict verdict = Verdict::ok;
        std::optional<std::size_t> message;  // ledger index of the new message
        // header is the one the sender computed: the new message's, or for a refused send the
        // one it would have carried (the proofs' step properties read it on every send).
        ConcreteHeader header{};
    };
    SendResult send(PartyId sender, std::uint32_t plaintext_size);

    struct ReceiveResult {
        Verdict verdict = Verdict::ok;
        std::optional<std::size_t> accepted_message;  // ledger index, when accepted
        bool accepted_before = false;  // ghost: the accepted message had been accepted already
    };
    // deliver requires a copy in flight (see can_deliver).
    ReceiveResult deliver(std::size_t message);
    ReceiveResult inject(PartyId receiver, const ConcreteView& view);
    // genuine_view_of is the view of an unaltered copy of a ledger message.
    ConcreteView genuine_view_of(std::size_t message) const;
    // deliverable: would the genuine message be accepted if delivered now.
    bool deliverable(std::size_t message) const;
    // well_formed: `view` obeys the adversary's rule (transitions.hpp well_formed_view) for a
    // message handed to `receiver` now. The harness asserts it of every message it abstracts.
    bool well_formed(PartyId receiver, const ConcreteView& view) const;

    bool can_deliver(std::size_t message) const { return copies_in_flight(message) > 0; }
    bool can_duplicate(std::size_t message) const { return message < messages_.size(); }
    bool can_drop(std::size_t message) const { return copies_in_flight(message) > 0; }
    void duplicate(std::size_t message) {
        ++in_flight_.at(message);
        const ConcreteHeader& header = messages_.at(message).header;
        world_ = model::network_duplicate<ConcreteDomain>(domain_, parameters_, world_,
                                                          header.epoch, header.counter);
    }
    void drop(std::size_t message) { --in_flight_.at(message); }
    void save_restore(PartyId party) {
        world_ = model::save_restore<ConcreteDomain>(domain_, parameters_, world_, party);
    }

    // message_with finds the ledger entry sent under (epoch, counter).
    std::optional<std::size_t> message_with(std::int64_t epoch, std::int64_t counter) const;

  private:
    ReceiveResult apply_receive(PartyId receiver, const ConcreteView& view);

    mutable ConcreteDomain domain_;  // stateless; mutable because the transitions take D&
    ConcreteParameters parameters_;
    ConcreteWorld world_;
    std::vector<SentMessage> messages_;
    std::vector<std::uint32_t> in_flight_;
};

}  // namespace ratchetcheck::model
