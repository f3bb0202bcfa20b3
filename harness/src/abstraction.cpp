// α for states and messages (abstraction.hpp).
#include "ratchetcheck/harness/abstraction.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "ratchetcheck/crypto/primitives.hpp"
#include "ratchetcheck/wire/signal_message.hpp"

namespace ratchetcheck::harness {
namespace {

std::string short_key(const crypto::X25519Public& key) {
    return fmt::format("{:02x}{:02x}{:02x}{:02x}…", key[0], key[1], key[2], key[3]);
}

// agreement_ok: X25519 with this peer key gives a usable output. Small-order points give an
// all-zero output for every scalar, so one fixed scalar decides it (RFC 7748 §6.1).
bool agreement_ok(const crypto::X25519Public& peer) {
    static const crypto::X25519Private probe = [] {
        crypto::X25519Private scalar;
        std::fill(scalar.mutable_view().begin(), scalar.mutable_view().end(), std::uint8_t{0x5a});
        crypto::x25519_clamp(scalar.mutable_view());
        return scalar;
    }();
    return crypto::x25519(probe, peer).ok();
}

// The Kyber part of a parsed signal-v4-pqxdh PreKeySignalMessage, mapped onto the model's fields
// (abstraction.hpp, abstract_message).
void judge_kyber_fields(ByteView bytes, const Publics& publics,
                        std::span<const GenuineMessage> genuine, AbstractMessage& result) {
    model::ConcreteView& view = result.view;
    auto parsed = wire::parse_prekey_signal_message(bytes, publics.message_version,
                                                    publics.mac_bytes, publics.key_agreement);
    if (!parsed.ok() || !parsed.value().kyber_prekey_id || !parsed.value().kyber_ciphertext)
        return;
    const wire::PreKeySignalMessage& message = parsed.value();
    // A message of an existing session: its Kyber fields are never read.
    if (view.base_key_genuine && publics.receiver_has_session)
        return;
    const bool held =
        std::find(publics.held_kyber_prekey_ids.begin(), publics.held_kyber_prekey_ids.end(),
                  *message.kyber_prekey_id) != publics.held_kyber_prekey_ids.end();
    if (!held)
        view.signed_prekey_genuine = false;
    if (!result.genuine_message || !view.base_key_genuine)
        return;
    const GenuineMessage& original = genuine[*result.genuine_message];
    if (original.type != MessageType::prekey_message)
        return;
    auto original_parsed = wire::parse_prekey_signal_message(
        original.bytes, publics.message_version, publics.mac_bytes, publics.key_agreement);
    if (!original_parsed.ok())
        return;
    if (original_parsed.value().kyber_prekey_id != message.kyber_prekey_id ||
        original_parsed.value().kyber_ciphertext != message.kyber_ciphertext) {
        view.authentic = false;
        result.genuine_message.reset();
    }
}

}  // namespace

std::int64_t EpochMap::assign(const crypto::X25519Public& key) {
    const auto [entry, inserted] = by_key_.emplace(key, next_epoch());
    if (inserted)
        by_epoch_.push_back(key);
    return entry->second;
}

std::optional<std::int64_t> EpochMap::epoch_of(const crypto::X25519Public& key) const {
    const auto found = by_key_.find(key);
    if (found == by_key_.end())
        return std::nullopt;
    return found->second;
}

std::optional<crypto::X25519Public> EpochMap::key_of(std::int64_t epoch) const {
    if (epoch < 0 || epoch >= next_epoch())
        return std::nullopt;
    return by_epoch_[static_cast<std::size_t>(epoch)];
}

std::variant<model::ConcreteParty, std::string> abstract_party(const StateView& view,
                                                               const EpochMap& epochs,
                                                               const Publics& publics,
                                                               std::size_t chain_slots) {
    using ChainSlot = model::ChainSlot<model::ConcreteDomain>;
    // Without a session only has_session and the prekey store carry meaning; the session fields
    // below are overwritten from the session when there is one.
    model::ConcreteParty party{
        .has_session = view.current.has_value(),
        .sending_epoch = 0,
        .sending_index = 0,
        .previous_counter = 0,
        .pending_prekey = false,
        .chains = std::vector<ChainSlot>(chain_slots, ChainSlot{.present = false,
                                                                .epoch = 0,
                                                                .next_index = 0,
                                                                .skipped = {},
                                                                .skipped_count = 0,
                                                                .dropped_below = 0}),
        .holds_one_time_prekey =
            publics.one_time_prekey_id &&
            std::binary_search(view.one_time_prekey_ids.begin(), view.one_time_prekey_ids.end(),
                               *publics.one_time_prekey_id)};
    if (!view.archived.empty()) {
        return fmt::format("{} archived session(s); the model has one session",
                           view.archived.size());
    }
    if (!view.current)
        return party;
    const SessionView& session = *view.current;
    if (session.base_key != publics.genuine_base_key) {
        return std::string("the session's base key is not Alice's base key");
    }
    const auto sending_epoch = epochs.epoch_of(session.sending_ratchet_key.u);
    if (!sending_epoch) {
        return fmt::format("sending ratchet key {} has no epoch",
                           short_key(session.sending_ratchet_key.u));
    }
    party.sending_epoch = *sending_epoch;
    party.sending_index = session.sending_index;
    party.previous_counter = session.previous_counter;
    party.pending_prekey = session.pending_prekey;
    if (session.receiving_chains.size() > chain_slots) {
        return fmt::format("{} receiving chains; the model keeps at most {}",
                           session.receiving_chains.size(), chain_slots);
    }
    for (std::size_t slot = 0; slot < session.receiving_chains.size(); ++slot) {
        const ReceivingChainView& chain = session.receiving_chains[slot];
        const auto epoch = epochs.epoch_of(chain.sender_ratchet_key.u);
        if (!epoch) {
            return fmt::format("receiving chain {} has a ratchet key {} with no epoch", slot,
                               short_key(chain.sender_ratchet_key.u));
        }
        ChainSlot& abstract_chain = party.chains[slot];
        abstract_chain.present = true;
        abstract_chain.epoch = *epoch;
        abstract_chain.next_index = chain.next_index;
        abstract_chain.skipped = {chain.skipped.begin(), chain.skipped.end()};
        abstract_chain.skipped_count = static_cast<std::int64_t>(chain.skipped.size());
        // The drop floor is ghost state: no implementation has it; it stays 0 here and
        // same_observable_state does not compare it.
    }
    return party;
}

std::optional<Bytes> signal_message_bytes(MessageType type, ByteView bytes) {
    return signal_message_bytes(type, bytes, Profile::signal_v3());
}

std::optional<Bytes> signal_message_bytes(MessageType type, ByteView bytes,
                                          const Profile& profile) {
    if (type == MessageType::signal_message)
        return Bytes(bytes.begin(), bytes.end());
    auto parsed = wire::parse_prekey_signal_message(bytes, profile.message_version,
                                                    profile.mac_bytes, profile.key_agreement);
    if (!parsed.ok())
        return std::nullopt;
    const ByteView inner = parsed.value().message_bytes;
    return Bytes(inner.begin(), inner.end());
}

AbstractMessage abstract_message(MessageType type, ByteView bytes, model::PartyId receiver,
                                 const EpochMap& epochs, const Publics& publics,
                                 std::span<const GenuineMessage> genuine) {
    AbstractMessage result;
    model::ConcreteView& view = result.view;
    // Everything unknown until the parser and the ledger say otherwise.
    view = model::ConcreteView{
        .parsed = false,
        .is_prekey = type == MessageType::prekey_message,
        .key_known = false,
        .epoch = -1,
        .key_agreement_ok = false,
        .counter = 0,
        .previous_counter = 0,
        .identity_trusted = false,
        .base_key_genuine = false,
        .base_key_agreement_ok = false,
        .signed_prekey_genuine = false,
        .one_time_prekey = static_cast<std::int64_t>(model::OneTimePreKeyField::absent),
        .authentic = false};

    // Party::decrypt: a type other than 2 and 3 is malformed; then the parser decides.
    std::optional<wire::SignalMessage> signal;
    ByteView signal_part;
    if (type == MessageType::signal_message) {
        auto parsed = wire::parse_signal_message(bytes, publics.message_version, publics.mac_bytes);
        if (!parsed.ok())
            return result;
        signal = parsed.value();
        signal_part = bytes;
    } else if (type == MessageType::prekey_message) {
        auto parsed = wire::parse_prekey_signal_message(bytes, publics.message_version,
                                                        publics.mac_bytes, publics.key_agreement);
        if (!parsed.ok())
            return result;
        const wire::PreKeySignalMessage& prekey = parsed.value();
        signal = prekey.message;
        signal_part = prekey.message_bytes;
        view.identity_trusted =
            prekey.identity_key == publics.identity[model::index_of(model::peer_of(receiver))];
        view.base_key_genuine = prekey.base_key == publics.genuine_base_key;
        view.base_key_agreement_ok = view.base_key_genuine || agreement_ok(prekey.base_key.u);
        view.signed_prekey_genuine = prekey.signed_prekey_id == publics.signed_prekey_id;
        using Field = model::OneTimePreKeyField;
        const Field one_time = !prekey.one_time_prekey_id ? Field::absent
                               : prekey.one_time_prekey_id == publics.one_time_prekey_id
                                   ? Field::genuine
                                   : Field::other;
        view.one_time_prekey = static_cast<std::int64_t>(one_time);
    } else {
        return result;
    }
    view.parsed = true;
    const auto epoch = epochs.epoch_of(signal->ratchet_key.u);
    view.key_known = epoch.has_value();
    view.epoch = epoch.value_or(-1);
    // Every generated key is a valid point; only a key from elsewhere needs the test.
    view.key_agreement_ok = view.key_known || agreement_ok(signal->ratchet_key.u);
    view.counter = signal->counter;
    view.previous_counter = signal->previous_counter;

    for (std::size_t index = 0; index < genuine.size(); ++index) {
        const GenuineMessage& candidate = genuine[index];
        if (model::peer_of(candidate.sender) != receiver)
            continue;
        if (std::equal(signal_part.begin(), signal_part.end(), candidate.signal_bytes.begin(),
                       candidate.signal_bytes.end())) {
            view.authentic = true;
            result.genuine_message = index;
            break;
        }
    }
    if (type == MessageType::prekey_message && publics.key_agreement == KeyAgreement::pqxdh)
        judge_kyber_fields(bytes, publics, genuine, result);
    return result;
}

}  // namespace ratchetcheck::harness
