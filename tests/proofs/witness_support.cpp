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

std::vector<std::string> invariants_with_witnesses() {
    std::vector<std::string> ids;
    for (const Invariant& invariant : invariant_catalogue()) {
        if (!invariant.witness_variant.empty())
            ids.push_back(invariant.id);
    }
    return ids;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
    std::string name = info.param;
    for (char& character : name) {
        if (character == '-')
            character = '_';
    }
    return name;
}

}  // namespace ratchetcheck::proofs::testing_support
