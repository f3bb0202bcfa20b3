// The axioms the proofs assume of the domain's set operations (docs/proofs.md, "Axioms"), checked
// on ConcreteDomain, the domain every property run executes. The symbolic domain defines
// keep_from and insert_range by quantified formulas and leaves drop_threshold unconstrained, and
// the model keeps a ghost count of every MKSKIPPED set by arithmetic (state.hpp, ChainSlot); the
// proofs are sound for the real model only if the concrete operations satisfy what the formulas
// and the ghost arithmetic say. Each property is named after its axiom id.
//
// Counters are drawn from a small range so that sets overlap, thresholds and ranges hit, miss and
// straddle their elements, and probes fall below, inside and above every set.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "ratchetcheck/model/domain.hpp"

namespace ratchetcheck::model {
namespace {

using Counters = ConcreteDomain::CounterSet;
using Pairs = ConcreteDomain::KeySet;

// Elements of the generated counter sets lie in [0, largest_element]; probes, thresholds and range
// ends lie in [smallest_probe, largest_probe], a little beyond on both sides (negative ones
// included: the axioms are stated for all integers, as the symbolic domain's formulas are).
constexpr std::int64_t largest_element = 40;
constexpr std::int64_t smallest_probe = -3;
constexpr std::int64_t largest_probe = largest_element + 4;

rc::Gen<Counters> counter_sets() {
    return rc::gen::container<Counters>(rc::gen::inRange<std::int64_t>(0, largest_element + 1));
}

rc::Gen<std::int64_t> probes() {
    return rc::gen::inRange<std::int64_t>(smallest_probe, largest_probe + 1);
}

std::int64_t size_of(const Counters& set) {
    return static_cast<std::int64_t>(set.size());
}

// every_probe calls `check` with every integer that can matter for a generated set: the whole
// probe range (every element, and a margin of non-elements on both sides).
template <typename Check>
void every_probe(Check check) {
    for (std::int64_t counter = smallest_probe; counter <= largest_probe; ++counter)
        check(counter);
}

// ---- A1 keep_from -------------------------------------------------------------------------------

// A1: n ∈ keep_from(s, t) ⇔ n ∈ s ∧ n ≥ t. The symbolic domain defines keep_from by exactly this
// formula; drop_oldest_keys (transitions.hpp) drops the oldest skipped keys with it.
RC_GTEST_PROP(DomainAxioms, A1KeepFromKeepsTheElementsAtOrAboveTheThreshold, ()) {
    ConcreteDomain domain;
    const Counters set = *counter_sets();
    const std::int64_t threshold = *probes();
    const Counters kept = domain.keep_from(set, threshold);
    every_probe([&](std::int64_t counter) {
        RC_ASSERT(domain.contains(kept, counter) ==
                  (domain.contains(set, counter) && counter >= threshold));
    });
    // Nothing outside the probe range appeared either.
    for (const std::int64_t counter : kept)
        RC_ASSERT(domain.contains(set, counter) && counter >= threshold);
}

// ---- A2 drop_threshold --------------------------------------------------------------------------

// A2: for 0 ≤ k ≤ |s| and t = drop_threshold(s, k): |keep_from(s, t)| = |s| − k, and every element
// of s below t is smaller than every element kept — the k oldest keys go, and only they.
// drop_oldest_keys subtracts k from the ghost count on the strength of this.
RC_GTEST_PROP(DomainAxioms, A2DropThresholdDropsExactlyTheOldestKeys, ()) {
    ConcreteDomain domain;
    const Counters set = *counter_sets();
    const std::int64_t how_many = *rc::gen::inRange<std::int64_t>(0, size_of(set) + 1);
    const std::int64_t threshold = domain.drop_threshold(set, how_many);
    const Counters kept = domain.keep_from(set, threshold);
    RC_ASSERT(size_of(kept) == size_of(set) - how_many);
    for (const std::int64_t dropped : set) {
        if (dropped >= threshold)
            continue;
        for (const std::int64_t survivor : kept)
            RC_ASSERT(dropped < survivor);
    }
}

// A2, second clause: for k ≤ 0 nothing is dropped. drop_oldest_keys computes the threshold
// whatever its condition and discards it when nothing is to be dropped, so the model does not use
// this clause; it makes drop_threshold total.
RC_GTEST_PROP(DomainAxioms, A2DropThresholdDropsNothingForANonPositiveCount, ()) {
    ConcreteDomain domain;
    const Counters set = *counter_sets();
    const std::int64_t how_many = *rc::gen::inRange<std::int64_t>(-5, 1);
    RC_ASSERT(domain.keep_from(set, domain.drop_threshold(set, how_many)) == set);
}

// Not an axiom (drop_oldest_keys never asks for more than the ghost count), but ConcreteDomain's
// documented behaviour (domain.hpp): asking for more keys than the set holds drops them all.
RC_GTEST_PROP(DomainAxioms, DropThresholdBeyondTheSetDropsEverything, ()) {
    ConcreteDomain domain;
    const Counters set = *counter_sets();
    const std::int64_t how_many = *rc::gen::inRange<std::int64_t>(size_of(set), size_of(set) + 6);
    RC_ASSERT(domain.keep_from(set, domain.drop_threshold(set, how_many)).empty());
}

// ---- A3 insert_range ----------------------------------------------------------------------------

// A3: n ∈ insert_range(s, a, b) ⇔ n ∈ s ∨ a ≤ n < b, for every a and b — an empty (a = b) or
// inverted (b < a) range adds nothing. The symbolic domain defines insert_range by this formula;
// step_session always calls it and passes b = a when the chain does not step.
RC_GTEST_PROP(DomainAxioms, A3InsertRangeAddsExactlyTheHalfOpenRange, ()) {
    ConcreteDomain domain;
    const Counters set = *counter_sets();
    const std::int64_t from = *probes();
    const std::int64_t to = *probes();
    const Counters result = domain.insert_range(set, from, to);
    every_probe([&](std::int64_t counter) {
        RC_ASSERT(domain.contains(result, counter) ==
                  (domain.contains(set, counter) || (from <= counter && counter < to)));
    });
    for (const std::int64_t counter : result)
        RC_ASSERT(domain.contains(set, counter) || (from <= counter && counter < to));
}

// A3, count clause: when every element of s is below a, |insert_range(s, a, b)| = |s| +
// max(b − a, 0). This is the ghost count's update in new_chain (s empty, a = 0) and in
// step_session (a = next_index, and every skipped key of a chain is below its next index).
RC_GTEST_PROP(DomainAxioms, A3InsertRangeAboveTheSetAddsTheRangeLength, ()) {
    ConcreteDomain domain;
    const Counters set = *counter_sets();
    const std::int64_t above_set = set.empty() ? smallest_probe : *set.rbegin() + 1;
    const std::int64_t from = *rc::gen::inRange<std::int64_t>(above_set, above_set + 6);
    const std::int64_t to = *rc::gen::inRange<std::int64_t>(from - 5, from + 15);
    RC_ASSERT(size_of(domain.insert_range(set, from, to)) ==
              size_of(set) + std::max<std::int64_t>(to - from, 0));
}

// ---- A4 erase -----------------------------------------------------------------------------------

// A4: n ∈ erase(s, m) ⇔ n ∈ s ∧ n ≠ m. step_session deletes a used skipped key with it.
RC_GTEST_PROP(DomainAxioms, A4EraseRemovesExactlyThatCounter, ()) {
    ConcreteDomain domain;
    const Counters set = *counter_sets();
    const std::int64_t erased = *probes();
    const Counters result = domain.erase(set, erased);
    every_probe([&](std::int64_t counter) {
        RC_ASSERT(domain.contains(result, counter) ==
                  (domain.contains(set, counter) && counter != erased));
    });
    for (const std::int64_t counter : result)
        RC_ASSERT(domain.contains(set, counter) && counter != erased);
}

// A4, count clause: m ∈ s ⇒ |erase(s, m)| = |s| − 1 (step_session subtracts one from the ghost
// count when it deletes a stored key, which it only does for a key it found).
RC_GTEST_PROP(DomainAxioms, A4EraseOfAMemberShrinksTheSetByOne, ()) {
    ConcreteDomain domain;
    const Counters set = *rc::gen::nonEmpty(counter_sets());
    const std::int64_t erased = *rc::gen::elementOf(set);
    RC_ASSERT(size_of(domain.erase(set, erased)) == size_of(set) - 1);
}

// ---- A5 pair sets -------------------------------------------------------------------------------

// Epochs from -1 (the "no epoch" of an unknown key) to a handful; counters from 0 to a handful,
// so that generated pairs collide with each other and with the probes.
constexpr std::int64_t largest_epoch = 5;
constexpr std::int64_t largest_pair_counter = 6;

rc::Gen<std::int64_t> epochs() {
    return rc::gen::inRange<std::int64_t>(-1, largest_epoch + 1);
}
rc::Gen<std::int64_t> pair_counters() {
    return rc::gen::inRange<std::int64_t>(0, largest_pair_counter + 1);
}

// A5: contains(insert(s, e, n), e′, n′) ⇔ contains(s, e′, n′) ∨ (e′ = e ∧ n′ = n). The ghost sets
// sent, accepted, epoch_owner and epoch_predecessor (state.hpp, World) are built with it only.
RC_GTEST_PROP(DomainAxioms, A5InsertAddsExactlyThatPair, ()) {
    ConcreteDomain domain;
    const Pairs set = *rc::gen::container<Pairs>(rc::gen::pair(epochs(), pair_counters()));
    const std::int64_t epoch = *epochs();
    const std::int64_t counter = *pair_counters();
    const Pairs result = domain.insert(set, epoch, counter);
    for (std::int64_t probe_epoch = -2; probe_epoch <= largest_epoch + 1; ++probe_epoch) {
        for (std::int64_t probe_counter = -1; probe_counter <= largest_pair_counter + 1;
             ++probe_counter) {
            RC_ASSERT(domain.contains(result, probe_epoch, probe_counter) ==
                      (domain.contains(set, probe_epoch, probe_counter) ||
                       (probe_epoch == epoch && probe_counter == counter)));
        }
    }
    for (const auto& [member_epoch, member_counter] : result) {
        RC_ASSERT(domain.contains(set, member_epoch, member_counter) ||
                  (member_epoch == epoch && member_counter == counter));
    }
}

// A5, empty sets: empty_pairs() and empty_counters() contain nothing, whatever the probe (any
// 64-bit value, not only small ones). initial_world, empty_slot and new_chain start from them.
RC_GTEST_PROP(DomainAxioms, A5EmptySetsContainNothing, (std::int64_t epoch, std::int64_t counter)) {
    ConcreteDomain domain;
    RC_ASSERT(!domain.contains(domain.empty_pairs(), epoch, counter));
    RC_ASSERT(!domain.contains(domain.empty_counters(), counter));
}

// ---- A6 ite -------------------------------------------------------------------------------------

// A6: ite(true, x, y) = x and ite(false, x, y) = y, for each of the four sorts. Every choice the
// transitions make is an ite (transitions.hpp: no `if` on state), so the concrete runs and the
// symbolic relation agree only if the concrete ite is the mathematical one.
RC_GTEST_PROP(DomainAxioms, A6IteSelectsItsThenOrElseValueForEverySort, ()) {
    ConcreteDomain domain;
    const bool then_bool = *rc::gen::arbitrary<bool>();
    const bool else_bool = *rc::gen::arbitrary<bool>();
    const std::int64_t then_int = *rc::gen::arbitrary<std::int64_t>();
    const std::int64_t else_int = *rc::gen::arbitrary<std::int64_t>();
    const Pairs then_pairs = *rc::gen::container<Pairs>(rc::gen::pair(epochs(), pair_counters()));
    const Pairs else_pairs = *rc::gen::container<Pairs>(rc::gen::pair(epochs(), pair_counters()));
    const Counters then_counters = *counter_sets();
    const Counters else_counters = *counter_sets();
    RC_ASSERT(domain.ite(true, then_bool, else_bool) == then_bool);
    RC_ASSERT(domain.ite(false, then_bool, else_bool) == else_bool);
    RC_ASSERT(domain.ite(true, then_int, else_int) == then_int);
    RC_ASSERT(domain.ite(false, then_int, else_int) == else_int);
    RC_ASSERT(domain.ite(true, then_pairs, else_pairs) == then_pairs);
    RC_ASSERT(domain.ite(false, then_pairs, else_pairs) == else_pairs);
    RC_ASSERT(domain.ite(true, then_counters, else_counters) == then_counters);
    RC_ASSERT(domain.ite(false, then_counters, else_counters) == else_counters);
}

// The concrete sets share their elements between copies (shared_sorted_set.hpp, decisions E35):
// every operation the transitions use must leave the set it was given, and each other copy of it,
// exactly as it was, and compute what std::set computes.
RC_GTEST_PROP(SharedSortedSet, OperationsChangeNoOtherCopyAndAgreeWithStdSet, ()) {
    ConcreteDomain domain;
    const Counters original = *counter_sets();
    const std::vector<std::int64_t> before(original.begin(), original.end());
    const std::set<std::int64_t> reference(original.begin(), original.end());
    RC_ASSERT(std::is_sorted(before.begin(), before.end()));
    RC_ASSERT(std::adjacent_find(before.begin(), before.end()) == before.end());
    const Counters copy = original;
    const std::int64_t probe = *probes();
    const std::int64_t other = *probes();

    Counters erased = domain.erase(copy, probe);
    std::set<std::int64_t> expected_erased = reference;
    expected_erased.erase(probe);
    RC_ASSERT(std::vector<std::int64_t>(erased.begin(), erased.end()) ==
              std::vector<std::int64_t>(expected_erased.begin(), expected_erased.end()));
    const Counters ranged =
        domain.insert_range(copy, std::min(probe, other), std::max(probe, other));
    std::set<std::int64_t> expected_ranged = reference;
    for (std::int64_t counter = std::min(probe, other); counter < std::max(probe, other); ++counter)
        expected_ranged.insert(counter);
    RC_ASSERT(std::vector<std::int64_t>(ranged.begin(), ranged.end()) ==
              std::vector<std::int64_t>(expected_ranged.begin(), expected_ranged.end()));
    Counters changed = copy;
    changed.insert(other);
    changed.erase(probe);
    const Pairs pairs = *rc::gen::container<Pairs>(rc::gen::pair(epochs(), pair_counters()));
    const std::vector<std::pair<std::int64_t, std::int64_t>> pairs_before(pairs.begin(),
                                                                          pairs.end());
    const Pairs with_pair = domain.insert(pairs, probe, other);
    RC_ASSERT(with_pair.contains({probe, other}));
    RC_ASSERT(with_pair.size() == pairs_before.size() + (pairs.contains({probe, other}) ? 0 : 1));

    // Nothing above changed the sets it started from.
    RC_ASSERT(std::vector<std::int64_t>(original.begin(), original.end()) == before);
    RC_ASSERT(std::vector<std::int64_t>(copy.begin(), copy.end()) == before);
    RC_ASSERT((std::vector<std::pair<std::int64_t, std::int64_t>>(pairs.begin(), pairs.end()) ==
               pairs_before));
}

}  // namespace
}  // namespace ratchetcheck::model
