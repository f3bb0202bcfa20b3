// StateView: a read-only snapshot of the public shape of a party's state, for the abstraction
// function of the model and for reports. It holds no secret.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ratchetcheck/keys.hpp"

namespace ratchetcheck {

// ReceivingChainView describes one receiving chain (DR §3.2 CKr and its MKSKIPPED entries).
struct ReceivingChainView {
    RatchetPublicKey sender_ratchet_key;  // the peer's ratchet key this chain belongs to
    std::uint32_t next_index = 0;         // counter of the next message key the chain yields
    std::vector<std::uint32_t> skipped;   // counters of stored skipped keys, ascending
    bool operator==(const ReceivingChainView&) const = default;
};

// SessionView describes one Double Ratchet session.
struct SessionView {
    RatchetPublicKey sending_ratchet_key;  // DHs.public
    std::uint32_t sending_index = 0;       // Ns: counter of the next message sent
    std::uint32_t previous_counter = 0;    // the previousCounter field of the next message
    std::vector<ReceivingChainView> receiving_chains;  // oldest first
    bool pending_prekey = false;  // still wrapping messages in PreKeySignalMessages
    // pending_kyber_prekey_id is the Kyber prekey the pending PreKeySignalMessages name (PQXDH
    // profiles only).
    std::optional<std::uint32_t> pending_kyber_prekey_id;
    BasePublicKey base_key;  // the initiator's base key this session came from
    bool operator==(const SessionView&) const = default;
};

// StateView describes everything about a party that a model can see.
struct StateView {
    std::optional<SessionView> current;                       // absent before any session exists
    std::vector<SessionView> archived;                        // earlier sessions, newest first
    std::vector<std::uint32_t> one_time_prekey_ids;           // ascending
    std::vector<std::uint32_t> signed_prekey_ids;             // ascending
    std::vector<std::uint32_t> kyber_prekey_ids;              // ascending, one-time and last-resort
    std::vector<std::uint32_t> last_resort_kyber_prekey_ids;  // ascending, a subset of the above
    bool operator==(const StateView&) const = default;
};

}  // namespace ratchetcheck
