// The side-by-side runner (side_by_side.hpp).
#include "ratchetcheck/harness/side_by_side.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ratchetcheck/crypto/xeddsa.hpp"
#include "ratchetcheck/wire/protobuf.hpp"
#include "ratchetcheck/wire/signal_message.hpp"

namespace ratchetcheck::harness {
namespace {

// The fixed public facts of every trace: registration ids, prekey ids, and the ids a forgery
// uses when it names "another" prekey.
constexpr std::array<std::uint32_t, 2> registration_ids = {1, 2};
constexpr std::uint32_t signed_prekey_id = 1;
constexpr std::uint32_t other_signed_prekey_id = 2;
constexpr std::uint32_t one_time_prekey_id = 7;
constexpr std::uint32_t other_one_time_prekey_id = 8;
constexpr std::uint8_t version_byte = 0x33;  // signal-v3: message version 3, highest supported 3

// Field numbers of WhisperTextProtocol.proto's SignalMessage (SCHEMA.md §6.4).
constexpr std::uint32_t field_ratchet_key = 1;
constexpr std::uint32_t field_counter = 2;
constexpr std::uint32_t field_previous_counter = 3;
constexpr std::uint32_t field_ciphertext = 4;

std::string error_text(std::optional<Error> error) {
    return error ? std::string(error_name(*error)) : "none";
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

std::string StepReport::describe() const {
    std::string text = fmt::format("#{} {}", op_index, op_summary(op));
    if (!applicable)
        return text + ": not applicable (" + not_applicable_reason + ")";
    const auto model_message_text = [this] {
        return model_message ? fmt::format(" message {}", *model_message) : std::string();
    };
    switch (kind) {
        case Kind::sent:
            text +=
                implementation_ok
                    ? fmt::format(": implementation sent message {}", sent_message.value_or(0))
                    : fmt::format(": implementation failed ({})", error_text(implementation_error));
            text += fmt::format("; model {}{}", outcome_label(), model_message_text());
            break;
        case Kind::received:
            text += fmt::format(" -> {}: implementation ", model::party_name(actor));
            text +=
                implementation_ok
                    ? (plaintext_message ? fmt::format("accepted message {}", *plaintext_message)
                                         : std::string("accepted an unknown plaintext"))
                    : fmt::format("rejected ({})", error_text(implementation_error));
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
      model_(setup.limits, options.variant, setup.one_time_prekey) {}

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
    SeededKeySource& keys = *key_source_;
    auto alice_identity = generate_identity_key_pair(keys);
    auto bob_identity = generate_identity_key_pair(keys);
    auto signed_prekey_private = keys.next_private_key(KeyRole::signed_prekey);
    if (!alice_identity.ok() || !bob_identity.ok() || !signed_prekey_private.ok()) {
        return std::string("the key source failed");
    }
    // X3DH §3.2: Bob signs his signed prekey; the signature's randomness comes from the seed so
    // that the serialized state is a function of the trace.
    SignedPreKeyRecord signed_prekey{
        signed_prekey_id,
        KeyPair<role::SignedPreKey>::from_private(std::move(signed_prekey_private).value()),
        {}};
    std::array<std::uint8_t, crypto::xeddsa_nonce_bytes> signature_randomness{};
    seeded_bytes(setup_.key_seed, "signature", 0, signature_randomness);
    signed_prekey.signature =
        crypto::xeddsa_sign(bob_identity.value().private_key,
                            signed_prekey.key_pair.public_key.serialize(), signature_randomness);
    std::optional<OneTimePreKeyRecord> one_time_prekey;
    if (setup_.one_time_prekey) {
        auto generated = generate_one_time_prekey(one_time_prekey_id, keys);
        if (!generated.ok())
            return std::string("the key source failed");
        one_time_prekey = std::move(generated).value();
    }

    const IdentityPublicKey alice_public = alice_identity.value().public_key;
    const IdentityPublicKey bob_public = bob_identity.value().public_key;
    publics_.identity = {alice_public, bob_public};
    publics_.signed_prekey_id = signed_prekey_id;
    if (one_time_prekey)
        publics_.one_time_prekey_id = one_time_prekey_id;

    // Both parties pin each other's identity (no trust on first use), so a PreKeySignalMessage
    // with another identity is untrusted whatever the state.
    parties_[model::index_of(model::Party::alice)] = std::make_unique<Party>(
        std::move(alice_identity).value(), registration_ids[0], bob_public, keys, profile_);
    parties_[model::index_of(model::Party::bob)] = std::make_unique<Party>(
        std::move(bob_identity).value(), registration_ids[1], alice_public, keys, profile_);
    Party& alice = *parties_[model::index_of(model::Party::alice)];
    Party& bob = *parties_[model::index_of(model::Party::bob)];

    PreKeyBundle bundle;
    bundle.registration_id = registration_ids[1];
    bundle.device_id = 1;
    bundle.identity_key = bob_public;
    bundle.signed_prekey_id = signed_prekey.id;
    bundle.signed_prekey = signed_prekey.key_pair.public_key;
    bundle.signed_prekey_signature = signed_prekey.signature;
    if (one_time_prekey) {
        bundle.one_time_prekey =
            PreKeyBundle::OneTimePreKey{one_time_prekey->id, one_time_prekey->key_pair.public_key};
    }
    // The signed prekey is Bob's first ratchet key: epoch 0 (DR §3.3 RatchetInitBob).
    epochs_.assign(signed_prekey.key_pair.public_key.u);
    sending_keys_seen_.insert(signed_prekey.key_pair.public_key.u);
    bob.add_signed_prekey(std::move(signed_prekey));
    if (one_time_prekey)
        bob.add_one_time_prekey(std::move(*one_time_prekey));

    if (auto started = alice.initiate_session(bundle); !started.ok()) {
        return fmt::format("Alice's initiate_session failed: {}", error_name(started.error()));
    }
    for (const SeededKeySource::Issued& issued : keys.issued()) {
        if (issued.role == KeyRole::base)
            publics_.genuine_base_key = BasePublicKey{issued.public_key};
    }
    StepReport initial;
    check_after_step(initial);
    if (!initial.violations.empty()) {
        return "the initial state diverges from the model: " + initial.violations.front().detail;
    }
    return std::nullopt;
}

void SideBySideRunner::record_new_epochs() {
    const auto& issued = key_source_->issued();
    for (; issued_seen_ < issued.size(); ++issued_seen_) {
        if (issued[issued_seen_].role == KeyRole::ratchet)
            epochs_.assign(issued[issued_seen_].public_key);
    }
}

Bytes SideBySideRunner::plaintext_for(std::size_t message, std::uint32_t size) const {
    // The message number first, so an accepted plaintext says which message it is; then filler.
    Bytes plaintext;
    plaintext.reserve(4 + size);
    for (int shift = 24; shift >= 0; shift -= 8)
        plaintext.push_back(static_cast<std::uint8_t>(message >> shift));
    for (std::uint32_t index = 0; index < size; ++index) {
        plaintext.push_back(static_cast<std::uint8_t>(message * 131 + index * 7));
    }
    return plaintext;
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
                            std::nullopt, value.message);
            } else if constexpr (std::is_same_v<T, ForgeOp>) {
                if (value.ratchet_key.kind == ForgedKey::Kind::epoch &&
                    value.ratchet_key.epoch >= epochs_.next_epoch()) {
                    return not_applicable(
                        fmt::format("epoch {} does not exist yet", value.ratchet_key.epoch));
                }
                // The genuine message to check afterwards: the first one in flight to this party
                // that would be accepted.
                std::optional<std::size_t> genuine_candidate;
                for (std::size_t index = 0;
                     index < model_.messages().size() && index < genuine_.size(); ++index) {
                    if (model_.recipient(index) == value.party && model_.can_deliver(index) &&
                        model_.deliverable(index)) {
                        genuine_candidate = index;
                        break;
                    }
                }
                const Bytes forged = forge(value);
                run_receive(
                    value.party,
                    value.prekey ? MessageType::prekey_message : MessageType::signal_message,
                    forged, report, std::nullopt, genuine_candidate);
            } else if constexpr (std::is_same_v<T, SaveRestoreOp>) {
                run_save_restore(value, report);
            }
        },
        op);
    if (!report.applicable)
        return report;
    check_after_step(report);
    applied_ops_.push_back(op);
    outcome_labels_.push_back(report.outcome_label());
    ++statistics_.ops;
    return report;
}

