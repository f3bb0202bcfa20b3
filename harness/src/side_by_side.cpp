// The side-by-side runner (side_by_side.hpp).
#include "ratchetcheck/harness/side_by_side.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/wire/protobuf.hpp"
#include "ratchetcheck/wire/signal_message.hpp"
#include "receive_step.hpp"

namespace ratchetcheck::harness {
namespace {

// The fixed public facts of every trace: registration ids, prekey ids, and the ids a forgery
// uses when it names "another" prekey.
constexpr std::array<std::uint32_t, 2> registration_ids = {1, 2};
constexpr std::uint32_t signed_prekey_id = 1;
constexpr std::uint32_t other_signed_prekey_id = 2;
constexpr std::uint32_t one_time_prekey_id = 7;
constexpr std::uint32_t other_one_time_prekey_id = 8;

std::string error_text(std::optional<Error> error) {
    return error ? std::string(error_name(*error)) : "none";
}

crypto::X25519Public seeded_public_key(std::uint64_t seed, std::string_view label,
                                       std::uint64_t counter) {
    crypto::X25519Private key;
    seeded_bytes(seed, label, counter, key.mutable_view());
    crypto::x25519_clamp(key.mutable_view());
    return crypto::x25519_public_key(key);
}

std::string op_summary(const Op& op) {
    return std::visit(
        [](const auto& value) -> std::string {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, SendOp>) {
                return fmt::format("send {} size {}", model::party_name(value.party), value.size);
            } else if constexpr (std::is_same_v<T, DeliverOp>) {
                return fmt::format("deliver {}", value.message);
            } else if constexpr (std::is_same_v<T, DuplicateOp>) {
                return fmt::format("duplicate {}", value.message);
            } else if constexpr (std::is_same_v<T, DropOp>) {
                return fmt::format("drop {}", value.message);
            } else if constexpr (std::is_same_v<T, TamperOp>) {
                return fmt::format("tamper {} byte {} mask 0x{:02x}", value.message, value.byte,
                                   value.mask);
            } else if constexpr (std::is_same_v<T, TruncateOp>) {
                return fmt::format("truncate {} to {} bytes mod size", value.message, value.length);
            } else if constexpr (std::is_same_v<T, ForgeOp>) {
                return fmt::format("forge to {}: {}", model::party_name(value.party),
                                   op_to_json(value));
            } else {
                return fmt::format("save_restore {}", model::party_name(value.party));
            }
        },
        op);
}

}  // namespace

const char* check_name(Check check) {
    switch (check) {
        case Check::model_agreement:
            return "model-agreement";
        case Check::no_message_accepted_twice:
            return "no-message-accepted-twice";
        case Check::delivery_within_limits:
            return "delivery-within-limits";
        case Check::rejection_changes_nothing:
            return "rejection-changes-nothing";
        case Check::save_restore_unobservable:
            return "save-restore-unobservable";
        case Check::stores_within_bounds:
            return "stores-within-bounds";
        case Check::fresh_ratchet_key:
            return "fresh-ratchet-key";
        case Check::expectation:
            return "expectation";
        case Check::adversary_rule:
            return "adversary-rule";
        case Check::independent_oracle:
            return "independent-oracle";
    }
    return "unknown";
}

bool StepReport::has(Check check) const {
    return std::any_of(violations.begin(), violations.end(),
                       [check](const Violation& violation) { return violation.check == check; });
}

std::string StepReport::outcome_label() const {
    switch (kind) {
        case Kind::sent:
            return model_verdict == model::Verdict::ok ? "sent"
                                                       : model::verdict_name(model_verdict);
        case Kind::received:
            return model_verdict == model::Verdict::ok ? "accepted"
                                                       : model::verdict_name(model_verdict);
        case Kind::network:
        case Kind::restored:
            return "done";
    }
    return "done";
}

std::string StepReport::implementation_label() const {
    return implementation.empty() || implementation == "ours"
               ? std::string("implementation")
               : fmt::format("implementation ({})", implementation);
}

std::string StepReport::native_suffix() const {
    return native_error.empty() || implementation.empty() || implementation == "ours"
               ? std::string()
               : ", " + native_error;
}

