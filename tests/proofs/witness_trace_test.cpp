// Each witness as an op trace (cli/witness_trace.hpp) is the very run the search found: replayed
// side by side with the model run as the witness variant, the model goes through the search's
// worlds, verdicts and message views step by step (so the trace breaks the invariant there too,
// and a forge op is seen by the model exactly as the search handed it); replayed against the
// specified model, the implementation agrees on every op — the bridge from the proof to the code.
// corpus/traces/witness-<id>.json keeps these traces; CorpusTraces (label property) replays them.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/side_by_side.hpp"
#include "ratchetcheck/proofs/catalogue.hpp"
#include "ratchetcheck/proofs/witness.hpp"
#include "witness_support.hpp"
#include "witness_trace.hpp"

namespace ratchetcheck::proofs {
namespace {

std::string view_text(const model::ConcreteView& view) {
    return fmt::format(
        "parsed {} prekey {} key_known {} epoch {} agreement {} N {} PN {} identity {} base {} "
        "base_agreement {} spk {} one_time {} authentic {}",
        view.parsed, view.is_prekey, view.key_known, view.epoch, view.key_agreement_ok,
        view.counter, view.previous_counter, view.identity_trusted, view.base_key_genuine,
        view.base_key_agreement_ok, view.signed_prekey_genuine, view.one_time_prekey,
        view.authentic);
}

// Replays `trace` with the model run as `variant` and checks every op that carries an action of
// the witness against `steps` (replay_witness on that variant); returns the reports.
std::vector<harness::StepReport> replay_against(const harness::OpTrace& trace,
                                                const model::Variant& variant,
                                                const WitnessResult& witness,
                                                const std::vector<WitnessStep>& steps) {
    auto created = harness::SideBySideRunner::create(trace.setup, {.variant = variant});
    if (const auto* error = std::get_if<std::string>(&created)) {
        ADD_FAILURE() << *error;
        return {};
    }
    harness::SideBySideRunner& runner = *std::get<0>(created);
    std::vector<harness::StepReport> reports;
    std::size_t action = 0;
    for (const harness::Op& op : trace.ops) {
        harness::StepReport report = runner.step(op);
        SCOPED_TRACE(report.describe());
        EXPECT_TRUE(report.applicable) << report.not_applicable_reason;
        reports.push_back(report);
        if (std::holds_alternative<harness::DuplicateOp>(op))
            continue;  // written before a delivery; the network only
        if (action >= steps.size()) {
            ADD_FAILURE() << "more ops than the witness has actions";
            break;
        }
        const WitnessStep& step = steps[action];
        EXPECT_EQ(report.model_verdict, step.verdict);
        EXPECT_EQ(report.actor, step.party);
        if (step.view) {
            EXPECT_EQ(report.model_view ? view_text(*report.model_view) : "no view",
                      view_text(*step.view));
        }
        EXPECT_EQ(canonical_form(runner.model().world()), canonical_form(step.post))
            << "after " << describe(witness.actions[action]);
        ++action;
    }
    EXPECT_EQ(action, steps.size());
    return reports;
}

class WitnessTrace : public testing::TestWithParam<std::string> {};

TEST_P(WitnessTrace, IsTheSearchedRunAndAgreesWithTheSpecifiedModel) {
    const Invariant& invariant = *find_invariant(GetParam());
    const WitnessResult& witness = testing_support::witness_of(invariant);
    ASSERT_TRUE(witness.found);
    const harness::OpTrace trace = cli::witness_trace(invariant, witness);

    // The JSON form is the trace (what --witness-dir writes is what is replayed).
    auto parsed = harness::trace_from_json(harness::trace_to_json(trace));
    ASSERT_TRUE(std::holds_alternative<harness::OpTrace>(parsed));
    EXPECT_EQ(std::get<harness::OpTrace>(parsed), trace);

    // With the model run as the witness variant: the search's run, step for step.
    const model::Variant variant = find_variant(invariant.witness_variant)->variant;
    {
        SCOPED_TRACE("model run as " + invariant.witness_variant);
        replay_against(trace, variant, witness, replay_witness(witness, variant));
    }

    // Against the specified model: full agreement, every expectation met.
    SCOPED_TRACE("specified model");
    const std::vector<harness::StepReport> reports =
        replay_against(trace, model::Variant{}, witness, replay_witness(witness, {}));
    ASSERT_EQ(reports.size(), trace.ops.size());
    for (std::size_t index = 0; index < reports.size(); ++index) {
        EXPECT_TRUE(reports[index].violations.empty()) << reports[index].describe();
        EXPECT_EQ(reports[index].outcome_label(), trace.expectations[index].value_or("?"))
            << reports[index].describe();
    }
}

INSTANTIATE_TEST_SUITE_P(Catalogue, WitnessTrace,
                         testing::ValuesIn(testing_support::invariants_with_witnesses()),
                         testing_support::test_name);

}  // namespace
}  // namespace ratchetcheck::proofs
