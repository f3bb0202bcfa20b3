#include "trace_generator.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include <algorithm>
#include <optional>
#include <random>
#include <vector>

#include "ratchetcheck/harness/independent_oracle.hpp"

namespace ratchetcheck::interop {
namespace {

using harness::ExpectedDelivery;
using model::PartyId;

// Generator plans with the independent oracle (who can send, what a delivery does), so that the
// trace it writes only uses messages that exist and copies that are in flight.
class Generator {
  public:
    explicit Generator(std::uint64_t seed, harness::TraceProfile profile)
        : random_(seed), oracle_(model::Limits{}), profile_(profile) {}

    harness::OpTrace run(std::uint64_t seed) {
        harness::OpTrace trace;
        trace.setup.key_seed = seed;
        trace.setup.one_time_prekey = chance(0.85);
        if (profile_ == harness::TraceProfile::signal_v4_pqxdh) {
            trace.setup.profile = profile_;
            trace.setup.one_time_kyber_prekey = chance(0.6);
        }
        one_time_prekey_ = trace.setup.one_time_prekey;
        // Mostly short scenarios (a few ratchet steps), sometimes long ones: the peer's X25519 is
        // slow enough that the default 1,000 scenarios must stay cheap on average.
        const std::size_t target = chance(0.85) ? uniform(4, 24) : uniform(25, 90);
        hold_back_ = chance(target > 24 ? 0.6 : 0.1);
        while (ops_.size() < target)
            step();
        flush();
        trace.ops = std::move(ops_);
        return trace;
    }

  private:
    bool chance(double probability) { return std::bernoulli_distribution(probability)(random_); }
    std::size_t uniform(std::size_t low, std::size_t high) {
        return std::uniform_int_distribution<std::size_t>(low, high)(random_);
    }

    std::uint32_t plaintext_size() {
        // Around the AES block boundaries (PKCS#7 adds a whole block at multiples of 16), empty,
        // the benchmark's 100 bytes, or anything up to 300 (the runner adds a 4-byte number).
        static constexpr std::uint32_t notable[] = {0, 1, 12, 13, 28, 29, 96, 100};
        if (chance(0.5))
            return notable[uniform(0, std::size(notable) - 1)];
        return static_cast<std::uint32_t>(uniform(0, 300));
    }

    void send(PartyId party) {
        const auto message = static_cast<std::uint32_t>(next_message_++);
        oracle_.send(party, message);
        if (hold_back_ && !held_ && party == PartyId::bob) {
            held_ = message;
        } else {
            in_flight_.push_back(message);
        }
        ops_.push_back(harness::SendOp{.party = party, .size = plaintext_size()});
    }

    PartyId sender() {
        if (!oracle_.can_send(PartyId::bob))
            return PartyId::alice;
        return chance(0.5) ? PartyId::alice : PartyId::bob;
    }

    void deliver(std::uint32_t message) {
        ops_.push_back(harness::DeliverOp{.message = message});
        if (oracle_.expect(message) == ExpectedDelivery::accept)
            oracle_.accept(message);
        delivered_.push_back(message);
        std::erase(in_flight_, message);
    }

    std::uint32_t pick(const std::vector<std::uint32_t>& messages) {
        // Half the time the newest message, so that chains advance; otherwise any, so that
        // deliveries reorder across chains and ratchet steps.
        if (chance(0.4))
            return messages.back();
        return messages[uniform(0, messages.size() - 1)];
    }

    void round_trip() {
        // Each side answers the other's newest message at once: two DH ratchet steps.
        for (const PartyId party : {PartyId::alice, PartyId::bob}) {
            if (!oracle_.can_send(party))
                continue;
            send(party);
            if (!in_flight_.empty())
                deliver(in_flight_.back());
        }
    }