std::string StepReport::describe() const {
    std::string text = fmt::format("#{} {}", op_index, op_summary(op));
    if (!applicable)
        return text + ": not applicable (" + not_applicable_reason + ")";
    const auto model_message_text = [this] {
        return model_message ? fmt::format(" message {}", *model_message) : std::string();
    };
    switch (kind) {
        case Kind::sent:
            text += implementation_ok
                        ? fmt::format(": {} sent message {}", implementation_label(),
                                      sent_message.value_or(0))
                        : fmt::format(": {} failed ({}{})", implementation_label(),
                                      error_text(implementation_error), native_suffix());
            text += fmt::format("; model {}{}", outcome_label(), model_message_text());
            break;
        case Kind::received:
            text += fmt::format(" -> {}: {} ", model::party_name(actor), implementation_label());
            text +=
                implementation_ok
                    ? (plaintext_message ? fmt::format("accepted message {}", *plaintext_message)
                                         : std::string("accepted an unknown plaintext"))
                    : fmt::format("rejected ({}{})", error_text(implementation_error),
                                  native_suffix());
            text += fmt::format("; model {}{}", outcome_label(), model_message_text());
            break;
        case Kind::network:
            text += ": network";
            break;
        case Kind::restored:
            text += ": restored";
            break;
    }
    for (const Violation& violation : violations) {
        text += fmt::format("\n    !! [{}] {}", check_name(violation.check), violation.detail);
    }
    return text;
}

SideBySideRunner::SideBySideRunner(const TraceSetup& setup, const RunnerOptions& options)
    : setup_(setup),
      options_(options),
      profile_(profile_for(setup)),
      key_source_(std::make_unique<SeededKeySource>(setup.key_seed)),
      model_(setup.limits, options.variant, setup.one_time_prekey, model_rules_for(profile_)) {
    if (!options.model_agreement_only && IndependentOracle::applies(setup.limits))
        oracle_.emplace(setup.limits);
}

SideBySideRunner::~SideBySideRunner() = default;

std::variant<std::unique_ptr<SideBySideRunner>, std::string> SideBySideRunner::create(
    const TraceSetup& setup, const RunnerOptions& options) {
    if (auto problem = validate_setup(setup))
        return *problem;
    std::unique_ptr<SideBySideRunner> runner(new SideBySideRunner(setup, options));
    if (auto problem = runner->start())
        return *problem;
    return runner;
}

std::optional<std::string> SideBySideRunner::start() {
    // Seats are made Alice first, then Bob, so that our key source hands out the identities in
    // that order; then Bob's prekeys, then Alice's base and ratchet keys (X3DH §3.2, §3.3).
    for (const model::PartyId seat : {model::PartyId::alice, model::PartyId::bob}) {
        const EndpointContext context{.seat = seat,
                                      .registration_id = registration_ids[model::index_of(seat)],
                                      .setup = &setup_,
                                      .profile = &profile_,
                                      .keys = key_source_.get()};
        const EndpointFactory& factory = options_.seats[model::index_of(seat)];
        EndpointOrProblem made = factory ? factory(context) : make_party_endpoint(context);
        if (const auto* problem = std::get_if<std::string>(&made))
            return *problem;
        endpoints_[model::index_of(seat)] = std::move(std::get<std::unique_ptr<Endpoint>>(made));
    }
    Endpoint& alice = *endpoints_[model::index_of(model::PartyId::alice)];
    Endpoint& bob = *endpoints_[model::index_of(model::PartyId::bob)];

    std::optional<std::uint32_t> published_one_time_prekey;
    if (setup_.one_time_prekey)
        published_one_time_prekey = one_time_prekey_id;
    auto bundle = bob.publish_prekeys(signed_prekey_id, published_one_time_prekey);
    if (!bundle.ok())
        return fmt::format("Bob ({}) could not publish prekeys: {}", bob.implementation(),
                           bob.native_error());
    // Both seats pin each other's identity (no trust on first use), so a PreKeySignalMessage
    // with another identity is untrusted whatever the state.
    if (!alice.trust_peer(bob.identity_public_key()).ok() ||
        !bob.trust_peer(alice.identity_public_key()).ok()) {
        return std::string("a seat could not pin its peer's identity");
    }
    publics_.identity = {alice.identity_public_key(), bob.identity_public_key()};
    publics_.signed_prekey_id = signed_prekey_id;
    publics_.one_time_prekey_id = published_one_time_prekey;
    publics_.message_version = profile_.message_version;
    publics_.mac_bytes = profile_.mac_bytes;
    publics_.key_agreement = profile_.key_agreement;
    if (profile_.key_agreement == KeyAgreement::pqxdh) {
        if (!bundle.value().kyber_prekey)
            return fmt::format("Bob ({}) published a bundle without a Kyber prekey",
                               bob.implementation());
        published_kyber_prekey_id_ = bundle.value().kyber_prekey->id;
    }

    // The signed prekey is Bob's first ratchet key: epoch 0 (DR §3.3 RatchetInitBob).
    epochs_.assign(bundle.value().signed_prekey.u);
    sending_keys_seen_.insert(bundle.value().signed_prekey.u);
    if (!alice.initiate_session(bundle.value()).ok()) {
        return fmt::format("Alice's ({}) initiate_session failed: {}", alice.implementation(),
                           alice.native_error());
    }
    const auto base_key = alice.session_base_key();
    if (!base_key)
        return std::string("Alice has no session after initiate_session");
    publics_.genuine_base_key = BasePublicKey{*base_key};
    StepReport initial;
    check_after_step(initial);
    if (!initial.violations.empty()) {
        return "the initial state diverges from the model: " + initial.violations.front().detail;
    }
    return std::nullopt;
}

