// The concrete op-level model (system.hpp).
#include "ratchetcheck/model/system.hpp"

#include <sstream>

namespace ratchetcheck::model {

const char* verdict_name(Verdict verdict) {
    switch (verdict) {
        case Verdict::ok:
            return "ok";
        case Verdict::no_session:
            return "no_session";
        case Verdict::duplicate:
            return "duplicate";
        case Verdict::too_far_ahead:
            return "too_far_ahead";
        case Verdict::rejected:
            return "rejected";
    }
    return "unknown";
}

bool same_observable_state(const ConcreteParty& left, const ConcreteParty& right) {
    if (left.has_session != right.has_session)
        return false;
    if (left.holds_one_time_prekey != right.holds_one_time_prekey)
        return false;
    if (!left.has_session)
        return true;
    if (left.sending_epoch != right.sending_epoch || left.sending_index != right.sending_index ||
        left.previous_counter != right.previous_counter ||
        left.pending_prekey != right.pending_prekey || left.chains.size() != right.chains.size()) {
        return false;
    }
    for (std::size_t slot = 0; slot < left.chains.size(); ++slot) {
        const auto& a = left.chains[slot];
        const auto& b = right.chains[slot];
        if (a.present != b.present)
            return false;
        if (a.present && (a.epoch != b.epoch || a.next_index != b.next_index ||
                          a.skipped != b.skipped || a.skipped_count != b.skipped_count)) {
            return false;
        }
    }
    return true;
}

std::string describe(const ConcreteParty& party) {
    std::ostringstream out;
    if (!party.has_session) {
        out << "no session";
    } else {
        out << "DHs=e" << party.sending_epoch << " Ns=" << party.sending_index
            << " PN=" << party.previous_counter << (party.pending_prekey ? " prekey" : "")
            << " chains=[";
        bool first = true;
        for (const auto& chain : party.chains) {
            if (!chain.present)
                continue;
            out << (first ? "" : " ") << "e" << chain.epoch << ":" << chain.next_index;
            if (!chain.skipped.empty() ||
                chain.skipped_count != static_cast<std::int64_t>(chain.skipped.size())) {
                out << " skipped={";
                bool first_counter = true;
                for (const std::int64_t counter : chain.skipped) {
                    out << (first_counter ? "" : " ") << counter;
                    first_counter = false;
                }
                out << "}";
                if (chain.skipped_count != static_cast<std::int64_t>(chain.skipped.size()))
                    out << " count=" << chain.skipped_count;
            }
            first = false;
        }
        out << "]";
    }
    out << (party.holds_one_time_prekey ? " one-time-prekey" : "");
    return out.str();
}

System::System(const Limits& limits, const Variant& variant, bool one_time_prekey_published,
               const ProfileRules& rules)
    : parameters_(concrete_parameters(limits, variant, rules)),
      world_(x3dh_initiate<ConcreteDomain>(
          domain_, parameters_,
          initial_world<ConcreteDomain>(domain_, parameters_, one_time_prekey_published))) {}

std::uint32_t System::copies_in_flight(std::size_t message) const {
    return message < in_flight_.size() ? in_flight_[message] : 0;
}

System::SendResult System::send(PartyId sender, std::uint32_t plaintext_size) {
    const SendStep<ConcreteDomain> step =
        model::send<ConcreteDomain>(domain_, parameters_, world_, sender);
    world_ = step.world;
    SendResult result{.verdict = static_cast<Verdict>(step.verdict),
                      .message = std::nullopt,
                      .header = step.header};
    if (result.verdict == Verdict::ok) {
        result.message = messages_.size();
        messages_.push_back(
            SentMessage{.sender = sender, .header = step.header, .plaintext_size = plaintext_size});
        in_flight_.push_back(1);
    }
    return result;
}

ConcreteView System::genuine_view_of(std::size_t message) const {
    return genuine_view<ConcreteDomain>(domain_, world_, messages_.at(message).header);
}

bool System::deliverable(std::size_t message) const {
    return model::deliverable<ConcreteDomain>(domain_, parameters_, world_, recipient(message),
                                              messages_.at(message).header);
}

bool System::well_formed(PartyId receiver, const ConcreteView& view) const {
    ConcreteDomain domain;
    return well_formed_view<ConcreteDomain>(domain, world_, receiver, view);
}

System::ReceiveResult System::deliver(std::size_t message) {
    --in_flight_.at(message);
    return apply_receive(recipient(message), genuine_view_of(message));
}

System::ReceiveResult System::inject(PartyId receiver, const ConcreteView& view) {
    return apply_receive(receiver, view);
}

System::ReceiveResult System::apply_receive(PartyId receiver, const ConcreteView& view) {
    const bool accepted_before = world_.accepted.contains({view.epoch, view.counter});
    const ReceiveStep<ConcreteDomain> step =
        model::receive<ConcreteDomain>(domain_, parameters_, world_, receiver, view);
    world_ = step.world;
    ReceiveResult result{.verdict = static_cast<Verdict>(step.verdict),
                         .accepted_message = std::nullopt,
                         .accepted_before = false};
    if (result.verdict == Verdict::ok) {
        result.accepted_message = message_with(view.epoch, view.counter);
        result.accepted_before = accepted_before;
    }
    return result;
}

std::optional<std::size_t> System::message_with(std::int64_t epoch, std::int64_t counter) const {
    for (std::size_t index = 0; index < messages_.size(); ++index) {
        if (messages_[index].header.epoch == epoch && messages_[index].header.counter == counter) {
            return index;
        }
    }
    return std::nullopt;
}

}  // namespace ratchetcheck::model
