// The transition step of if_on_domain_bool.cpp written the permitted way, with `domain.ite`.
// Compiled by ctest only (tests/property/CMakeLists.txt, label `proof`): with the archetype
// domain it must compile (archetype_accepts_ite_on_domain_bool), so the archetype rejects the
// `if` and nothing else about the step.
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
    return domain.ite(counter < chain.next_index, chain.next_index,
                      counter + domain.literal(std::int64_t{1}));
}

using TestedDomain = archetype::ArchetypeDomain;

template TestedDomain::Int next_index_after<TestedDomain>(TestedDomain&,
                                                          const ChainSlot<TestedDomain>&,
                                                          TestedDomain::Int);

}  // namespace ratchetcheck::model