void SideBySideRunner::record_new_epochs() {
    // Epochs number ratchet keys in generation order. Our seats draw every key from the shared
    // key source, whose log also shows a key generated and never installed; another
    // implementation's new keys are seen as its sending ratchet key changes. One op changes at
    // most one seat, so the two sources never race.
    const auto& issued = key_source_->issued();
    for (; issued_seen_ < issued.size(); ++issued_seen_) {
        if (issued[issued_seen_].role == KeyRole::ratchet)
            epochs_.assign(issued[issued_seen_].public_key);
    }
    for (const auto& endpoint : endpoints_) {
        if (const auto key = endpoint->sending_ratchet_key())
            epochs_.assign(*key);
    }
}

Bytes SideBySideRunner::plaintext_for(std::size_t message, std::uint32_t size) const {
    // The message number first, so an accepted plaintext says which message it is; then filler.
    Bytes plaintext;
    plaintext.reserve(4 + size);
    for (int shift = 24; shift >= 0; shift -= 8)
        plaintext.push_back(static_cast<std::uint8_t>(message >> shift));
    for (std::uint32_t index = 0; index < size; ++index) {
        plaintext.push_back(static_cast<std::uint8_t>(message * 131 + std::size_t{index} * 7));
    }
    return plaintext;
}

std::optional<std::size_t> SideBySideRunner::first_deliverable_to(model::PartyId party) const {
    for (std::size_t index = 0; index < model_.messages().size() && index < genuine_.size();
         ++index) {
        if (model_.recipient(index) == party && model_.can_deliver(index) &&
            model_.deliverable(index)) {
            return index;
        }
    }
    return std::nullopt;
}

std::optional<std::size_t> SideBySideRunner::genuine_after_rejection(std::size_t message) const {
    if (options_.model_agreement_only)
        return std::nullopt;
    return message;
}

StepReport SideBySideRunner::step(const Op& op) {
    StepReport report;
    report.op = op;
    report.op_index = applied_ops_.size();
    const auto not_applicable = [&report](std::string reason) {
        report.applicable = false;
        report.not_applicable_reason = std::move(reason);
    };
    const auto sent = [this](std::uint32_t message) {
        return message < genuine_.size() && message < model_.messages().size();
    };
    std::visit(
        [&](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, SendOp>) {
                run_send(value, report);
            } else if constexpr (std::is_same_v<T, DeliverOp>) {
                if (!sent(value.message) || !model_.can_deliver(value.message)) {
                    return not_applicable(
                        fmt::format("message {} has no copy in flight", value.message));
                }
                const GenuineMessage& message = genuine_[value.message];
                run_receive(model_.recipient(value.message), message.type, message.bytes, report,
                            value.message, std::nullopt);
            } else if constexpr (std::is_same_v<T, DuplicateOp>) {
                if (!sent(value.message))
                    return not_applicable(fmt::format("message {} was not sent", value.message));
                model_.duplicate(value.message);
            } else if constexpr (std::is_same_v<T, DropOp>) {
                if (!sent(value.message) || !model_.can_drop(value.message)) {
                    return not_applicable(
                        fmt::format("message {} has no copy in flight", value.message));
                }
                model_.drop(value.message);
            } else if constexpr (std::is_same_v<T, TamperOp>) {
                if (!sent(value.message))
                    return not_applicable(fmt::format("message {} was not sent", value.message));
                const GenuineMessage& message = genuine_[value.message];
                Bytes tampered = message.bytes;
                tampered[value.byte % tampered.size()] ^= value.mask;
                run_receive(model_.recipient(value.message), message.type, tampered, report,
                            std::nullopt, genuine_after_rejection(value.message));
            } else if constexpr (std::is_same_v<T, TruncateOp>) {
                if (!sent(value.message))
                    return not_applicable(fmt::format("message {} was not sent", value.message));
                const GenuineMessage& message = genuine_[value.message];
                const ByteView prefix =
                    ByteView(message.bytes).first(value.length % message.bytes.size());
                ++statistics_.truncations;
                run_receive(model_.recipient(value.message), message.type, prefix, report,
                            std::nullopt, genuine_after_rejection(value.message));
            } else if constexpr (std::is_same_v<T, ForgeOp>) {
                if (value.ratchet_key.kind == ForgedKey::Kind::epoch &&
                    value.ratchet_key.epoch >= epochs_.next_epoch()) {
                    return not_applicable(
                        fmt::format("epoch {} does not exist yet", value.ratchet_key.epoch));
                }
                const Bytes forged = forge(value);
                run_receive(
                    value.party,
                    value.prekey ? MessageType::prekey_message : MessageType::signal_message,
                    forged, report, std::nullopt,
                    options_.model_agreement_only ? std::nullopt
                                                  : first_deliverable_to(value.party));
            } else if constexpr (std::is_same_v<T, SaveRestoreOp>) {
                run_save_restore(value, report);
            }
        },
        op);
    if (!report.applicable)
        return report;
    check_after_step(report);
    if (options_.model_agreement_only) {
        // What is left of the other checks ran on partial data (no snapshots, no oracle): drop it.
        std::erase_if(report.violations, [](const Violation& violation) {
            return violation.check != Check::model_agreement;
        });
    }
    applied_ops_.push_back(op);
    outcome_labels_.push_back(report.outcome_label());
    ++statistics_.ops;
    return report;
}

