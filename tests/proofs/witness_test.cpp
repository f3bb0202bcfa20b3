// The witnesses of the invariant catalogue (proofs/witness.hpp): every invariant that names a
// witness variant is violated by that variant within the bounded search, and the violation is a
// real run of the variant; the specified model violates no invariant on the same search (the
// catalogue's formulas are true on every concrete state and step it reaches, so they are neither
// wrong about the model nor vacuously checked); and the search does find a violation when there
// is one, of a state formula and of a step formula.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "ratchetcheck/proofs/catalogue.hpp"
#include "ratchetcheck/proofs/witness.hpp"
#include "witness_support.hpp"

namespace ratchetcheck::proofs {
namespace {

std::string render(const WitnessResult& result) {
    std::string out = fmt::format(
        "setup: one-time prekey {}, max_forward_jump {}, "
        "max_skipped_keys_per_chain {}, max_skipped_keys_total {}, "
        "max_receiving_chains {}\n",
        result.setup.one_time_prekey_published, result.setup.limits.max_forward_jump,
        result.setup.limits.max_skipped_keys_per_chain, result.setup.limits.max_skipped_keys_total,
        result.setup.limits.max_receiving_chains);
    for (const WitnessAction& action : result.actions)
        out += fmt::format("  {} -> {}\n", describe(action), model::verdict_name(action.verdict));
    return out;
}

class WitnessOfInvariant : public testing::TestWithParam<std::string> {};

// The witness variant breaks the invariant within the search bound, and replaying the witness on
// that variant's model gives the steps the search saw: the invariant holds on every step but the
// last, which violates it (holds_on, the catalogue's own evaluation).
TEST_P(WitnessOfInvariant, VariantViolatesIt) {
    const Invariant& invariant = *find_invariant(GetParam());
    const WitnessResult& witness = testing_support::witness_of(invariant);
    ASSERT_TRUE(witness.found) << invariant.id << " is not violated under "
                               << invariant.witness_variant << " within "
                               << WitnessSearchSettings{}.max_depth << " actions";
    EXPECT_EQ(witness.violated, &invariant);
    EXPECT_EQ(witness.actions.size(), witness.depth);
    EXPECT_LE(witness.depth, WitnessSearchSettings{}.max_depth);
    EXPECT_GE(witness.depth, 1U) << "the initial state already violates it";

    const model::Variant variant = find_variant(invariant.witness_variant)->variant;
    const std::vector<WitnessStep> steps = replay_witness(witness, variant);
    ASSERT_EQ(steps.size(), witness.actions.size());
    const model::ConcreteParameters parameters =
        model::concrete_parameters(witness.setup.limits, variant);
    for (std::size_t index = 0; index < steps.size(); ++index) {
        SCOPED_TRACE(fmt::format("step {}: {}", index, describe(witness.actions[index])));
        EXPECT_EQ(steps[index].verdict, witness.actions[index].verdict);
        const bool last = index + 1 == steps.size();
        EXPECT_EQ(holds_on(invariant, parameters, steps[index].transition()), !last)
            << render(witness);
    }
}

INSTANTIATE_TEST_SUITE_P(Catalogue, WitnessOfInvariant,
                         testing::ValuesIn(testing_support::invariants_with_witnesses()),
                         testing_support::test_name);

// Every invariant, lemmas included, names a witness variant, and it is one of
// variant_catalogue() other than the specified protocol.
TEST(WitnessSearch, EveryInvariantNamesAWitnessVariant) {
    for (const Invariant& invariant : invariant_catalogue()) {
        EXPECT_FALSE(invariant.witness_variant.empty()) << invariant.id << " names no witness";
        EXPECT_NE(invariant.witness_variant, "specified") << invariant.id;
        EXPECT_NE(find_variant(invariant.witness_variant), nullptr)
            << invariant.id << ": " << invariant.witness_variant;
    }
}

// The specified model violates no invariant of the catalogue on any run the search reaches: the
// formulas are true on the concrete model up to the depth bound. A violation here is a wrong
// formula or a wrong model, with the run that shows it.
TEST(WitnessSearch, SpecifiedModelViolatesNoInvariant) {
    std::vector<const Invariant*> all;
    for (const Invariant& invariant : invariant_catalogue())
        all.push_back(&invariant);
    const WitnessResult result = search_violation(all, model::Variant{});
    EXPECT_FALSE(result.found) << result.violated->id << " is violated by the specified model:\n"
                               << render(result);
    // Not vacuous: the search reached the states the witnesses need (chain eviction at depth 8,
    // dropped skipped keys) and evaluated every invariant on every step.
    EXPECT_GT(result.states, 300U);
    EXPECT_GE(result.evaluations, result.transitions);
    fmt::print("specified model: {} states, {} steps, {} Z3 queries, {:.2f} s\n", result.states,
               result.transitions, result.evaluations, result.seconds);
}

// A deliberately false state invariant — "no new ratchet key is ever generated" — is violated as
// soon as Bob answers Alice's first message with a DH ratchet step; searched together with the
// whole catalogue, so the batched query (all formulas at once) is shown to let a violation through.
TEST(WitnessSearch, FindsAFalseStateInvariant) {
    Invariant no_new_epochs{.id = "no-new-epochs",
                            .spec_clause = "none: deliberately false",
                            .statement = "No ratchet key is generated after the session start.",
                            .formula = "next_epoch = 2",
                            .lemmas = {},
                            .witness_variant = "specified"};
    no_new_epochs.state = [](Z3Domain& domain, const SymbolicParameters&,
                             const SymbolicWorld& world) {
        return world.next_epoch == domain.literal(std::int64_t{2});
    };
    std::vector<const Invariant*> invariants;
    for (const Invariant& invariant : invariant_catalogue())
        invariants.push_back(&invariant);
    invariants.push_back(&no_new_epochs);
    const WitnessResult result = search_violation(invariants, model::Variant{});
    ASSERT_TRUE(result.found);
    EXPECT_EQ(result.violated, &no_new_epochs);
    ASSERT_EQ(result.depth, 2U) << render(result);
    EXPECT_EQ(result.actions[0].kind, WitnessAction::Kind::send);
    EXPECT_EQ(result.actions[0].party, model::PartyId::alice);
    EXPECT_EQ(result.actions[1].kind, WitnessAction::Kind::deliver);
    EXPECT_EQ(result.actions[1].verdict, model::Verdict::ok);
}

// A deliberately false step property — "every send succeeds" — is violated by Bob's first send,
// before he has a session (no_session).
TEST(WitnessSearch, FindsAFalseStepProperty) {
    Invariant sends_succeed{.id = "sends-succeed",
                            .spec_clause = "none: deliberately false",
                            .statement = "Every send succeeds.",
                            .formula = "send ⇒ verdict = ok",
                            .lemmas = {},
                            .witness_variant = "specified"};
    sends_succeed.step = [](Z3Domain& domain, const SymbolicParameters&, const Transition& step) {
        if (step.action != Action::send)
            return domain.literal(true);
        return *step.verdict == model::verdict_value(domain, model::Verdict::ok);
    };
    const WitnessResult result = search_violation({&sends_succeed}, model::Variant{});
    ASSERT_TRUE(result.found);
    ASSERT_EQ(result.depth, 1U) << render(result);
    EXPECT_EQ(result.actions[0].kind, WitnessAction::Kind::send);
    EXPECT_EQ(result.actions[0].party, model::PartyId::bob);
    EXPECT_EQ(result.actions[0].verdict, model::Verdict::no_session);
}

// The bound is a bound: the chain-ordering witness needs 8 actions (two replies each way with two
// chain slots), so a search of 7 does not find it, and says so.
TEST(WitnessSearch, RespectsTheDepthBound) {
    const Invariant& ordered = *find_invariant("receiving-chains-ordered");
    const WitnessResult full = testing_support::witness_of(ordered);
    ASSERT_TRUE(full.found);
    const WitnessResult shallow =
        *find_witness(ordered, WitnessSearchSettings{.max_depth = full.depth - 1});
    EXPECT_FALSE(shallow.found) << render(shallow);
    EXPECT_EQ(shallow.violated, nullptr);
}

}  // namespace
}  // namespace ratchetcheck::proofs
