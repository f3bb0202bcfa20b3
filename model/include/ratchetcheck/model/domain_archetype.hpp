// The archetype domain: the least a Domain promises, and nothing more. Its Bool does not convert
// to `bool` and its Int is not a machine integer, so a transition that branches with `if` on a
// domain value, uses `?:` on one, indexes by one or reads one as a number fails to compile with
// it — instead of compiling against ConcreteDomain and silently concretising in the Z3 domain
// (docs/proofs.md, "The archetype domain"). It is compile-only: the operations return
// default-constructed values, so nothing may ever run on it. src/domain_archetype.cpp
// instantiates every transition with it; tests/property/archetype/ shows that an `if` on a
// domain Bool is rejected while the same code written with `domain.ite` is accepted. It is a
// header so that those tests can include it.
#pragma once

#include <cstdint>

#include "ratchetcheck/model/domain.hpp"

namespace ratchetcheck::model::archetype {

// Opaque values: default-constructible (the definitions below need that, the transitions never
// do), no conversion from or to machine values.
struct Bool {
    friend Bool operator&&(Bool, Bool) { return {}; }
    friend Bool operator||(Bool, Bool) { return {}; }
    friend Bool operator!(Bool) { return {}; }
    friend Bool operator==(Bool, Bool) { return {}; }
    friend Bool operator!=(Bool, Bool) { return {}; }
};

struct Int {
    friend Int operator+(Int, Int) { return {}; }
    friend Int operator-(Int, Int) { return {}; }
    friend Bool operator<(Int, Int) { return {}; }
    friend Bool operator<=(Int, Int) { return {}; }
    friend Bool operator>(Int, Int) { return {}; }
    friend Bool operator>=(Int, Int) { return {}; }
    friend Bool operator==(Int, Int) { return {}; }
    friend Bool operator!=(Int, Int) { return {}; }
};

struct PairSet {};
struct CounterSet {};

struct ArchetypeDomain {
    using Bool = archetype::Bool;
    using Int = archetype::Int;
    using KeySet = PairSet;
    using CounterSet = archetype::CounterSet;

    Bool literal(bool) { return {}; }
    Int literal(std::int64_t) { return {}; }
    Bool ite(Bool, Bool, Bool) { return {}; }
    Int ite(Bool, Int, Int) { return {}; }
    KeySet ite(Bool, const KeySet&, const KeySet&) { return {}; }
    CounterSet ite(Bool, const CounterSet&, const CounterSet&) { return {}; }
    KeySet empty_pairs() { return {}; }
    Bool contains(const KeySet&, Int, Int) { return {}; }
    KeySet insert(const KeySet&, Int, Int) { return {}; }
    CounterSet empty_counters() { return {}; }
    Bool contains(const CounterSet&, Int) { return {}; }
    CounterSet insert_range(const CounterSet&, Int, Int) { return {}; }
    CounterSet erase(const CounterSet&, Int) { return {}; }
    CounterSet keep_from(const CounterSet&, Int) { return {}; }
    Int drop_threshold(const CounterSet&, Int) { return {}; }
};

static_assert(Domain<ArchetypeDomain>);

}  // namespace ratchetcheck::model::archetype