void SideBySideRunner::run_send(const SendOp& op, StepReport& report) {
    report.kind = StepReport::Kind::sent;
    report.actor = op.party;
    Endpoint& endpoint = *endpoints_[model::index_of(op.party)];
    report.implementation = endpoint.implementation();
    const std::size_t number = genuine_.size();
    const Bytes plaintext = plaintext_for(number, op.size);
    auto sent = endpoint.encrypt(plaintext);
    const model::System::SendResult predicted = model_.send(op.party, op.size);
    report.model_verdict = predicted.verdict;
    report.model_message = predicted.message;
    report.implementation_ok = sent.ok();
    ++statistics_.sends;
    if (!sent.ok()) {
        report.implementation_error = sent.error();
        report.native_error = endpoint.native_error();
    }

    const bool model_ok = predicted.verdict == model::Verdict::ok;
    if (sent.ok() != model_ok) {
        report.violations.push_back(
            {Check::model_agreement,
             fmt::format("implementation {}, model {}",
                         sent.ok() ? "sent" : error_text(report.implementation_error),
                         model::verdict_name(predicted.verdict))});
    }
    if (oracle_ && sent.ok() != oracle_->can_send(op.party)) {
        report.violations.push_back(
            {Check::independent_oracle,
             fmt::format("implementation {}, the oracle says {} {} a session to send with",
                         sent.ok() ? "sent" : "could not send", model::party_name(op.party),
                         oracle_->can_send(op.party) ? "has" : "has no")});
    }
    if (!sent.ok()) {
        if (!model_ok && sent.error() != Error::no_session) {
            report.violations.push_back(
                {Check::model_agreement,
                 fmt::format("implementation failed with {}, model no_session",
                             error_name(sent.error()))});
        }
        return;
    }
    OutgoingMessage& message = sent.value();
    auto signal_bytes = signal_message_bytes(message.type, message.bytes, profile_);
    genuine_.push_back(
        GenuineMessage{op.party, message.type, message.bytes, signal_bytes.value_or(Bytes{})});
    plaintext_sizes_.push_back(op.size);
    report.sent_message = number;
    if (oracle_) {
        const IndependentOracle::Message& expected = oracle_->send(op.party, number);
        if (expected.type != message.type) {
            report.violations.push_back(
                {Check::independent_oracle,
                 fmt::format("sent a type-{} message, the oracle expects type {}",
                             static_cast<int>(message.type), static_cast<int>(expected.type))});
        }
    }
    if (!model_ok)
        return;

    // The header as sent must be the model's (DR §3.4: HEADER(DHs, PN, Ns)). A new sending key
    // is numbered here if the implementation only shows it on the wire.
    record_new_epochs();
    const model::ConcreteHeader& header = model_.messages()[*predicted.message].header;
    std::string problem;
    if (*predicted.message != number) {
        problem =
            fmt::format("implementation ledger index {}, model {}", number, *predicted.message);
    } else if ((message.type == MessageType::prekey_message) != header.is_prekey) {
        problem =
            fmt::format("sent a {} message, model says {}",
                        message.type == MessageType::prekey_message ? "PreKeySignal" : "Signal",
                        header.is_prekey ? "PreKeySignal" : "Signal");
    } else if (!signal_bytes) {
        problem = "the sent message does not parse";
    } else {
        auto parsed =
            wire::parse_signal_message(*signal_bytes, profile_.message_version, profile_.mac_bytes);
        if (!parsed.ok()) {
            problem = "the sent SignalMessage does not parse";
        } else {
            const auto epoch = epochs_.epoch_of(parsed.value().ratchet_key.u);
            if (!epoch || *epoch != header.epoch || parsed.value().counter != header.counter ||
                parsed.value().previous_counter != header.previous_counter) {
                problem =
                    fmt::format("header (epoch {}, N {}, PN {}), model (epoch {}, N {}, PN {})",
                                epoch ? std::to_string(*epoch) : "none", parsed.value().counter,
                                parsed.value().previous_counter, header.epoch, header.counter,
                                header.previous_counter);
            }
        }
    }
    if (!problem.empty())
        report.violations.push_back({Check::model_agreement, std::move(problem)});
}

