#include "ratchetcheck/harness/queue_key_source.hpp"

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

void QueueKeySource::push(crypto::X25519Private key, KeyRole expected_role) {
    queue_.push_back(Entry{std::move(key), expected_role});
}

std::size_t QueueKeySource::clear() {
    const std::size_t unused = queue_.size();
    queue_.clear();
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
