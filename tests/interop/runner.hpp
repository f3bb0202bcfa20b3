// Runs a scenario in both worlds in lock-step and checks every delivery against the model; shrinks
// a failing scenario to a minimal one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "scenario.hpp"
#include "world.hpp"

namespace ratchetcheck::interop {

// Statistics say what the scenarios exercised, so that a pass is seen to mean something.
struct Statistics {
    std::uint64_t scenarios = 0;
    std::uint64_t events = 0;
    std::uint64_t sends = 0;
    std::uint64_t prekey_messages = 0;
    std::uint64_t deliveries_accepted = 0;
    std::uint64_t duplicates_rejected = 0;
    std::uint64_t chain_dropped_rejected = 0;
    std::uint64_t too_far_ahead_rejected = 0;
    std::uint64_t out_of_order_accepted = 0;  // opened with a stored skipped key
    std::uint64_t ratchet_steps = 0;
    std::uint64_t authenticated_tampers = 0;
    std::uint64_t unauthenticated_tampers = 0;
    std::uint64_t unauthenticated_accepted = 0;
    std::uint64_t truncations = 0;
    std::uint64_t drops = 0;
    std::uint64_t genuine_after_rejection = 0;  // the genuine copy decrypted after its forgery
    std::uint32_t largest_gap = 0;
    void add(const Statistics& other);
    std::string summary() const;
};

// RunResult: `valid` is false when the events do not make a scenario (a message used before it
// was sent, Bob sending before he has a session): the shrinker discards such candidates.
struct RunResult {
    bool valid = true;
    bool failed = false;
    std::size_t failing_event = 0;
    std::string failure;
    Statistics statistics;
};

// WorldFactory builds the world of one pairing for a scenario; tests substitute one that wraps an
// endpoint in a deliberately broken one, to show that the runner catches it.
using WorldFactory = std::function<WorldOrError(Pairing, const Scenario&)>;
WorldOrError default_world(Pairing pairing, const Scenario& scenario);

RunResult run_scenario(const Scenario& scenario, const WorldFactory& factory = default_world);

// shrink removes events (chunks, then single events; a send takes the events of its message with
// it) while the scenario still fails, and returns the smallest failing scenario found.
Scenario shrink(const Scenario& failing, const WorldFactory& factory = default_world);

}  // namespace ratchetcheck::interop