// Predict: α of the input, the model's transition, and (for a genuine delivery) the oracle.
void SideBySideRunner::predict_receive(ReceiveStep& step) {
    if (profile_.key_agreement == KeyAgreement::pqxdh) {
        // What α needs of the Kyber prekeys (abstraction.hpp, Publics). The model has no Kyber
        // prekey (issue 25), so whether Bob still holds his one-time one is told by the model's
        // own state: it goes with the first PreKeySignalMessage Bob accepts, which is the one that
        // gives him his (only) session, as every genuine PreKeySignalMessage names the bundle's
        // Kyber prekey.
        const bool bob_has_session = model_.party(model::PartyId::bob).has_session;
        publics_.receiver_has_session = model_.party(step.receiver).has_session;
        publics_.held_kyber_prekey_ids = {last_resort_kyber_prekey_id};
        if (published_kyber_prekey_id_ == one_time_kyber_prekey_id && !bob_has_session)
            publics_.held_kyber_prekey_ids.push_back(one_time_kyber_prekey_id);
        if (step.receiver != model::PartyId::bob)
            publics_.held_kyber_prekey_ids.clear();  // Alice publishes no prekeys
    }
    step.abstract =
        abstract_message(step.type, step.bytes, step.receiver, epochs_, publics_, genuine_);
    step.model_before = model_.party(step.receiver);
    if (!options_.model_agreement_only)
        step.view_well_formed = model_.well_formed(step.receiver, step.abstract.view);
    if (step.genuine_after_rejection) {
        step.genuine_after_rejection_deliverable =
            *step.genuine_after_rejection < model_.messages().size() &&
            model_.deliverable(*step.genuine_after_rejection);
    }
    if (step.network_message) {
        const std::size_t message = *step.network_message;
        step.genuine_view = model_.genuine_view_of(message);
        if (oracle_ && oracle_->has_message(message))
            step.oracle_expected = oracle_->expect(message);
        step.predicted = model_.deliver(message);
        // model::deliverable is the verdict of this very receive on the world before it, so the
        // delivery's own verdict answers it without a second run of the transition.
        step.deliverable = step.predicted.verdict == model::Verdict::ok;
    } else {
        step.predicted = model_.inject(step.receiver, step.abstract.view);
    }
    step.model_after = model_.party(step.receiver);
}

// Execute: the receiving endpoint decrypts; its state is captured before and after.
void SideBySideRunner::execute_receive(ReceiveStep& step, StepReport& report) {
    Endpoint& endpoint = *step.endpoint;
    report.implementation = endpoint.implementation();
    // The states around the decrypt are for the implementation's own checks (a rejection changes
    // nothing, a ratchet step sends under a fresh key); a model-agreement-only run has none.
    const bool capture_states = !options_.model_agreement_only;
    if (capture_states) {
        step.snapshot_before = endpoint.snapshot();
        if (const Party* party = endpoint.party())
            step.view_before = party->view();
    }
    auto decrypted = endpoint.decrypt(step.type, step.bytes);
    if (capture_states) {
        step.snapshot_after = endpoint.snapshot();
        if (const Party* party = endpoint.party())
            step.view_after = party->view();
    }
    step.accepted = decrypted.ok();
    if (!decrypted.ok()) {
        step.error = decrypted.error();
        report.native_error = endpoint.native_error();
    } else {
        step.plaintext = std::move(decrypted).value();
        // Which genuine message the plaintext is: its first four bytes name it, the rest must
        // match, and it must have been sent to this receiver.
        if (step.plaintext.size() >= 4) {
            const std::size_t candidate =
                (std::size_t{step.plaintext[0]} << 24) | (std::size_t{step.plaintext[1]} << 16) |
                (std::size_t{step.plaintext[2]} << 8) | std::size_t{step.plaintext[3]};
            if (candidate < genuine_.size() &&
                model::peer_of(genuine_[candidate].sender) == step.receiver) {
                const Bytes expected = plaintext_for(candidate, plaintext_sizes_[candidate]);
                if (std::equal(step.plaintext.begin(), step.plaintext.end(), expected.begin(),
                               expected.end())) {
                    step.plaintext_message = candidate;
                }
            }
        }
    }
    // α has parsed the message already: its ratchet key is the key of the epoch it names.
    if (step.abstract.view.key_known)
        step.message_ratchet_key = epochs_.key_of(step.abstract.view.epoch);
    report.implementation_ok = step.accepted;
    report.implementation_error = step.error;
    report.plaintext_message = step.plaintext_message;
}

