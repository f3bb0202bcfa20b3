// ReceiveStep: everything the checks of one delivery read (internal to the side-by-side runner).
// A receive is predicted (the model, the independent oracle), executed (the endpoint), then judged
// by the table of checks in receive_checks.cpp, and counted by run_statistics.cpp.
#pragma once

#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "ratchetcheck/harness/side_by_side.hpp"

namespace ratchetcheck::harness {

struct ReceiveStep {
    // The input.
    model::PartyId receiver = model::PartyId::alice;
    MessageType type = MessageType::signal_message;
    ByteView bytes;
    std::optional<std::size_t> network_message;  // a genuine copy taken from the network
    // A genuine message that must still decrypt if this input is rejected (tamper, truncate,
    // forge): checked on a copy of the receiver's state.
    std::optional<std::size_t> genuine_after_rejection;
    AbstractMessage abstract;  // α of the input

    // The prediction.
    model::ConcreteParty model_before;
    model::ConcreteParty model_after;
    model::System::ReceiveResult predicted;
    model::ConcreteView genuine_view;  // the model's view of the network message's genuine copy
    bool deliverable = false;          // the network message is deliverable (within the limits)
    // The view obeys the adversary's rule the proofs assume (model well_formed_view), checked
    // against the world before the receive.
    bool view_well_formed = true;
    bool genuine_after_rejection_deliverable = false;
    std::optional<ExpectedDelivery> oracle_expected;  // for a network message, when applicable

    // The execution.
    Endpoint* endpoint = nullptr;
    SecureBytes snapshot_before;
    SecureBytes snapshot_after;
    std::optional<StateView> view_before;  // our implementation only
    std::optional<StateView> view_after;
    bool accepted = false;
    std::optional<Error> error;
    SecureBytes plaintext;
    std::optional<std::size_t> plaintext_message;  // the genuine message the plaintext is
    // The message's ratchet key, when it is the key of a known epoch (nullopt: a key nobody
    // generated, so no receiving chain can have it).
    std::optional<crypto::X25519Public> message_ratchet_key;
};

// ReceiveLedger is what the checks compare a step with: the run's messages and what was accepted
// so far. The runner updates it after the checks.
struct ReceiveLedger {
    const std::vector<GenuineMessage>& genuine;
    const std::function<Bytes(std::size_t)>& plaintext_of;  // the plaintext of genuine message k
    const std::set<std::size_t>& accepted;
    const std::set<std::pair<std::int64_t, std::int64_t>>& message_keys_used;
    const std::set<crypto::X25519Public>& sending_keys_seen;
    const IndependentOracle* oracle;  // nullptr when it does not apply
};

// run_receive_checks evaluates every check of the table on `step`.
void run_receive_checks(const ReceiveStep& step, const ReceiveLedger& ledger,
                        std::vector<Violation>& violations);

// count_receive adds what `step` exercised to `statistics`.
void count_receive(const ReceiveStep& step, RunStatistics& statistics);

}  // namespace ratchetcheck::harness
