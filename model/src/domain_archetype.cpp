// The archetype domain: the least a Domain promises, and nothing more. Its Bool does not convert
// to `bool` and its Int is not a machine integer, so a transition that branches with `if` on a
// domain value, uses `?:` on one, indexes by one or reads one as a number fails to compile here —
// instead of compiling against ConcreteDomain and silently concretising in the Z3 domain. This
// file is compiled, never linked into anything (CMake target ratchetcheck_model_archetype); every
// transition of transitions.hpp is instantiated below.
#include <cstdint>

#include "ratchetcheck/model/domain.hpp"
#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/model/state.hpp"
#include "ratchetcheck/model/transitions.hpp"

namespace ratchetcheck::model::archetype {

// Opaque values: default-constructible (the transitions never need that, the definitions below
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

namespace ratchetcheck::model {

using archetype::ArchetypeDomain;
using ArchetypeBool = ArchetypeDomain::Bool;

template Parameters<ArchetypeDomain> variant_parameters<ArchetypeDomain>(
    ArchetypeDomain&, ArchetypeDomain::Int, ArchetypeDomain::Int, ArchetypeDomain::Int, std::size_t,
    const Variant&);
template World<ArchetypeDomain> initial_world<ArchetypeDomain>(ArchetypeDomain&,
                                                               const Parameters<ArchetypeDomain>&,
                                                               ArchetypeBool);
template World<ArchetypeDomain> x3dh_initiate<ArchetypeDomain>(ArchetypeDomain&,
                                                               const Parameters<ArchetypeDomain>&,
                                                               const World<ArchetypeDomain>&);
template SendStep<ArchetypeDomain> send<ArchetypeDomain>(ArchetypeDomain&,
                                                         const Parameters<ArchetypeDomain>&,
                                                         const World<ArchetypeDomain>&, PartyId);
template ReceiveStep<ArchetypeDomain> receive<ArchetypeDomain>(ArchetypeDomain&,
                                                               const Parameters<ArchetypeDomain>&,
                                                               const World<ArchetypeDomain>&,
                                                               PartyId,
                                                               const MessageView<ArchetypeDomain>&);
template ArchetypeBool deliverable<ArchetypeDomain>(ArchetypeDomain&,
                                                    const Parameters<ArchetypeDomain>&,
                                                    const World<ArchetypeDomain>&, PartyId,
                                                    const MessageHeader<ArchetypeDomain>&);
template ArchetypeBool well_formed_view<ArchetypeDomain>(ArchetypeDomain&,
                                                         const World<ArchetypeDomain>&, PartyId,
                                                         const MessageView<ArchetypeDomain>&);
template MessageView<ArchetypeDomain> genuine_view<ArchetypeDomain>(
    ArchetypeDomain&, const World<ArchetypeDomain>&, const MessageHeader<ArchetypeDomain>&);
template World<ArchetypeDomain> save_restore<ArchetypeDomain>(ArchetypeDomain&,
                                                              const World<ArchetypeDomain>&,
                                                              PartyId);

}  // namespace ratchetcheck::model