void SideBySideRunner::run_receive(model::PartyId receiver, MessageType type, ByteView bytes,
                                   StepReport& report, std::optional<std::size_t> network_message,
                                   std::optional<std::size_t> genuine_after_rejection) {
    report.kind = StepReport::Kind::received;
    report.actor = receiver;
    ReceiveStep step;
    step.receiver = receiver;
    step.type = type;
    step.bytes = bytes;
    step.network_message = network_message;
    step.genuine_after_rejection = genuine_after_rejection;
    step.endpoint = endpoints_[model::index_of(receiver)].get();

    predict_receive(step);
    report.model_verdict = step.predicted.verdict;
    report.model_message = step.predicted.accepted_message;
    report.model_view = network_message ? step.genuine_view : step.abstract.view;
    execute_receive(step, report);

    const std::function<Bytes(std::size_t)> plaintext_of = [this](std::size_t message) {
        return plaintext_for(message, plaintext_sizes_[message]);
    };
    const ReceiveLedger ledger{.genuine = genuine_,
                               .plaintext_of = plaintext_of,
                               .accepted = accepted_by_implementation_,
                               .message_keys_used = message_keys_used_,
                               .sending_keys_seen = sending_keys_seen_,
                               .oracle = oracle_ ? &*oracle_ : nullptr};
    run_receive_checks(step, ledger, report.violations);
    count_receive(step, statistics_);

    // Update the ledger with what this step accepted.
    if (network_message && step.deliverable)
        delivered_within_limits_.insert(*network_message);
    if (step.accepted) {
        if (step.plaintext_message)
            accepted_by_implementation_.insert(*step.plaintext_message);
        if (step.abstract.view.key_known)
            message_keys_used_.emplace(step.abstract.view.epoch, step.abstract.view.counter);
        if (oracle_ && step.plaintext_message && oracle_->has_message(*step.plaintext_message) &&
            oracle_->expect(*step.plaintext_message) == ExpectedDelivery::accept) {
            oracle_->accept(*step.plaintext_message);
        }
    }
}

void SideBySideRunner::run_save_restore(const SaveRestoreOp& op, StepReport& report) {
    report.kind = StepReport::Kind::restored;
    report.actor = op.party;
    Endpoint& endpoint = *endpoints_[model::index_of(op.party)];
    report.implementation = endpoint.implementation();
    model_.save_restore(op.party);
    if (options_.skip_save_restore)
        return;
    ++statistics_.save_restores;
    if (auto problem = endpoint.save_restore())
        report.violations.push_back({Check::save_restore_unobservable, *problem});
}