    void step() {
        const double roll = std::uniform_real_distribution<double>(0, 1)(random_);
        if (roll < 0.05) {
            round_trip();
        } else if (roll < 0.40 || in_flight_.empty()) {
            if (chance(0.08)) {
                // A burst: many messages before any answer, so later deliveries skip keys.
                const PartyId party = sender();
                const std::size_t count = chance(0.9) ? uniform(2, 30) : uniform(30, 150);
                for (std::size_t index = 0; index < count; ++index)
                    send(party);
            } else {
                send(sender());
            }
        } else if (roll < 0.78) {
            deliver(pick(in_flight_));
        } else if (roll < 0.83) {
            if (!delivered_.empty()) {
                // A replay of a delivered message: the network makes one more copy.
                const std::uint32_t message = delivered_[uniform(0, delivered_.size() - 1)];
                ops_.push_back(harness::DuplicateOp{.message = message});
                deliver(message);
            }
        } else if (roll < 0.87) {
            const std::uint32_t message = pick(in_flight_);
            ops_.push_back(harness::DropOp{.message = message});
            std::erase(in_flight_, message);
        } else if (roll < 0.95) {
            const std::uint32_t message = pick(in_flight_);
            auto mask = static_cast<std::uint8_t>((1u << uniform(0, 7)) |
                                                  (chance(0.3) ? uniform(0, 255) : 0));
            // Half the time within the first 40 bytes: a PreKeySignalMessage's unauthenticated
            // header (ids, base key) lives there.
            // A PreKeySignalMessage is at least ~110 bytes: positions below 100 never wrap, so
            // the one excluded bit below is excluded exactly.
            const bool prekey = oracle_.message(message).type == MessageType::prekey_message;
            auto byte = static_cast<std::uint32_t>(
                chance(0.5) ? uniform(0, 40) : (prekey ? uniform(41, 99) : random_()));
            // signal-v4-pqxdh: a third of a PreKeySignalMessage's tampers hit the Kyber
            // ciphertext, the last field (PQXDH §3.4: the KEM secret goes into the session's keys).
            if (prekey && profile_ == harness::TraceProfile::signal_v4_pqxdh && chance(0.33))
                byte = static_cast<std::uint32_t>(uniform(450, 1650));
            // Known gap, kept out of the random traces: the top bit of the base key's last byte
            // (byte 37 with a one-time prekey id, 35 without). X25519 ignores it (RFC 7748 §5),
            // so the altered copy opens a second session with the same keys, which both
            // implementations accept; α and the model treat the key as not Alice's and predict a
            // rejection (docs/decisions.md E8).
            const std::uint32_t base_key_last_byte = one_time_prekey_ ? 37 : 35;
            if (prekey && byte == base_key_last_byte) {
                mask = static_cast<std::uint8_t>(mask & 0x7f);
                if (mask == 0)
                    mask = 0x01;
            }
            ops_.push_back(harness::TamperOp{.message = message, .byte = byte, .mask = mask});
            // The genuine message right after its altered copy, or later (at the latest in the
            // flush).
            if (chance(0.5))
                deliver(message);
        } else {
            const std::uint32_t message = pick(in_flight_);
            ops_.push_back(harness::TruncateOp{.message = message,
                                               .length = static_cast<std::uint32_t>(random_())});
            if (chance(0.5))
                deliver(message);
        }
    }

    void flush() {
        if (held_)
            in_flight_.push_back(*held_);
        std::shuffle(in_flight_.begin(), in_flight_.end(), random_);
        while (!in_flight_.empty())
            deliver(in_flight_.front());
    }

    std::mt19937_64 random_;
    harness::IndependentOracle oracle_;
    std::vector<harness::Op> ops_;
    std::vector<std::uint32_t> in_flight_;
    std::vector<std::uint32_t> delivered_;
    std::size_t next_message_ = 0;
    // In most long scenarios one early message of Bob's stays in flight until the final flush,
    // so that it arrives after several ratchet steps, possibly on a chain Alice has dropped.
    bool hold_back_ = false;
    std::optional<std::uint32_t> held_;
    bool one_time_prekey_ = true;
    harness::TraceProfile profile_;
};

}  // namespace

harness::OpTrace generate_interop_trace(std::uint64_t seed) {
    return generate_interop_trace(seed, harness::TraceProfile::signal_v3);
}

harness::OpTrace generate_interop_trace(std::uint64_t seed, harness::TraceProfile profile) {
    return Generator(seed, profile).run(seed);
}

std::optional<std::uint64_t> environment_number(const char* name) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0')
        return std::nullopt;
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text, &end, 0);
    if (end == nullptr || *end != '\0') {
        ADD_FAILURE() << name << "=" << text << " is not a number";
        return std::nullopt;
    }
    return value;
}

}  // namespace ratchetcheck::interop
