// The value domain the model's transitions are written over. The transitions in transitions.hpp
// never branch with `if` on state: every data-dependent choice is a domain `ite`, and every set
// operation goes through the domain, so the same code runs concretely (ConcreteDomain, the
// oracle of the property tests) and symbolically (a Z3 domain in proofs/, which builds the
// transition relation from the very same functions).
#pragma once

#include <concepts>
#include <cstdint>
#include <set>
#include <utility>

namespace ratchetcheck::model {

// Domain is what a value domain must provide. Bool and Int are the domain's booleans and
// (unbounded, conceptually) integers with the usual operators (+, -, <, <=, ==, !=, &&, ||, !);
// KeySet is a finite set of (epoch, counter) pairs, used for MKSKIPPED (DR §3.2) and for the
// ghost sets of sent and accepted messages. Two operations are cardinality-based and are the
// ones a symbolic domain has to axiomatise: `count_epoch` and `drop_oldest`.
template <typename D>
concept Domain = requires(typename D::Bool b, typename D::Int i, const typename D::KeySet& s) {
    { D::literal(true) } -> std::same_as<typename D::Bool>;
    { D::literal(std::int64_t{0}) } -> std::same_as<typename D::Int>;
    { D::ite(b, b, b) } -> std::same_as<typename D::Bool>;
    { D::ite(b, i, i) } -> std::same_as<typename D::Int>;
    { D::ite(b, s, s) } -> std::same_as<typename D::KeySet>;
    { D::empty_set() } -> std::same_as<typename D::KeySet>;
    { D::contains(s, i, i) } -> std::same_as<typename D::Bool>;
    { D::insert(s, i, i) } -> std::same_as<typename D::KeySet>;
    { D::insert_range(s, i, i, i) } -> std::same_as<typename D::KeySet>;
    { D::erase(s, i, i) } -> std::same_as<typename D::KeySet>;
    { D::erase_epoch(s, i) } -> std::same_as<typename D::KeySet>;
    { D::count_epoch(s, i) } -> std::same_as<typename D::Int>;
    { D::drop_oldest(s, i, i) } -> std::same_as<typename D::KeySet>;
};

// ConcreteDomain runs the transitions on machine values: bool, 64-bit integers (every counter of
// the protocol is 32-bit, so differences and sums never overflow) and std::set.
struct ConcreteDomain {
    using Bool = bool;
    using Int = std::int64_t;
    using KeySet = std::set<std::pair<std::int64_t, std::int64_t>>;

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

    static KeySet empty_set() { return {}; }

    // contains: is (epoch, counter) in the set.
    static Bool contains(const KeySet& set, Int epoch, Int counter) {
        return set.contains({epoch, counter});
    }
    // insert: the set with (epoch, counter) added.
    static KeySet insert(const KeySet& set, Int epoch, Int counter) {
        KeySet result = set;
        result.emplace(epoch, counter);
        return result;
    }
    // insert_range: the set with (epoch, n) added for every from <= n < to (none if to <= from).
    static KeySet insert_range(const KeySet& set, Int epoch, Int from, Int to) {
        KeySet result = set;
        for (Int counter = from; counter < to; ++counter)
            result.emplace(epoch, counter);
        return result;
    }
    // erase: the set without (epoch, counter).
    static KeySet erase(const KeySet& set, Int epoch, Int counter) {
        KeySet result = set;
        result.erase({epoch, counter});
        return result;
    }
    // erase_epoch: the set without any pair of `epoch`.
    static KeySet erase_epoch(const KeySet& set, Int epoch) {
        KeySet result = set;
        result.erase(result.lower_bound({epoch, INT64_MIN}),
                     result.lower_bound({epoch + 1, INT64_MIN}));
        return result;
    }
    // count_epoch: how many pairs of `epoch` the set holds.
    static Int count_epoch(const KeySet& set, Int epoch) {
        Int count = 0;
        for (auto it = set.lower_bound({epoch, INT64_MIN}); it != set.end() && it->first == epoch;
             ++it) {
            ++count;
        }
        return count;
    }
    // drop_oldest: the set without the `how_many` smallest counters of `epoch` (all of them if it
    // holds fewer; nothing if how_many <= 0).
    static KeySet drop_oldest(const KeySet& set, Int epoch, Int how_many) {
        KeySet result = set;
        auto it = result.lower_bound({epoch, INT64_MIN});
        for (Int dropped = 0; dropped < how_many && it != result.end() && it->first == epoch;
             ++dropped) {
            it = result.erase(it);
        }
        return result;
    }
};

static_assert(Domain<ConcreteDomain>);

}  // namespace ratchetcheck::model
