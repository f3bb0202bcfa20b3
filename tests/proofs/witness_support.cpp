#include "witness_support.hpp"

#include <map>
#include <stdexcept>
#include <string>

namespace ratchetcheck::proofs::testing_support {

const WitnessResult& witness_of(const Invariant& invariant) {
    static std::map<std::string, WitnessResult> found;
    auto entry = found.find(invariant.id);
    if (entry == found.end()) {
        std::optional<WitnessResult> witness = find_witness(invariant);
        if (!witness)
            throw std::invalid_argument(invariant.id + " names no witness variant");
        entry = found.emplace(invariant.id, std::move(*witness)).first;
    }
    return entry->second;
}

}  // namespace ratchetcheck::proofs::testing_support
