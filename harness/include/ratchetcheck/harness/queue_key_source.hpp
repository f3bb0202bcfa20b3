// QueueKeySource: a KeySource that hands out injected keys in order, for exact replays.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "ratchetcheck/key_source.hpp"

namespace ratchetcheck::harness {

// QueueKeySource returns the queued private keys in order. Asking with an empty queue fails
// with Error::key_source_exhausted and is recorded. It also records the role of every request,
// so a runner can check that keys were asked for by the expected protocol step.
class QueueKeySource final : public KeySource {
  public:
    // push queues a key (it is clamped when handed out, like every X25519 private key).
    void push(crypto::X25519Private key, KeyRole expected_role);
    // clear drops unused keys and the request log; returns how many keys were left unused.
    std::size_t clear();
    std::size_t remaining() const { return queue_.size(); }
    // exhausted_requests counts requests made while the queue was empty.
    std::size_t exhausted_requests() const { return exhausted_requests_; }
    // role_mismatches lists "asked for X, queued Y" for requests whose role differed.
    const std::vector<std::string>& role_mismatches() const { return role_mismatches_; }

    [[nodiscard]] Result<crypto::X25519Private> next_private_key(KeyRole role) override;

  private:
    struct Entry {
        crypto::X25519Private key;
        KeyRole role;
    };
    std::deque<Entry> queue_;
    std::size_t exhausted_requests_ = 0;
    std::vector<std::string> role_mismatches_;
};

// key_role_name returns "identity", "signed_prekey", "one_time_prekey", "base" or "ratchet".
std::string_view key_role_name(KeyRole role);

}  // namespace ratchetcheck::harness
