// The checks of one receive (receive_step.hpp), as a table: each is a small function named after
// the property it checks, citing the spec clause behind it.
#include <fmt/format.h>

#include <algorithm>

#include "receive_step.hpp"

namespace ratchetcheck::harness {
namespace {

using Violations = std::vector<Violation>;

std::string outcome_text(const ReceiveStep& step) {
    if (step.accepted)
        return "accepted";
    return fmt::format("rejected ({})", step.error ? error_name(*step.error) : "?");
}

// The errors the model folds into Verdict::rejected (state.hpp).
bool is_opaque_rejection(Error error) {
    switch (error) {
        case Error::malformed:
        case Error::bad_version:
        case Error::invalid_key:
        case Error::unknown_prekey_id:
        case Error::untrusted_identity:
        case Error::authentication_failed:
            return true;
        default:
            return false;
    }
}

std::optional<Error> error_for(model::Verdict verdict) {
    switch (verdict) {
        case model::Verdict::no_session:
            return Error::no_session;
        case model::Verdict::duplicate:
            return Error::duplicate;
        case model::Verdict::too_far_ahead:
            return Error::too_far_ahead;
        default:
            return std::nullopt;
    }
}

// A genuine copy from the network is, as the receiver parses it, the model's message.
void network_copy_is_the_models_message(const ReceiveStep& step, const ReceiveLedger&,
                                        Violations& out) {
    if (!step.network_message)
        return;
    const model::ConcreteView& seen = step.abstract.view;
    const model::ConcreteView& expected = step.genuine_view;
    if (!seen.parsed || !seen.authentic || seen.epoch != expected.epoch ||
        seen.counter != expected.counter || seen.is_prekey != expected.is_prekey ||
        step.abstract.genuine_message != step.network_message) {
        out.push_back(
            {Check::model_agreement,
             fmt::format("message {} as the receiver parses it is not the model's message",
                         *step.network_message)});
    }
}

// DR §3.5: a receiver only ever accepts a plaintext that was sent to it.
void accepted_plaintext_was_sent_to_receiver(const ReceiveStep& step, const ReceiveLedger&,
                                             Violations& out) {
    if (step.accepted && !step.plaintext_message)
        out.push_back(
            {Check::model_agreement, "accepted a plaintext that was never sent to this party"});
}

// DR §3.5 (message keys are deleted after use): no message, no message key accepted twice.
void no_message_accepted_twice(const ReceiveStep& step, const ReceiveLedger& ledger,
                               Violations& out) {
    if (!step.accepted)
        return;
    if (step.plaintext_message && ledger.accepted.contains(*step.plaintext_message)) {
        out.push_back(
            {Check::no_message_accepted_twice,
             fmt::format("message {} was accepted a second time", *step.plaintext_message)});
    }
    const model::ConcreteView& view = step.abstract.view;
    if (view.key_known && ledger.message_keys_used.contains({view.epoch, view.counter})) {
        out.push_back(
            {Check::no_message_accepted_twice,
             fmt::format("the message key of (epoch {}, counter {}) decrypted a second time",
                         view.epoch, view.counter)});
    }
}

// DR §3.5 DHRatchet (recovery from compromise, DR §2.3, §6.2): a message under a ratchet key the
// receiver had no chain for makes it send under a key never used before, from counter 0. Needs the
// state view (ours).
void ratchet_step_sends_under_fresh_key(const ReceiveStep& step, const ReceiveLedger& ledger,
                                        Violations& out) {
    if (!step.accepted || !step.view_before || !step.view_after)
        return;
    if (step.view_before->current && step.message_ratchet_key) {
        for (const ReceivingChainView& chain : step.view_before->current->receiving_chains) {
            if (chain.sender_ratchet_key.u == *step.message_ratchet_key)
                return;  // an existing chain: no DH step
        }
    }
    const auto& after = step.view_after->current;
    if (!after) {
        out.push_back({Check::fresh_ratchet_key, "accepted, yet no session"});
    } else if (ledger.sending_keys_seen.contains(after->sending_ratchet_key.u)) {
        out.push_back({Check::fresh_ratchet_key,
                       "after a message under a new peer ratchet key, the sending ratchet key is "
                       "one used before"});
    } else if (after->sending_index != 0) {
        out.push_back(
            {Check::fresh_ratchet_key,
             fmt::format("after a DH ratchet step Ns is {}, not 0", after->sending_index)});
    }
}

// DR §3.5 ("if an exception is raised ... discard any changes"): a rejection leaves the state
// byte-identical.
void rejection_leaves_state_identical(const ReceiveStep& step, const ReceiveLedger&,
                                      Violations& out) {
    if (step.accepted || step.snapshot_after == step.snapshot_before)
        return;
    out.push_back({Check::rejection_changes_nothing,
                   fmt::format("rejected ({}) but the state changed",
                               step.error ? error_name(*step.error) : "?")});
}

// No valid message is lost because an invalid one arrived: after a rejected tamper, truncation or
// forgery, the genuine message still decrypts (tried on a copy, so the run is not changed).
void genuine_message_still_decrypts(const ReceiveStep& step, const ReceiveLedger& ledger,
                                    Violations& out) {
    if (step.accepted || !step.genuine_after_rejection ||
        !step.genuine_after_rejection_deliverable ||
        *step.genuine_after_rejection >= ledger.genuine.size()) {
        return;
    }
    const std::size_t index = *step.genuine_after_rejection;
    std::unique_ptr<Endpoint> copy = step.endpoint->probe_copy();
    if (!copy)
        return;  // the implementation cannot be copied (libsignal): the trace's own later
                 // delivery of the genuine message is checked instead
    const GenuineMessage& message = ledger.genuine[index];
    auto retried = copy->decrypt(message.type, message.bytes);
    const Bytes expected = ledger.plaintext_of(index);
    if (!retried.ok()) {
        out.push_back({Check::rejection_changes_nothing,
                       fmt::format("the genuine message {} is now rejected ({})", index,
                                   error_name(retried.error()))});
    } else if (!std::equal(retried.value().begin(), retried.value().end(), expected.begin(),
                           expected.end())) {
        out.push_back(
            {Check::rejection_changes_nothing,
             fmt::format("the genuine message {} now decrypts to another plaintext", index)});
    }
}

// DR §3.5 (skipped message keys): a genuine message delivered within the limits is accepted,
// with its own plaintext.
void delivery_within_limits_is_accepted(const ReceiveStep& step, const ReceiveLedger&,
                                        Violations& out) {
    if (!step.network_message || !step.deliverable ||
        (step.accepted && step.plaintext_message == step.network_message)) {
        return;
    }
    out.push_back(
        {Check::delivery_within_limits,
         fmt::format(
             "message {} was delivered within the limits but {}", *step.network_message,
             step.accepted ? "decrypted to another plaintext" : "was " + outcome_text(step))});
}

// The implementation's outcome is the model's: accept/reject, the accepted message, and the
// error wherever the model can name it.
void outcome_is_the_models(const ReceiveStep& step, const ReceiveLedger&, Violations& out) {
    const bool model_ok = step.predicted.verdict == model::Verdict::ok;
    if (step.accepted != model_ok) {
        out.push_back(
            {Check::model_agreement,
             fmt::format("implementation {}, model {}", outcome_text(step),
                         model_ok ? "accepted" : model::verdict_name(step.predicted.verdict))});
        return;
    }
    if (model_ok) {
        if (step.plaintext_message != step.predicted.accepted_message) {
            const auto text = [](const std::optional<std::size_t>& value) {
                return value ? std::to_string(*value) : std::string("?");
            };
            out.push_back(
                {Check::model_agreement,
                 fmt::format("implementation accepted message {}, model message {}",
                             text(step.plaintext_message), text(step.predicted.accepted_message))});
        }
        return;
    }
    const Error error = step.error.value_or(Error::malformed);
    const std::optional<Error> named = error_for(step.predicted.verdict);
    bool agrees = named ? error == *named : is_opaque_rejection(error);
    // An implementation that reports a too-far jump as an ordinary rejection (libsignal).
    if (!agrees && named == Error::too_far_ahead && !step.endpoint->reports_too_far_ahead())
        agrees = is_opaque_rejection(error);
    if (!agrees) {
        out.push_back({Check::model_agreement,
                       fmt::format("implementation rejected with {}, model {}", error_name(error),
                                   model::verdict_name(step.predicted.verdict))});
    }
}

// The independent oracle agrees on every genuine delivery, and on an accepted altered copy
// (which must be a message the oracle would accept now).
void independent_oracle_agrees(const ReceiveStep& step, const ReceiveLedger& ledger,
                               Violations& out) {
    if (ledger.oracle == nullptr)
        return;
    if (step.network_message && step.oracle_expected) {
        const bool expect_accept = *step.oracle_expected == ExpectedDelivery::accept;
        const bool accepted_it = step.accepted && step.plaintext_message == step.network_message;
        if (expect_accept != accepted_it) {
            out.push_back({Check::independent_oracle,
                           fmt::format("message {}: the oracle expects {}, the implementation {}",
                                       *step.network_message, expected_name(*step.oracle_expected),
                                       outcome_text(step))});
        }
        return;
    }
    if (step.accepted && step.plaintext_message &&
        ledger.oracle->has_message(*step.plaintext_message) &&
        ledger.oracle->expect(*step.plaintext_message) != ExpectedDelivery::accept) {
        out.push_back({Check::independent_oracle,
                       fmt::format("an altered copy of message {} was accepted; the oracle "
                                   "expects {} for that message",
                                   *step.plaintext_message,
                                   expected_name(ledger.oracle->expect(*step.plaintext_message)))});
    }
}

// The proofs assume the adversary's rule of every message (model well_formed_view); every
// message of every run is checked against it, so the assumption is tested where it is made.
void view_obeys_adversary_rule(const ReceiveStep& step, const ReceiveLedger&, Violations& out) {
    if (step.view_well_formed)
        return;
    const model::ConcreteView& view = step.abstract.view;
    out.push_back({Check::adversary_rule,
                   fmt::format("the view of the received message breaks the adversary's rule: "
                               "parsed {}, key_known {}, epoch {}, counter {}, PN {}, authentic {}",
                               view.parsed, view.key_known, view.epoch, view.counter,
                               view.previous_counter, view.authentic)});
}

using ReceiveCheck = void (*)(const ReceiveStep&, const ReceiveLedger&, Violations&);

// The table. Order matters only for the order of the reported violations.
constexpr ReceiveCheck receive_checks[] = {
    network_copy_is_the_models_message, accepted_plaintext_was_sent_to_receiver,
    no_message_accepted_twice,          ratchet_step_sends_under_fresh_key,
    rejection_leaves_state_identical,   genuine_message_still_decrypts,
    delivery_within_limits_is_accepted, outcome_is_the_models,
    independent_oracle_agrees,          view_obeys_adversary_rule,
};

}  // namespace

void run_receive_checks(const ReceiveStep& step, const ReceiveLedger& ledger,
                        std::vector<Violation>& violations) {
    for (const ReceiveCheck check : receive_checks)
        check(step, ledger, violations);
}

}  // namespace ratchetcheck::harness
