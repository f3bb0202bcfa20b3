// A transition step written the forbidden way: it branches with `if` on a domain Bool. Compiled
// by ctest only (tests/property/CMakeLists.txt, label `proof`), never built into a binary:
// - with the archetype domain (the default) it must NOT compile, and the error must be the
//   conversion of the archetype Bool to `bool` (archetype_rejects_if_on_domain_bool*);
// - with RATCHETCHECK_ARCHETYPE_TEST_CONCRETE defined it is instantiated with ConcreteDomain
//   instead and must compile (concrete_domain_accepts_if_on_domain_bool): the `if` is exactly
//   the code ConcreteDomain would accept and a symbolic domain would silently concretise, and
//   the file is otherwise sound, so the archetype failure cannot come from a missing include or
//   a typo. ite_on_domain_bool.cpp is the same step written with `domain.ite`.
#include <cstdint>

#include "ratchetcheck/model/domain.hpp"
#include "ratchetcheck/model/domain_archetype.hpp"
#include "ratchetcheck/model/state.hpp"

namespace ratchetcheck::model {

// next_index_after is a receiving chain's next index once it has yielded the key of message
// `counter` (DR §3.5 SkipMessageKeys, then one step): unchanged for a late message, one past the
// counter otherwise.
template <Domain D>
typename D::Int next_index_after(D& domain, const ChainSlot<D>& chain, typename D::Int counter) {
    if (counter < chain.next_index)  // forbidden: an `if` on a domain Bool
        return chain.next_index;
    return counter + domain.literal(std::int64_t{1});
}

#ifdef RATCHETCHECK_ARCHETYPE_TEST_CONCRETE
using TestedDomain = ConcreteDomain;
#else
using TestedDomain = archetype::ArchetypeDomain;
#endif

template TestedDomain::Int next_index_after<TestedDomain>(TestedDomain&,
                                                          const ChainSlot<TestedDomain>&,
                                                          TestedDomain::Int);

}  // namespace ratchetcheck::model
