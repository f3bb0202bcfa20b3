// Stateful properties of the implementation, each against the clause of the specification it
// serves (DR = The Double Ratchet Algorithm, Revision 1; X3DH = The X3DH Key Agreement Protocol,
// Revision 1). The commands are the ops of docs/op-trace.md; after every op the side-by-side
// runner compares the implementation with the model and evaluates the checks of
// ratchetcheck/harness/side_by_side.hpp. Each property asserts the checks of its own clause, so
// that the mutant built for it (tests/mutants) is caught by that clause and not only by the
// model comparison.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "property_support.hpp"

namespace ratchetcheck::property {
namespace {

using harness::Check;

// The endpoint remembers its session's public keys between ops (harness/src/endpoint.cpp) instead
// of building the Party's whole view each time it is asked; the runner's fresh-key check and its
// epoch bookkeeping read them. After every op of three round trips (each reply a DH ratchet step)
// with a save/restore between, both seats' remembered keys must be those of the Party's own view.
TEST(StatefulProperties, EndpointSessionKeysFollowEveryChangeOfTheParty) {
    using model::PartyId;
    auto created = harness::SideBySideRunner::create(harness::TraceSetup{.key_seed = 7}, {});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<harness::SideBySideRunner>>(created));
    harness::SideBySideRunner& runner =
        *std::get<std::unique_ptr<harness::SideBySideRunner>>(created);
    const std::vector<harness::Op> ops = {
        harness::SendOp{PartyId::alice, 4},
        harness::DeliverOp{0},
        harness::SendOp{PartyId::bob, 4},
        harness::DeliverOp{1},
        harness::SaveRestoreOp{PartyId::bob},
        harness::SendOp{PartyId::alice, 4},
        harness::DeliverOp{2},
        harness::SendOp{PartyId::bob, 4},
        harness::DeliverOp{3},
    };
    std::size_t sessions_seen = 0;
    for (std::size_t index = 0; index < ops.size(); ++index) {
        const harness::StepReport report = runner.step(ops[index]);
        ASSERT_TRUE(report.applicable) << "op " << index << ": " << report.not_applicable_reason;
        for (const PartyId seat : {PartyId::alice, PartyId::bob}) {
            const harness::Endpoint& endpoint = runner.endpoint(seat);
            const auto session = endpoint.party()->view().current;
            ASSERT_EQ(endpoint.sending_ratchet_key().has_value(), session.has_value())
                << "op " << index << ", " << model::party_name(seat);
            if (!session)
                continue;
            ++sessions_seen;
            EXPECT_EQ(*endpoint.sending_ratchet_key(), session->sending_ratchet_key.u)
                << "op " << index << ", " << model::party_name(seat);
            EXPECT_EQ(*endpoint.session_base_key(), session->base_key.u)
                << "op " << index << ", " << model::party_name(seat);
        }
    }
    EXPECT_GE(sessions_seen, 14u);
}

// ARCHITECTURE.md model/ (the model is the specification), DR §3.4-3.5, X3DH §3.3-3.4:
// after every op, the implementation and the model agree on accept/reject (and on the error where
// the model can name it: duplicate, too_far_ahead, no_session), on the plaintext, on every sent
// header, and α(implementation) equals the model.
// @evidence check=test:StatefulProperties.ImplementationRefinesModel functions=SF.PER_MESSAGE_KEYS,SF.TRANSACTIONAL_RECEIVE,SF.KEY_AGREEMENT clauses=DR-3.3,DR-3.4,DR-3.5,X3DH-3.3,X3DH-3.4
RC_GTEST_PROP(StatefulProperties, ImplementationRefinesModel, ()) {
    check_stateful_property({.name = "ImplementationRefinesModel",
                             .mix = OpMix{},
                             .limits = LimitsKind::mixed,
                             .asserted = {Check::model_agreement}});
}

// DR §3.5 ("the message key ... is deleted"; TrySkippedMessageKeys deletes the skipped key it
// uses): no message key is used twice, and no message is accepted twice — however often the
// adversary replays it, early or late, before or after a ratchet step.
// @evidence check=test:StatefulProperties.NoMessageAcceptedTwice functions=SF.REPLAY_REJECTION clauses=DR-3.5,DR-6.4
RC_GTEST_PROP(StatefulProperties, NoMessageAcceptedTwice, ()) {
    check_stateful_property({.name = "NoMessageAcceptedTwice",
                             .mix = {.deliver = 10, .duplicate = 6, .tamper = 0, .forge = 0},
                             .limits = LimitsKind::mixed,
                             .asserted = {Check::no_message_accepted_twice}});
}

// DR §3.5 (SkipMessageKeys, MAX_SKIP; out-of-order messages): every message delivered within
// the limits, in any order, decrypts exactly once. The commands deliver in random order; then
// every copy still in flight is delivered. Each message that was ever delivered within the
// limits must have been accepted, exactly once.
// @evidence check=test:StatefulProperties.DeliveryWithinLimitsDecryptsExactlyOnce functions=SF.OUT_OF_ORDER clauses=DR-2.6,DR-3.5
RC_GTEST_PROP(StatefulProperties, DeliveryWithinLimitsDecryptsExactlyOnce, ()) {
    const auto drain_and_count = [](PropertyRun& run) {
        for (bool delivered = true; delivered;) {
            delivered = false;
            const model::System& system = run.runner().model();
            for (std::uint32_t message = 0; message < system.messages().size(); ++message) {
                if (system.can_deliver(message)) {
                    run.step(harness::DeliverOp{message});
                    delivered = true;
                    break;
                }
            }
        }
        const harness::SideBySideRunner& runner = run.runner();
        for (const std::size_t message : runner.delivered_within_limits()) {
            if (!runner.accepted_by_implementation().contains(message)) {
                run.fail(fmt::format(
                    "message {} was delivered within the limits but never accepted", message));
            }
        }
    };
    check_stateful_property(
        {.name = "DeliveryWithinLimitsDecryptsExactlyOnce",
         .mix = {.duplicate = 1, .drop = 1, .tamper = 0, .forge = 0, .save_restore = 0},
         .limits = LimitsKind::mixed,
         .asserted = {Check::delivery_within_limits, Check::no_message_accepted_twice},
         .after_sequence = drain_and_count});
}

// DR §3.5 ("If an exception is raised (e.g. message authentication failure), then the message
// is discarded and changes to the state object are discarded"): a rejected input — tampered,
// forged, replayed, too far ahead — leaves the serialized state byte-identical, and the genuine
// message still decrypts afterwards.
// @evidence check=test:StatefulProperties.RejectedInputChangesNothing functions=SF.TRANSACTIONAL_RECEIVE clauses=DR-3.5
RC_GTEST_PROP(StatefulProperties, RejectedInputChangesNothing, ()) {
    check_stateful_property({.name = "RejectedInputChangesNothing",
                             .mix = {.duplicate = 2, .tamper = 4, .forge = 4},
                             .limits = LimitsKind::mixed,
                             .asserted = {Check::rejection_changes_nothing}});
}

// Party::serialize / Party::deserialize (docs/state-format.md): saving and restoring either
// party at any point changes nothing observable. Every op runs twice, with and without the
// save/restores; outcomes, message bytes, views and serialized states must match.
// @evidence check=test:StatefulProperties.SaveRestoreChangesNothingObservable functions=SF.INPUT_VALIDATION clauses=DR-3.2
RC_GTEST_PROP(StatefulProperties, SaveRestoreChangesNothingObservable, ()) {
    check_stateful_property({.name = "SaveRestoreChangesNothingObservable",
                             .mix = {.save_restore = 5},
                             .limits = LimitsKind::mixed,
                             .asserted = {Check::save_restore_unobservable},
                             .with_shadow = true});
}

// DR §3.5 (MAX_SKIP bounds the keys stored; Profile: skipped keys per chain and in total,
// receiving chains, archived sessions): the stores never exceed their bounds. Small limits, so
// every bound binds.
// @evidence check=test:StatefulProperties.StoresStayWithinBounds functions=SF.BOUNDED_STORES clauses=DR-3.5
RC_GTEST_PROP(StatefulProperties, StoresStayWithinBounds, ()) {
    check_stateful_property({.name = "StoresStayWithinBounds",
                             .mix = {.send = 8, .deliver = 8, .tamper = 0, .forge = 0},
                             .limits = LimitsKind::small,
                             .asserted = {Check::stores_within_bounds}});
}

// DR §3.5 DHRatchet and DR §6.2 (recovery from compromise): after a reply round trip each side
// sends under a fresh ratchet key — whenever a party accepts a message under a peer ratchet key it
// had no chain for, its next messages go out under a ratchet key never used before, from Ns = 0.
// @evidence check=test:StatefulProperties.ReplyRoundTripSendsUnderFreshRatchetKey functions=SF.PER_MESSAGE_KEYS clauses=DR-3.5,DR-6.2
RC_GTEST_PROP(StatefulProperties, ReplyRoundTripSendsUnderFreshRatchetKey, ()) {
    check_stateful_property({.name = "ReplyRoundTripSendsUnderFreshRatchetKey",
                             .mix = {.duplicate = 0, .tamper = 0, .forge = 0},
                             .limits = LimitsKind::mixed,
                             .asserted = {Check::fresh_ratchet_key}});
}

}  // namespace
}  // namespace ratchetcheck::property