void SideBySideRunner::run_send(const SendOp& op, StepReport& report) {
    report.kind = StepReport::Kind::sent;
    report.actor = op.party;
    Party& party = *parties_[model::index_of(op.party)];
    const std::size_t number = genuine_.size();
    const Bytes plaintext = plaintext_for(number, op.size);
    auto sent = party.encrypt(plaintext);
    const model::System::SendResult predicted = model_.send(op.party, op.size);
    report.model_verdict = predicted.verdict;
    report.model_message = predicted.message;
    report.implementation_ok = sent.ok();
    ++statistics_.sends;
    if (!sent.ok())
        report.implementation_error = sent.error();

    const bool model_ok = predicted.verdict == model::Verdict::ok;
    if (sent.ok() != model_ok) {
        report.violations.push_back(
            {Check::model_agreement,
             fmt::format("implementation {}, model {}",
                         sent.ok() ? "sent" : error_text(report.implementation_error),
                         model::verdict_name(predicted.verdict))});
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
    auto signal_bytes = signal_message_bytes(message.type, message.bytes);
    genuine_.push_back(
        GenuineMessage{op.party, message.type, message.bytes, signal_bytes.value_or(Bytes{})});
    plaintext_sizes_.push_back(op.size);
    report.sent_message = number;
    if (!model_ok)
        return;

    // The header as sent must be the model's (DR §3.4: HEADER(DHs, PN, Ns)).
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
        auto parsed = wire::parse_signal_message(*signal_bytes, profile_.message_version);
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

void SideBySideRunner::run_receive(model::Party receiver, MessageType type, ByteView bytes,
                                   StepReport& report, std::optional<std::size_t> network_message,
                                   std::optional<std::size_t> genuine_after_rejection) {
    report.kind = StepReport::Kind::received;
    report.actor = receiver;
    Party& party = *parties_[model::index_of(receiver)];
    const AbstractMessage abstract =
        abstract_message(type, bytes, receiver, epochs_, publics_, genuine_);

    // The model's prediction.
    const model::ConcreteParty model_before = model_.party(receiver);
    bool deliverable = false;
    model::System::ReceiveResult predicted;
    if (network_message) {
        ++statistics_.deliveries;
        deliverable = model_.deliverable(*network_message);
        if (deliverable) {
            ++statistics_.deliveries_deliverable;
            delivered_within_limits_.insert(*network_message);
        }
        const model::ConcreteView expected = model_.genuine_view_of(*network_message);
        const model::ConcreteView& seen = abstract.view;
        if (!seen.parsed || !seen.authentic || seen.epoch != expected.epoch ||
            seen.counter != expected.counter || seen.is_prekey != expected.is_prekey ||
            abstract.genuine_message != network_message) {
            report.violations.push_back(
                {Check::model_agreement,
                 fmt::format("message {} as the receiver parses it is not the model's message",
                             *network_message)});
        }
        predicted = model_.deliver(*network_message);
    } else {
        predicted = model_.inject(receiver, abstract.view);
    }
    report.model_verdict = predicted.verdict;
    report.model_message = predicted.accepted_message;

    // The implementation.
    const SecureBytes state_before = party.serialize();
    const StateView view_before = party.view();
    auto decrypted = party.decrypt(type, bytes);
    report.implementation_ok = decrypted.ok();
    if (!decrypted.ok())
        report.implementation_error = decrypted.error();

    if (decrypted.ok()) {
        const SecureBytes& plaintext = decrypted.value();
        std::optional<std::size_t> number;
        if (plaintext.size() >= 4) {
            const std::size_t candidate =
                (std::size_t{plaintext[0]} << 24) | (std::size_t{plaintext[1]} << 16) |
                (std::size_t{plaintext[2]} << 8) | std::size_t{plaintext[3]};
            if (candidate < genuine_.size() &&
                model::peer_of(genuine_[candidate].sender) == receiver) {
                const Bytes expected = plaintext_for(candidate, plaintext_sizes_[candidate]);
                if (std::equal(plaintext.begin(), plaintext.end(), expected.begin(),
                               expected.end())) {
                    number = candidate;
                }
            }
        }
        report.plaintext_message = number;
        if (!number) {
            report.violations.push_back(
                {Check::model_agreement, "accepted a plaintext that was never sent to this party"});
        } else if (!accepted_by_implementation_.insert(*number).second) {
            report.violations.push_back(
                {Check::no_message_accepted_twice,
                 fmt::format("message {} was accepted a second time", *number)});
        }
        if (abstract.view.key_known &&
            !message_keys_used_.emplace(abstract.view.epoch, abstract.view.counter).second) {
            report.violations.push_back(
                {Check::no_message_accepted_twice,
                 fmt::format("the message key of (epoch {}, counter {}) decrypted a second time",
                             abstract.view.epoch, abstract.view.counter)});
        }
        // Healing: a message under a ratchet key the receiver has no chain for made it step its
        // DH ratchet; it must now send under a key never used before, from counter 0.
        auto parsed_key = [&]() -> std::optional<crypto::X25519Public> {
            auto signal = signal_message_bytes(type, bytes);
            if (!signal)
                return std::nullopt;
            auto parsed = wire::parse_signal_message(*signal, profile_.message_version);
            if (!parsed.ok())
                return std::nullopt;
            return parsed.value().ratchet_key.u;
        }();
        bool had_chain = false;
        if (view_before.current && parsed_key) {
            for (const ReceivingChainView& chain : view_before.current->receiving_chains) {
                if (chain.sender_ratchet_key.u == *parsed_key)
                    had_chain = true;
            }
        }
        const StateView view_after = party.view();
        if (!had_chain) {
            if (!view_after.current) {
                report.violations.push_back({Check::fresh_ratchet_key, "accepted, yet no session"});
            } else if (sending_keys_seen_.contains(view_after.current->sending_ratchet_key.u)) {
                report.violations.push_back({Check::fresh_ratchet_key,
                                             "after a message under a new peer ratchet key, the "
                                             "sending ratchet key is one used before"});
            } else if (view_after.current->sending_index != 0) {
                report.violations.push_back({Check::fresh_ratchet_key,
                                             fmt::format("after a DH ratchet step Ns is {}, not 0",
                                                         view_after.current->sending_index)});
            }
        }
    } else {
        const SecureBytes state_after = party.serialize();
        if (state_after != state_before) {
            report.violations.push_back(
                {Check::rejection_changes_nothing,
                 fmt::format("rejected ({}) but the serialized state changed",
                             error_name(decrypted.error()))});
        }
        // The genuine message is still accepted afterwards (tried on a restored copy, so the run
        // itself is not changed).
        if (genuine_after_rejection && model_.deliverable(*genuine_after_rejection) &&
            *genuine_after_rejection < genuine_.size()) {
            const std::size_t genuine_index = *genuine_after_rejection;
            SeededKeySource probe_keys(setup_.key_seed, "probe");
            auto copy = Party::deserialize(party.serialize(), probe_keys, profile_);
            std::optional<std::string> problem;
            if (!copy.ok()) {
                problem = fmt::format("the state does not reload ({})", error_name(copy.error()));
            } else {
                const GenuineMessage& message = genuine_[genuine_index];
                auto retried = copy.value().decrypt(message.type, message.bytes);
                const Bytes expected =
                    plaintext_for(genuine_index, plaintext_sizes_[genuine_index]);
                if (!retried.ok()) {
                    problem = fmt::format("the genuine message {} is now rejected ({})",
                                          genuine_index, error_name(retried.error()));
                } else if (!std::equal(retried.value().begin(), retried.value().end(),
                                       expected.begin(), expected.end())) {
                    problem = fmt::format(
                        "the genuine message {} now decrypts to another plaintext", genuine_index);
                }
            }
            if (problem)
                report.violations.push_back({Check::rejection_changes_nothing, *problem});
        }
    }

    // Within the limits, a genuine message is accepted, with its own plaintext.
    if (network_message && deliverable &&
        !(decrypted.ok() && report.plaintext_message == network_message)) {
        report.violations.push_back(
            {Check::delivery_within_limits,
             fmt::format("message {} was delivered within the limits but {}", *network_message,
                         decrypted.ok()
                             ? "decrypted to another plaintext"
                             : fmt::format("was rejected ({})", error_name(decrypted.error())))});
    }

    // Agreement with the model.
    const bool model_ok = predicted.verdict == model::Verdict::ok;
    if (decrypted.ok() != model_ok) {
        report.violations.push_back(
            {Check::model_agreement,
             fmt::format("implementation {}, model {}",
                         decrypted.ok()
                             ? "accepted"
                             : fmt::format("rejected ({})", error_name(decrypted.error())),
                         model_ok ? "accepted" : model::verdict_name(predicted.verdict))});
    } else if (model_ok) {
        if (report.plaintext_message != predicted.accepted_message) {
            report.violations.push_back(
                {Check::model_agreement,
                 fmt::format(
                     "implementation accepted message {}, model message {}",
                     report.plaintext_message ? std::to_string(*report.plaintext_message) : "?",
                     predicted.accepted_message ? std::to_string(*predicted.accepted_message)
                                                : "?")});
        }
    } else {
        const Error error = decrypted.error();
        const std::optional<Error> named = error_for(predicted.verdict);
        if (named ? error != *named : !is_opaque_rejection(error)) {
            report.violations.push_back(
                {Check::model_agreement,
                 fmt::format("implementation rejected with {}, model {}", error_name(error),
                             model::verdict_name(predicted.verdict))});
        }
    }

    // Statistics, from the model's states before and after.
    const model::ConcreteParty& model_after = model_.party(receiver);
    if (model_ok) {
        ++statistics_.accepted;
        if (!network_message)
            ++statistics_.tampered_accepted;
        const auto key = std::make_pair(abstract.view.epoch, abstract.view.counter);
        if (model_before.skipped.contains(key))
            ++statistics_.accepted_out_of_order;
        bool on_chain = false;
        for (const auto& chain : model_before.chains) {
            if (chain.present && model_before.has_session && chain.epoch == abstract.view.epoch) {
                on_chain = true;
                if (abstract.view.counter > chain.next_index)
                    ++statistics_.accepted_after_gap;
            }
        }
        if (!on_chain) {
            ++statistics_.ratchet_steps;
            if (abstract.view.counter > 0)
                ++statistics_.accepted_after_gap;
        }
        for (const auto& chain : model_before.chains) {
            if (!chain.present || !model_before.has_session)
                continue;
            const bool kept = std::any_of(model_after.chains.begin(), model_after.chains.end(),
                                          [&chain](const auto& after) {
                                              return after.present && after.epoch == chain.epoch;
                                          });
            if (!kept)
                ++statistics_.chains_evicted;
        }
        for (const auto& entry : model_before.skipped) {
            if (entry != key && !model_after.skipped.contains(entry))
                ++statistics_.skipped_keys_evicted;
        }
    } else {
        switch (predicted.verdict) {
            case model::Verdict::duplicate:
                ++statistics_.rejected_duplicate;
                break;
            case model::Verdict::too_far_ahead:
                ++statistics_.rejected_too_far_ahead;
                break;
            case model::Verdict::no_session:
                ++statistics_.rejected_no_session;
                break;
            default:
                ++statistics_.rejected_other;
                break;
        }
    }
}

void SideBySideRunner::run_save_restore(const SaveRestoreOp& op, StepReport& report) {
    report.kind = StepReport::Kind::restored;
    report.actor = op.party;
    model_.save_restore(op.party);
    if (options_.skip_save_restore)
        return;
    ++statistics_.save_restores;
    std::unique_ptr<Party>& party = parties_[model::index_of(op.party)];
    const SecureBytes saved = party->serialize();
    const StateView view = party->view();
    auto restored = Party::deserialize(saved, *key_source_, profile_);
    if (!restored.ok()) {
        report.violations.push_back(
            {Check::save_restore_unobservable,
             fmt::format("the saved state does not load ({})", error_name(restored.error()))});
        return;
    }
    if (restored.value().serialize() != saved) {
        report.violations.push_back(
            {Check::save_restore_unobservable, "the restored state serializes to other bytes"});
    }
    if (restored.value().view() != view) {
        report.violations.push_back(
            {Check::save_restore_unobservable, "the restored state has another view"});
    }
    *party = std::move(restored).value();
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
    wire::ByteWriter writer;
    writer.write_byte(version_byte);
    wire::write_bytes_field(writer, field_ratchet_key, key_bytes);
    wire::write_varint_field(writer, field_counter, op.counter);
    wire::write_varint_field(writer, field_previous_counter, op.previous_counter);
    wire::write_bytes_field(writer, field_ciphertext, ciphertext);
    Bytes signal = writer.take();
    std::array<std::uint8_t, wire::signal_mac_bytes> mac{};
    seeded_bytes(seed, "forge-mac", stream, mac);
    signal.insert(signal.end(), mac.begin(), mac.end());
    if (!op.prekey)
        return signal;

    const model::Party claimed_sender = model::peer_of(op.party);
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
    return wire::serialize_prekey_signal_message(
        version_byte, one_time,
        op.signed_prekey_id == ForgeOp::Choice::genuine ? signed_prekey_id : other_signed_prekey_id,
        base_key, identity, registration_ids[model::index_of(claimed_sender)], signal);
}

void SideBySideRunner::check_bounds(model::Party which, StepReport& report) const {
    const StateView view = parties_[model::index_of(which)]->view();
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
    for (const model::Party which : {model::Party::alice, model::Party::bob}) {
        const StateView view = parties_[model::index_of(which)]->view();
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
        check_bounds(which, report);
        if (view.current)
            sending_keys_seen_.insert(view.current->sending_ratchet_key.u);
    }
    if (epochs_.next_epoch() != model_.world().next_epoch) {
        report.violations.push_back(
            {Check::model_agreement,
             fmt::format("the implementation has generated {} ratchet key pairs, the model {}",
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

}  // namespace ratchetcheck::harness
