// Every transition of transitions.hpp instantiated with the archetype domain
// (domain_archetype.hpp), whose Bool does not convert to `bool`: a transition that branches with
// `if` on a domain value, uses `?:` on one, indexes by one or reads one as a number fails to
// compile here. This file is compiled, never linked into anything (CMake target
// ratchetcheck_model_archetype).
#include <cstdint>

#include "ratchetcheck/model/domain.hpp"
#include "ratchetcheck/model/domain_archetype.hpp"
#include "ratchetcheck/model/parameters.hpp"
#include "ratchetcheck/model/state.hpp"
#include "ratchetcheck/model/transitions.hpp"

namespace ratchetcheck::model {

using archetype::ArchetypeDomain;
using ArchetypeBool = ArchetypeDomain::Bool;

template Parameters<ArchetypeDomain> variant_parameters<ArchetypeDomain>(
    ArchetypeDomain&, ArchetypeDomain::Int, ArchetypeDomain::Int, ArchetypeDomain::Int, std::size_t,
    const Variant&, const ProfileRules&);
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
                                                              const Parameters<ArchetypeDomain>&,
                                                              const World<ArchetypeDomain>&,
                                                              PartyId);
template World<ArchetypeDomain> network_duplicate<ArchetypeDomain>(
    ArchetypeDomain&, const Parameters<ArchetypeDomain>&, const World<ArchetypeDomain>&,
    ArchetypeDomain::Int, ArchetypeDomain::Int);

}  // namespace ratchetcheck::model