Bytes SideBySideRunner::forge(const ForgeOp& op) const {
    const std::uint64_t stream = applied_ops_.size();
    const std::uint64_t seed = setup_.key_seed;
    Bytes key_bytes(serialized_public_key_bytes, 0);
    key_bytes[0] = djb_key_type;
    switch (op.ratchet_key.kind) {
        case ForgedKey::Kind::epoch: {
            const crypto::X25519Public key = epochs_.key_of(op.ratchet_key.epoch).value();
            std::copy(key.begin(), key.end(), key_bytes.begin() + 1);
            break;
        }
        case ForgedKey::Kind::fresh: {
            const crypto::X25519Public key = seeded_public_key(seed, "forge-ratchet-key", stream);
            std::copy(key.begin(), key.end(), key_bytes.begin() + 1);
            break;
        }
        case ForgedKey::Kind::invalid:
            key_bytes[0] = djb_key_type + 1;
            seeded_bytes(seed, "forge-invalid-key", stream, std::span(key_bytes).subspan(1));
            break;
        case ForgedKey::Kind::low_order:
            break;  // u = 0 has order 1
    }
    Bytes ciphertext(std::size_t{16} * op.ciphertext_blocks);
    seeded_bytes(seed, "forge-ciphertext", stream, ciphertext);
    // Any header fields the adversary likes (wire::SignalMessageFields can express invalid keys).
    Bytes signal = wire::encode_signal_message_fields({.version_byte = wire::version_byte(profile_),
                                                       .ratchet_key = key_bytes,
                                                       .counter = op.counter,
                                                       .previous_counter = op.previous_counter,
                                                       .ciphertext = ciphertext});
    std::array<std::uint8_t, wire::signal_mac_bytes> mac{};
    seeded_bytes(seed, "forge-mac", stream, mac);
    signal.insert(signal.end(), mac.begin(), mac.end());
    if (!op.prekey)
        return signal;

    const model::PartyId claimed_sender = model::peer_of(op.party);
    const BasePublicKey base_key =
        op.base_key == ForgeOp::Choice::genuine
            ? publics_.genuine_base_key
            : BasePublicKey{seeded_public_key(seed, "forge-base-key", stream)};
    const IdentityPublicKey identity =
        op.identity == ForgeOp::Choice::genuine
            ? publics_.identity[model::index_of(claimed_sender)]
            : IdentityPublicKey{seeded_public_key(seed, "forge-identity", stream)};
    std::optional<std::uint32_t> one_time;
    switch (op.one_time_prekey_id) {
        case ForgeOp::OneTimePreKey::genuine:
            one_time = publics_.one_time_prekey_id;
            break;
        case ForgeOp::OneTimePreKey::absent:
            break;
        case ForgeOp::OneTimePreKey::other:
            one_time = other_one_time_prekey_id;
            break;
    }
    // signal-v4-pqxdh: the bundle's Kyber prekey id and a random ciphertext (implicit rejection
    // makes it decapsulate to some secret, so the message fails its MAC like any forgery).
    std::optional<crypto::KyberCiphertext> kyber_ciphertext;
    std::optional<wire::KyberPreKeyReference> kyber;
    if (profile_.key_agreement == KeyAgreement::pqxdh) {
        std::array<std::uint8_t, crypto::kyber1024_ciphertext_bytes> random{};
        seeded_bytes(seed, "forge-kyber-ciphertext", stream, random);
        kyber_ciphertext.emplace(random);
        kyber = wire::KyberPreKeyReference{published_kyber_prekey_id_, &*kyber_ciphertext};
    }
    return wire::serialize_prekey_signal_message(
        wire::version_byte(profile_), one_time,
        op.signed_prekey_id == ForgeOp::Choice::genuine ? signed_prekey_id : other_signed_prekey_id,
        base_key, identity, registration_ids[model::index_of(claimed_sender)], signal, kyber);
}

void SideBySideRunner::check_bounds(model::PartyId which, const StateView& view,
                                    StepReport& report) const {
    const auto check_session = [&](const SessionView& session, const char* label) {
        if (session.receiving_chains.size() > profile_.max_receiving_chains) {
            report.violations.push_back(
                {Check::stores_within_bounds,
                 fmt::format("{}: {} {} receiving chains, bound {}", model::party_name(which),
                             label, session.receiving_chains.size(),
                             profile_.max_receiving_chains)});
        }
        std::size_t total = 0;
        for (const ReceivingChainView& chain : session.receiving_chains) {
            total += chain.skipped.size();
            if (chain.skipped.size() > profile_.max_skipped_keys_per_chain) {
                report.violations.push_back(
                    {Check::stores_within_bounds,
                     fmt::format("{}: {} chain with {} skipped keys, bound {}",
                                 model::party_name(which), label, chain.skipped.size(),
                                 profile_.max_skipped_keys_per_chain)});
            }
            const bool ordered = std::is_sorted(chain.skipped.begin(), chain.skipped.end()) &&
                                 std::adjacent_find(chain.skipped.begin(), chain.skipped.end()) ==
                                     chain.skipped.end() &&
                                 (chain.skipped.empty() || chain.skipped.back() < chain.next_index);
            if (!ordered) {
                report.violations.push_back(
                    {Check::stores_within_bounds,
                     fmt::format("{}: {} chain's skipped counters are not distinct and "
                                 "below its next index",
                                 model::party_name(which), label)});
            }
        }
        if (total > profile_.max_skipped_keys_total) {
            report.violations.push_back(
                {Check::stores_within_bounds,
                 fmt::format("{}: {} {} skipped keys in total, bound {}", model::party_name(which),
                             label, total, profile_.max_skipped_keys_total)});
        }
    };
    if (view.current)
        check_session(*view.current, "current session:");
    for (const SessionView& session : view.archived)
        check_session(session, "archived session:");
    if (view.archived.size() > profile_.max_archived_sessions) {
        report.violations.push_back(
            {Check::stores_within_bounds,
             fmt::format("{}: {} archived sessions, bound {}", model::party_name(which),
                         view.archived.size(), profile_.max_archived_sessions)});
    }
}

