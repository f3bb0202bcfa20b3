#include "ratchetcheck/harness/queue_key_source.hpp"

#include <algorithm>
#include <string>

#include "ratchetcheck/crypto/primitives.hpp"

namespace ratchetcheck::harness {

std::string_view key_role_name(KeyRole role) {
    switch (role) {
        case KeyRole::identity:
            return "identity";
        case KeyRole::signed_prekey:
            return "signed_prekey";
        case KeyRole::one_time_prekey:
            return "one_time_prekey";
        case KeyRole::base:
            return "base";
        case KeyRole::ratchet:
            return "ratchet";
    }
    return "unknown";
}

std::string_view random_purpose_name(RandomPurpose purpose) {
    switch (purpose) {
        case RandomPurpose::kyber_key_pair:
            return "kyber_key_pair";
        case RandomPurpose::kyber_encapsulation:
            return "kyber_encapsulation";
    }
    return "unknown";
}

void QueueKeySource::push_random(RandomPurpose purpose, std::vector<std::uint8_t> bytes) {
    random_queue_.push_back(RandomEntry{purpose, std::move(bytes)});
}

Result<void> QueueKeySource::fill_secret_random(RandomPurpose purpose,
                                                std::span<std::uint8_t> output) {
    if (random_queue_.empty()) {
        ++exhausted_requests_;
        return Error::key_source_exhausted;
    }
    RandomEntry entry = std::move(random_queue_.front());
    random_queue_.pop_front();
    if (entry.purpose != purpose || entry.bytes.size() != output.size()) {
        role_mismatches_.push_back("asked for " + std::to_string(output.size()) + " bytes of " +
                                   std::string(random_purpose_name(purpose)) +
                                   " randomness, next queued is " +
                                   std::to_string(entry.bytes.size()) + " bytes of " +
                                   std::string(random_purpose_name(entry.purpose)));
        std::fill(entry.bytes.begin(), entry.bytes.end(), std::uint8_t{0});
        return Error::key_source_exhausted;
    }
    std::copy(entry.bytes.begin(), entry.bytes.end(), output.begin());
    // The bytes are secret (Kyber's m): wipe the queue's copy once handed out.
    std::fill(entry.bytes.begin(), entry.bytes.end(), std::uint8_t{0});
    return {};
}

void QueueKeySource::push(crypto::X25519Private key, KeyRole expected_role) {
    queue_.push_back(Entry{std::move(key), expected_role});
}

std::size_t QueueKeySource::clear() {
    const std::size_t unused = queue_.size();
    queue_.clear();
    for (RandomEntry& entry : random_queue_)
        std::fill(entry.bytes.begin(), entry.bytes.end(), std::uint8_t{0});
    random_queue_.clear();
    exhausted_requests_ = 0;
    role_mismatches_.clear();
    return unused;
}

Result<crypto::X25519Private> QueueKeySource::next_private_key(KeyRole role) {
    if (queue_.empty()) {
        ++exhausted_requests_;
        return Error::key_source_exhausted;
    }
    Entry entry = std::move(queue_.front());
    queue_.pop_front();
    if (entry.role != role) {
        role_mismatches_.push_back("asked for a " + std::string(key_role_name(role)) +
                                   " key, next queued key is a " +
                                   std::string(key_role_name(entry.role)) + " key");
    }
    crypto::x25519_clamp(entry.key.mutable_view());
    return std::move(entry.key);
}

}  // namespace ratchetcheck::harness
