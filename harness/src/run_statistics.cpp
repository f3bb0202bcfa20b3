// What a run exercised (RunStatistics, side_by_side.hpp), counted from the model's states before
// and after each receive: kept apart from the checks so that neither obscures the other.
#include <algorithm>

#include "receive_step.hpp"

namespace ratchetcheck::harness {

RunStatistics& RunStatistics::operator+=(const RunStatistics& run) {
    ops += run.ops;
    sends += run.sends;
    deliveries += run.deliveries;
    deliveries_deliverable += run.deliveries_deliverable;
    accepted += run.accepted;
    accepted_out_of_order += run.accepted_out_of_order;
    accepted_after_gap += run.accepted_after_gap;
    ratchet_steps += run.ratchet_steps;
    rejected_duplicate += run.rejected_duplicate;
    rejected_too_far_ahead += run.rejected_too_far_ahead;
    rejected_no_session += run.rejected_no_session;
    rejected_other += run.rejected_other;
    tampered_accepted += run.tampered_accepted;
    skipped_keys_evicted += run.skipped_keys_evicted;
    chains_evicted += run.chains_evicted;
    save_restores += run.save_restores;
    truncations += run.truncations;
    return *this;
}

void count_receive(const ReceiveStep& step, RunStatistics& statistics) {
    if (step.network_message) {
        ++statistics.deliveries;
        if (step.deliverable)
            ++statistics.deliveries_deliverable;
    }
    const model::ConcreteParty& before = step.model_before;
    const model::ConcreteParty& after = step.model_after;
    const model::ConcreteView& view = step.abstract.view;
    if (step.predicted.verdict != model::Verdict::ok) {
        switch (step.predicted.verdict) {
            case model::Verdict::duplicate:
                ++statistics.rejected_duplicate;
                break;
            case model::Verdict::too_far_ahead:
                ++statistics.rejected_too_far_ahead;
                break;
            case model::Verdict::no_session:
                ++statistics.rejected_no_session;
                break;
            default:
                ++statistics.rejected_other;
                break;
        }
        return;
    }
    ++statistics.accepted;
    if (!step.network_message)
        ++statistics.tampered_accepted;
    const auto stored_in = [](const model::ConcreteParty& party, std::int64_t epoch,
                              std::int64_t counter) {
        return std::any_of(party.chains.begin(), party.chains.end(), [&](const auto& chain) {
            return chain.present && chain.epoch == epoch && chain.skipped.contains(counter);
        });
    };
    if (stored_in(before, view.epoch, view.counter))
        ++statistics.accepted_out_of_order;
    bool on_chain = false;
    for (const auto& chain : before.chains) {
        if (chain.present && before.has_session && chain.epoch == view.epoch) {
            on_chain = true;
            if (view.counter > chain.next_index)
                ++statistics.accepted_after_gap;
        }
    }
    if (!on_chain) {
        ++statistics.ratchet_steps;
        if (view.counter > 0)
            ++statistics.accepted_after_gap;
    }
    for (const auto& chain : before.chains) {
        if (!chain.present || !before.has_session)
            continue;
        const bool kept =
            std::any_of(after.chains.begin(), after.chains.end(), [&chain](const auto& kept_chain) {
                return kept_chain.present && kept_chain.epoch == chain.epoch;
            });
        if (!kept)
            ++statistics.chains_evicted;
    }
    for (const auto& chain : before.chains) {
        if (!chain.present)
            continue;
        for (const std::int64_t counter : chain.skipped) {
            const bool used = chain.epoch == view.epoch && counter == view.counter;
            if (!used && !stored_in(after, chain.epoch, counter))
                ++statistics.skipped_keys_evicted;
        }
    }
}

}  // namespace ratchetcheck::harness