void SideBySideRunner::check_after_step(StepReport& report) {
    record_new_epochs();
    for (const model::PartyId which : {model::PartyId::alice, model::PartyId::bob}) {
        const Endpoint& endpoint = *endpoints_[model::index_of(which)];
        if (const auto key = endpoint.sending_ratchet_key(); key && !options_.model_agreement_only)
            sending_keys_seen_.insert(*key);
        const Party* party = endpoint.party();
        if (party == nullptr)
            continue;  // α needs our StateView; the outcomes and headers are still compared
        const StateView view = party->view();
        auto abstracted =
            abstract_party(view, epochs_, publics_, setup_.limits.max_receiving_chains);
        if (const auto* problem = std::get_if<std::string>(&abstracted)) {
            report.violations.push_back(
                {Check::model_agreement,
                 fmt::format("α({}) is undefined: {}", model::party_name(which), *problem)});
        } else if (!model::same_observable_state(std::get<model::ConcreteParty>(abstracted),
                                                 model_.party(which))) {
            report.violations.push_back(
                {Check::model_agreement,
                 fmt::format("α({}) = {}\n       model = {}", model::party_name(which),
                             model::describe(std::get<model::ConcreteParty>(abstracted)),
                             model::describe(model_.party(which)))});
        }
        if (!options_.model_agreement_only)
            check_bounds(which, view, report);
    }
    if (epochs_.next_epoch() != model_.world().next_epoch) {
        report.violations.push_back(
            {Check::model_agreement,
             fmt::format("the implementations have generated {} ratchet key pairs, the model {}",
                         epochs_.next_epoch() - 1, model_.world().next_epoch - 1)});
    }
}

OpTrace SideBySideRunner::trace() const {
    OpTrace trace;
    trace.setup = setup_;
    trace.ops = applied_ops_;
    trace.expectations.assign(outcome_labels_.begin(), outcome_labels_.end());
    return trace;
}

std::optional<std::string> run_trace(const OpTrace& trace, const RunnerOptions& options,
                                     const std::function<bool(const StepReport&)>& on_step) {
    auto created = SideBySideRunner::create(trace.setup, options);
    if (const auto* problem = std::get_if<std::string>(&created))
        return "setup: " + *problem;
    SideBySideRunner& runner = *std::get<std::unique_ptr<SideBySideRunner>>(created);
    for (std::size_t index = 0; index < trace.ops.size(); ++index) {
        StepReport report = runner.step(trace.ops[index]);
        if (!report.applicable) {
            return fmt::format("op {} ({}) is not applicable: {}", index, op_name(trace.ops[index]),
                               report.not_applicable_reason);
        }
        if (index < trace.expectations.size() && trace.expectations[index] &&
            *trace.expectations[index] != report.outcome_label()) {
            report.violations.push_back(
                {Check::expectation,
                 fmt::format("the trace expects \"{}\", the model now predicts \"{}\"",
                             *trace.expectations[index], report.outcome_label())});
        }
        if (!on_step(report))
            break;
    }
    return std::nullopt;
}

Op without_known_gaps(const SideBySideRunner& runner, Op op) {
    auto* tamper = std::get_if<TamperOp>(&op);
    if (tamper == nullptr || tamper->message >= runner.messages_sent())
        return op;
    const GenuineMessage& message = runner.genuine_messages()[tamper->message];
    if (message.type != MessageType::prekey_message || message.bytes.empty())
        return op;
    // The base key is field 2 of the PreKeySignalMessage: tag 0x12, length 33, 0x05 || u; its
    // last byte holds the bit X25519 ignores. Found by its bytes, as the layout varies with the
    // optional one-time prekey id.
    const std::uint8_t base_key_header[] = {0x12, 0x21, 0x05};
    const auto found = std::search(message.bytes.begin(), message.bytes.end(),
                                   std::begin(base_key_header), std::end(base_key_header));
    if (found == message.bytes.end())
        return op;
    const auto last_byte =
        static_cast<std::size_t>(found - message.bytes.begin()) + sizeof base_key_header + 31;
    if (tamper->byte % message.bytes.size() == last_byte) {
        tamper->mask = static_cast<std::uint8_t>(tamper->mask & 0x7f);
        if (tamper->mask == 0)
            tamper->mask = 0x01;
    }
    return op;
}

}  // namespace ratchetcheck::harness
