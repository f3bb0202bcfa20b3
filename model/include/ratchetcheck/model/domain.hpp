// The value domain the model's transitions are written over. The transitions in transitions.hpp
// never branch with `if` on state: every data-dependent choice is a domain `ite`, and every set
// operation goes through the domain, so the same code runs concretely (ConcreteDomain, the
// oracle of the property tests) and symbolically (proofs/z3_domain.hpp, which builds the
// transition relation from the very same functions). The archetype domain (domain_archetype.hpp)
// has a Bool that does not convert to `bool`, and src/domain_archetype.cpp instantiates every
// transition with it, so an `if` on a domain value is a compile error, not a silent
// concretisation.
//
// The domain is an object the transitions receive (`D& domain`): a symbolic domain holds a solver
// context, makes fresh constants and collects side conditions (the definitions of the sets its
// operations build); the concrete domain is stateless.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>

#include "ratchetcheck/model/shared_sorted_set.hpp"

namespace ratchetcheck::model {

// Domain is what a value domain must provide.
// - Bool, Int: the domain's booleans and (mathematical) integers with the usual operators
//   (+, -, <, <=, >, >=, ==, !=, &&, ||, !). The model bounds every counter it computes to
//   32 bits itself (transitions.hpp, max_counter), so Int never needs to wrap.
// - KeySet: a set of (epoch, counter) pairs with insert and membership only; the ghost sets of
//   sent and accepted messages and the epoch bookkeeping.
// - CounterSet: a set of counters, one per receiving chain: that chain's MKSKIPPED (DR §3.2).
//   The chain slot carries a ghost count of it (state.hpp), so no operation needs cardinality
//   except `drop_threshold`, the one place the domain has to say which keys the oldest are.
template <typename D>
concept Domain = requires(D& domain, typename D::Bool b, typename D::Int i,
                          const typename D::KeySet& pairs, const typename D::CounterSet& counters) {
    { domain.literal(true) } -> std::same_as<typename D::Bool>;
    { domain.literal(std::int64_t{0}) } -> std::same_as<typename D::Int>;
    { domain.ite(b, b, b) } -> std::same_as<typename D::Bool>;
    { domain.ite(b, i, i) } -> std::same_as<typename D::Int>;
    { domain.ite(b, pairs, pairs) } -> std::same_as<typename D::KeySet>;
    { domain.ite(b, counters, counters) } -> std::same_as<typename D::CounterSet>;
    // Pair sets.
    { domain.empty_pairs() } -> std::same_as<typename D::KeySet>;
    { domain.contains(pairs, i, i) } -> std::same_as<typename D::Bool>;
    { domain.insert(pairs, i, i) } -> std::same_as<typename D::KeySet>;
    // Counter sets.
    { domain.empty_counters() } -> std::same_as<typename D::CounterSet>;
    { domain.contains(counters, i) } -> std::same_as<typename D::Bool>;
    { domain.insert_range(counters, i, i) } -> std::same_as<typename D::CounterSet>;
    { domain.erase(counters, i) } -> std::same_as<typename D::CounterSet>;
    { domain.keep_from(counters, i) } -> std::same_as<typename D::CounterSet>;
    { domain.drop_threshold(counters, i) } -> std::same_as<typename D::Int>;
};

// ConcreteDomain runs the transitions on machine values: bool, 64-bit integers (every counter of
// the model is at most 2^32 - 1, so sums and differences never overflow) and sorted sets whose
// copies share their elements (shared_sorted_set.hpp), since the transitions copy sets freely.
struct ConcreteDomain {
    using Bool = bool;
    using Int = std::int64_t;
    using KeySet = SharedSortedSet<std::pair<std::int64_t, std::int64_t>>;
    using CounterSet = SharedSortedSet<std::int64_t>;

    static Bool literal(bool value) { return value; }
    static Int literal(std::int64_t value) { return value; }

    static Bool ite(Bool condition, Bool then_value, Bool else_value) {
        return condition ? then_value : else_value;
    }
    static Int ite(Bool condition, Int then_value, Int else_value) {
        return condition ? then_value : else_value;
    }
    static KeySet ite(Bool condition, const KeySet& then_value, const KeySet& else_value) {
        return condition ? then_value : else_value;
    }
    static CounterSet ite(Bool condition, const CounterSet& then_value,
                          const CounterSet& else_value) {
        return condition ? then_value : else_value;
    }

    static KeySet empty_pairs() { return {}; }
    // contains: is (epoch, counter) in the set.
    static Bool contains(const KeySet& set, Int epoch, Int counter) {
        return set.contains({epoch, counter});
    }
    // insert: the set with (epoch, counter) added.
    static KeySet insert(const KeySet& set, Int epoch, Int counter) {
        if (set.contains({epoch, counter}))
            return set;  // shares the elements: no copy
        KeySet result = set;
        result.emplace(epoch, counter);
        return result;
    }

    static CounterSet empty_counters() { return {}; }
    // contains: is `counter` in the set.
    static Bool contains(const CounterSet& set, Int counter) { return set.contains(counter); }
    // insert_range: the set with every n, from <= n < to, added (none if to <= from).
    static CounterSet insert_range(const CounterSet& set, Int from, Int to) {
        if (from >= to)
            return set;  // nothing to add: shares the elements (the model asks on every chain)
        CounterSet result = set;
        for (Int counter = from; counter < to; ++counter)
            result.insert(counter);
        return result;
    }
    // erase: the set without `counter`.
    static CounterSet erase(const CounterSet& set, Int counter) {
        if (!set.contains(counter))
            return set;  // shares the elements: no copy
        CounterSet result = set;
        result.erase(counter);
        return result;
    }
    // keep_from: the elements n >= threshold.
    static CounterSet keep_from(const CounterSet& set, Int threshold) {
        if (set.empty() || threshold <= *set.begin())
            return set;  // keeps everything: shares the elements
        return CounterSet(set.lower_bound(threshold), set.end());
    }
    // drop_threshold: a threshold t such that keep_from(set, t) is the set without its
    // `how_many` smallest elements (all of them if it holds fewer; none if how_many <= 0):
    // the smallest element kept, or one past the largest when nothing is kept. Axiom A2 of
    // docs/proofs.md: |keep_from(s, drop_threshold(s, k))| = max(|s| - k, 0).
    static Int drop_threshold(const CounterSet& set, Int how_many) {
        if (how_many <= 0 || set.empty())
            return set.empty() ? 0 : *set.begin();
        if (how_many >= static_cast<Int>(set.size()))
            return *set.rbegin() + 1;
        return *std::next(set.begin(), static_cast<std::ptrdiff_t>(how_many));
    }
};

static_assert(Domain<ConcreteDomain>);

}  // namespace ratchetcheck::model
