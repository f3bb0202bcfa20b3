// Witnesses as op traces (witness_trace.hpp).
#include "witness_trace.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace ratchetcheck::cli {
namespace {

// outcome_label is the op trace's expectation for a verdict (StepReport::outcome_label).
std::string outcome_label(proofs::WitnessAction::Kind kind, model::Verdict verdict) {
    if (verdict != model::Verdict::ok)
        return model::verdict_name(verdict);
    return kind == proofs::WitnessAction::Kind::send ? "sent" : "accepted";
}

std::uint32_t narrow_counter(std::int64_t counter) {
    if (counter < 0 || counter > model::max_counter)
        throw std::out_of_range(fmt::format("witness trace: counter {} is not 32-bit", counter));
    return static_cast<std::uint32_t>(counter);
}

}  // namespace

std::string witness_trace_name(const proofs::Invariant& invariant) {
    return fmt::format("witness-{}.json", invariant.id);
}

harness::OpTrace witness_trace(const proofs::Invariant& invariant,
                               const proofs::WitnessResult& witness) {
    return witness_trace(invariant, witness, invariant.witness_variant);
}

harness::OpTrace witness_trace(const proofs::Invariant& invariant,
                               const proofs::WitnessResult& witness,
                               const std::string& variant_name) {
    if (!witness.found)
        throw std::invalid_argument("witness trace: the search found no violation");
    harness::OpTrace trace;
    trace.setup = harness::TraceSetup{.key_seed = witness_key_seed,
                                      .one_time_prekey = witness.setup.one_time_prekey_published,
                                      .limits = witness.setup.limits};
    const auto add = [&trace](const harness::Op& op, std::string expectation) {
        trace.ops.push_back(op);
        trace.expectations.emplace_back(std::move(expectation));
    };
    for (const proofs::WitnessAction& action : witness.actions) {
        const std::string expected = outcome_label(action.kind, action.specified_verdict);
        switch (action.kind) {
            case proofs::WitnessAction::Kind::send:
                add(harness::SendOp{.party = action.party, .size = 0}, expected);
                break;
            case proofs::WitnessAction::Kind::deliver: {
                const auto message = static_cast<std::uint32_t>(action.message);
                if (action.duplicate_first)
                    add(harness::DuplicateOp{.message = message}, "done");
                add(harness::DeliverOp{.message = message}, expected);
                break;
            }
            case proofs::WitnessAction::Kind::forge: {
                const proofs::ForgedHeader& forged = action.forged;
                using Choice = harness::ForgeOp::Choice;
                add(
                    harness::ForgeOp{
                        .party = action.party,
                        .prekey = forged.is_prekey,
                        .ratchet_key = {.kind = harness::ForgedKey::Kind::epoch,
                                        .epoch = narrow_counter(forged.epoch)},
                        .counter = narrow_counter(forged.counter),
                        .previous_counter = narrow_counter(forged.previous_counter),
                        .ciphertext_blocks = 1,
                        .base_key = forged.other_base_key ? Choice::other : Choice::genuine,
                        .identity = Choice::genuine,
                        .signed_prekey_id = Choice::genuine,
                        .one_time_prekey_id = harness::ForgeOp::OneTimePreKey::genuine},
                    expected);
                break;
            }
        }
    }
    const proofs::NamedVariant* variant = proofs::find_variant(variant_name);
    const bool own_witness = variant_name == invariant.witness_variant;
    trace.note = fmt::format(
        "{} of {} ({}): {} Under the model variant {} ({}), the last op of this run violates "
        "it ({} action(s) from the session start). The implementation must agree with the "
        "specified model on every op; the expectations are the specified model's outcomes. "
        "Written by `ratchetcheck prove {}`.",
        own_witness ? "Witness" : "Counterexample", invariant.id, invariant.spec_clause,
        invariant.statement, variant_name, variant ? variant->description : "unknown variant",
        witness.depth, own_witness ? "--witness-dir" : "--variant " + variant_name);
    return trace;
}

}  // namespace ratchetcheck::cli
