// The kept witnesses, corpus/traces/witness-<id>.json (written by `ratchetcheck prove
// --witness-dir corpus/traces`), are still witnesses: every invariant that names a witness
// variant has one; replayed with the model run as that variant, the invariant holds after every
// op but the last and fails on the last (evaluated with holds_on on the runner's own model steps,
// so this does not depend on the search that wrote the file); and replayed against the specified
// model, the implementation agrees on every op with every expectation met. CorpusTraces (label
// property) replays the same files with the rest of the corpus.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
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

std::optional<harness::OpTrace> load(const std::filesystem::path& path) {
    std::ifstream input(path);
    if (!input)
        return std::nullopt;
    const std::string text((std::istreambuf_iterator<char>(input)),
                           std::istreambuf_iterator<char>());
    auto parsed = harness::trace_from_json(text);
    if (const auto* error = std::get_if<harness::TraceParseError>(&parsed)) {
        ADD_FAILURE() << path << ": " << error->message();
        return std::nullopt;
    }
    return std::get<harness::OpTrace>(std::move(parsed));
}

// The step an op made in the runner's model, as the catalogue's step properties read it.
ConcreteTransition model_step(const harness::StepReport& report, const model::System& model,
                              const model::ConcreteWorld& pre, const model::ConcreteParty& actor,
                              std::optional<model::ConcreteHeader>& header) {
    ConcreteTransition step{.action = Action::network,
                            .party = report.actor,
                            .pre = &pre,
                            .post = &model.world(),
                            .verdict = std::nullopt,
                            .header = std::nullopt,
                            .view = std::nullopt};
    using Kind = harness::StepReport::Kind;
    if (report.kind == Kind::sent) {
        step.action = Action::send;
        step.verdict = report.model_verdict;
        // A refused send has no ledger entry: its header is the sender's position (model::send).
        header = report.model_message
                     ? model.messages()[*report.model_message].header
                     : model::ConcreteHeader{.is_prekey = actor.pending_prekey,
                                             .epoch = actor.sending_epoch,
                                             .counter = actor.sending_index,
                                             .previous_counter = actor.previous_counter};
        step.header = header;
    } else if (report.kind == Kind::received) {
        const bool delivered = std::holds_alternative<harness::DeliverOp>(report.op);
        step.action = delivered ? Action::receive_genuine : Action::receive_forgery;
        step.verdict = report.model_verdict;
        step.view = report.model_view;
    }
    return step;
}

class WitnessCorpus : public testing::TestWithParam<std::string> {};

TEST_P(WitnessCorpus, KeptTraceStillBreaksItsInvariant) {
    const Invariant& invariant = *find_invariant(GetParam());
    const std::filesystem::path path =
        std::filesystem::path(RATCHETCHECK_CORPUS_DIR) / cli::witness_trace_name(invariant);
    const std::optional<harness::OpTrace> trace = load(path);
    ASSERT_TRUE(trace) << path << " is missing; run ratchetcheck prove --witness-dir "
                       << RATCHETCHECK_CORPUS_DIR;
    ASSERT_FALSE(trace->ops.empty());

    // With the model run as the witness variant: holds until the last op, which breaks it.
    const model::Variant variant = find_variant(invariant.witness_variant)->variant;
    auto created = harness::SideBySideRunner::create(trace->setup, {.variant = variant});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<harness::SideBySideRunner>>(created));
    harness::SideBySideRunner& runner = *std::get<0>(created);
    const model::ConcreteParameters parameters =
        model::concrete_parameters(trace->setup.limits, variant);
    for (std::size_t index = 0; index < trace->ops.size(); ++index) {
        const model::ConcreteWorld pre = runner.model().world();
        const harness::Op& op = trace->ops[index];
        const model::PartyId sender = std::holds_alternative<harness::SendOp>(op)
                                          ? std::get<harness::SendOp>(op).party
                                          : model::PartyId::alice;
        const model::ConcreteParty actor = runner.model().party(sender);
        const harness::StepReport report = runner.step(op);
        ASSERT_TRUE(report.applicable) << report.describe();
        std::optional<model::ConcreteHeader> header;
        const ConcreteTransition step = model_step(report, runner.model(), pre, actor, header);
        const bool last = index + 1 == trace->ops.size();
        EXPECT_EQ(holds_on(invariant, parameters, step), !last)
            << "op " << index << " under " << invariant.witness_variant << ": "
            << report.describe();
    }

    // Against the specified model: full agreement, every expectation met.
    std::size_t steps = 0;
    const auto problem = harness::run_trace(*trace, {}, [&](const harness::StepReport& report) {
        ++steps;
        EXPECT_TRUE(report.violations.empty()) << report.describe();
        return true;
    });
    EXPECT_FALSE(problem.has_value()) << problem.value_or("");
    EXPECT_EQ(steps, trace->ops.size());
}

INSTANTIATE_TEST_SUITE_P(Catalogue, WitnessCorpus,
                         testing::ValuesIn(testing_support::invariants_with_witnesses()),
                         testing_support::test_name);

}  // namespace
}  // namespace ratchetcheck::proofs
