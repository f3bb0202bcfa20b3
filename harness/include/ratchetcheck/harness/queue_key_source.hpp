// QueueKeySource: a KeySource that hands out injected keys in order, for exact replays.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ratchetcheck/key_source.hpp"

namespace ratchetcheck::harness {

// QueueKeySource returns the queued private keys in order. Asking with an empty queue fails
// with Error::key_source_exhausted and is recorded. It also records the role of every request,
// so a runner can check that keys were asked for by the expected protocol step. Secret random
// bytes (the Kyber randomness of signal-v4-pqxdh) are queued apart, the same way; a source with
// none queued refuses every post-quantum step, as KeySource's default does.
class QueueKeySource final : public KeySource {
  public:
    // push queues a key (it is clamped when handed out, like every X25519 private key).
    void push(crypto::X25519Private key, KeyRole expected_role);
    // push_random queues bytes for one fill_secret_random call of `purpose` (a request whose
    // purpose or length differs fails and is recorded as a mismatch).
    void push_random(RandomPurpose purpose, std::vector<std::uint8_t> bytes);
    // clear drops unused keys and random bytes and the request log; returns how many keys were
    // left unused.
    std::size_t clear();
    std::size_t remaining() const { return queue_.size(); }
    // remaining_random counts queued random byte strings not yet asked for.
    std::size_t remaining_random() const { return random_queue_.size(); }
    // exhausted_requests counts requests made while the queue was empty.
    std::size_t exhausted_requests() const { return exhausted_requests_; }
    // role_mismatches lists "asked for X, queued Y" for requests whose role differed.
    const std::vector<std::string>& role_mismatches() const { return role_mismatches_; }

    [[nodiscard]] Result<crypto::X25519Private> next_private_key(KeyRole role) override;
    [[nodiscard]] Result<void> fill_secret_random(RandomPurpose purpose,
                                                  std::span<std::uint8_t> output) override;

  private:
    struct RandomEntry {
        RandomPurpose purpose;
        std::vector<std::uint8_t> bytes;
    };
    std::deque<RandomEntry> random_queue_;
    struct Entry {
        crypto::X25519Private key;
        KeyRole role;
    };
    std::deque<Entry> queue_;
    std::size_t exhausted_requests_ = 0;
    std::vector<std::string> role_mismatches_;
};

// random_purpose_name returns "kyber_key_pair" or "kyber_encapsulation" (the transcript's names).
std::string_view random_purpose_name(RandomPurpose purpose);

// key_role_name returns "identity", "signed_prekey", "one_time_prekey", "base" or "ratchet".
std::string_view key_role_name(KeyRole role);

}  // namespace ratchetcheck::harness
