#include "property_support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include "run_statistics.hpp"

namespace ratchetcheck::harness {

void showValue(const TraceSetup& setup, std::ostream& out) {
    out << fmt::format(
        "key seed {:016x}, one-time prekey {}, max_forward_jump {}, max_skipped_keys_per_chain {}, "
        "max_skipped_keys_total {}, max_receiving_chains {}",
        setup.key_seed, setup.one_time_prekey ? "yes" : "no", setup.limits.max_forward_jump,
        setup.limits.max_skipped_keys_per_chain, setup.limits.max_skipped_keys_total,
        setup.limits.max_receiving_chains);
}

}  // namespace ratchetcheck::harness

namespace ratchetcheck::property {
namespace {

using harness::DeliverOp;
using harness::DropOp;
using harness::DuplicateOp;
using harness::ForgedKey;
using harness::ForgeOp;
using harness::SaveRestoreOp;
using harness::SendOp;
using harness::StepReport;
using harness::TamperOp;
using model::PartyId;

rc::Gen<PartyId> generate_party() {
    return rc::gen::element(PartyId::alice, PartyId::bob);
}

// Messages with at least one copy in flight.
std::vector<std::uint32_t> in_flight(const model::System& system) {
    std::vector<std::uint32_t> messages;
    for (std::uint32_t index = 0; index < system.messages().size(); ++index) {
        if (system.can_deliver(index))
            messages.push_back(index);
    }
    return messages;
}

// Counters that land near the interesting boundaries of a chain: small ones (in order, a little
// ahead, a little behind), ones around max_forward_jump, and arbitrary 32-bit ones.
rc::Gen<std::uint32_t> generate_counter(std::int64_t max_forward_jump) {
    const auto jump = static_cast<std::uint32_t>(std::min<std::int64_t>(max_forward_jump, 100000));
    return rc::gen::weightedOneOf<std::uint32_t>({
        {6, rc::gen::inRange<std::uint32_t>(0, 24)},
        {2, rc::gen::inRange<std::uint32_t>(jump, jump + 3)},
        {1, rc::gen::arbitrary<std::uint32_t>()},
    });
}

}  // namespace

// ---- the system under test ----------------------------------------------------------------------

PropertyRun::PropertyRun(std::string property_name, const TraceSetup& setup,
                         const model::Variant& variant, std::set<Check> asserted, bool with_shadow)
    : property_name_(std::move(property_name)), asserted_(std::move(asserted)) {
    // The adversary's rule is asserted by every property, whatever it checks besides: the proofs
    // assume it of every message a party receives (docs/proofs.md, "The adversary's rule"), so a
    // run in which α produced a view outside it would be a run the proofs say nothing about.
    asserted_.insert(Check::adversary_rule);
    harness::RunnerOptions runner_options;
    runner_options.variant = variant;
    auto created = harness::SideBySideRunner::create(setup, runner_options);
    if (const auto* problem = std::get_if<std::string>(&created))
        RC_FAIL("setup failed: " + *problem);
    runner_ = std::move(std::get<std::unique_ptr<harness::SideBySideRunner>>(created));
    if (with_shadow) {
        harness::RunnerOptions options = runner_options;
        options.skip_save_restore = true;
        auto shadow = harness::SideBySideRunner::create(setup, options);
        if (const auto* problem = std::get_if<std::string>(&shadow))
            RC_FAIL("setup failed: " + *problem);
        shadow_ = std::move(std::get<std::unique_ptr<harness::SideBySideRunner>>(shadow));
    }
}

void PropertyRun::fail(const std::string& problem) const {
    harness::OpTrace trace = runner_->trace();
    trace.note = fmt::format("counterexample of property {}", property_name_);
    RC_FAIL(fmt::format("{}\n--- trace ---\n{}--- end trace ---", problem,
                        harness::trace_to_json(trace)));
}

void PropertyRun::step(const Op& generated) {
    // A tamper that would flip the base key's ignored bit flips another (E8, a documented gap).
    const Op op = harness::without_known_gaps(*runner_, generated);
    const StepReport report = runner_->step(op);
    if (!report.applicable) {
        // The generation model thought the op applicable (see GenerationModel); skip it, and skip
        // it in the shadow too.
        return;
    }
    for (const harness::Violation& violation : report.violations) {
        if (asserted_.contains(violation.check)) {
            fail(fmt::format("[{}] {}\n{}", harness::check_name(violation.check), violation.detail,
                             report.describe()));
        }
    }
    if (shadow_)
        compare_with_shadow(report, shadow_->step(op));
}

void PropertyRun::compare_with_shadow(const StepReport& main, const StepReport& shadow) {
    // Everything observable must be the same with and without save/restore: outcomes, errors,
    // plaintexts, the bytes of every message sent, the views and the serialized states.
    std::string problem;
    if (main.implementation_ok != shadow.implementation_ok ||
        main.implementation_error != shadow.implementation_error ||
        main.plaintext_message != shadow.plaintext_message ||
        main.sent_message != shadow.sent_message) {
        problem = fmt::format(
            "outcome differs from the run without save/restore:\n  with:    {}\n  without: {}",
            main.describe(), shadow.describe());
    } else if (main.sent_message && runner_->genuine_messages().back().bytes !=
                                        shadow_->genuine_messages().back().bytes) {
        problem = "the message sent differs from the one sent without save/restore";
    } else {
        for (const PartyId party : {PartyId::alice, PartyId::bob}) {
            if (runner_->implementation(party).view() != shadow_->implementation(party).view()) {
                problem = fmt::format("{}'s view differs from the run without save/restore",
                                      model::party_name(party));
            } else if (runner_->implementation(party).serialize() !=
                       shadow_->implementation(party).serialize()) {
                problem =
                    fmt::format("{}'s serialized state differs from the run without save/restore",
                                model::party_name(party));
            }
            if (!problem.empty())
                break;
        }
    }
    if (!problem.empty())
        fail(
            fmt::format("[{}] {}", harness::check_name(Check::save_restore_unobservable), problem));
}

// ---- commands -----------------------------------------------------------------------------------

void OpCommand::checkPreconditions(const GenerationModel& model) const {
    const model::System& system = model.system;
    std::visit(
        [&system](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, DeliverOp> || std::is_same_v<T, DropOp>) {
                RC_PRE(system.can_deliver(value.message));
            } else if constexpr (std::is_same_v<T, DuplicateOp> || std::is_same_v<T, TamperOp>) {
                RC_PRE(system.can_duplicate(value.message));
            } else if constexpr (std::is_same_v<T, ForgeOp>) {
                RC_PRE(value.ratchet_key.kind != ForgedKey::Kind::epoch ||
                       static_cast<std::int64_t>(value.ratchet_key.epoch) <
                           system.world().next_epoch);
            }
        },
        op_);
}

void OpCommand::apply(GenerationModel& model) const {
    model::System& system = model.system;
    std::visit(
        [&system](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, SendOp>) {
                (void)system.send(value.party, value.size);
            } else if constexpr (std::is_same_v<T, DeliverOp>) {
                (void)system.deliver(value.message);
            } else if constexpr (std::is_same_v<T, DuplicateOp>) {
                system.duplicate(value.message);
            } else if constexpr (std::is_same_v<T, DropOp>) {
                system.drop(value.message);
            }
            // tamper, forge: rejected by the model (see GenerationModel); save_restore: no change.
        },
        op_);
}

void OpCommand::run(const GenerationModel&, PropertyRun& run) const {
    run.step(op_);
}

void OpCommand::show(std::ostream& out) const {
    out << harness::op_to_json(op_);
}

// ---- generators ---------------------------------------------------------------------------------

rc::Gen<TraceSetup> generate_setup(LimitsKind limits) {
    return rc::gen::exec([limits] {
        TraceSetup setup;
        setup.key_seed = *rc::gen::arbitrary<std::uint64_t>();
        setup.one_time_prekey = *rc::gen::arbitrary<bool>();
        const bool small =
            limits == LimitsKind::small || *rc::gen::weightedElement<bool>({{1, false}, {2, true}});
        if (small) {
            // Small enough that every bound binds within a few dozen ops, large enough that most
            // deliveries stay within them.
            setup.limits.max_forward_jump = *rc::gen::inRange<std::int64_t>(1, 17);
            setup.limits.max_skipped_keys_per_chain = *rc::gen::inRange<std::int64_t>(1, 11);
            setup.limits.max_skipped_keys_total = *rc::gen::inRange<std::int64_t>(1, 17);
            setup.limits.max_receiving_chains = *rc::gen::inRange<std::size_t>(1, 6);
        }
        return setup;
    });
}

rc::Gen<CommandPointer> generate_command(const GenerationModel& model, const OpMix& mix) {
    // Everything the op generators need is copied: shrinking may call them after `model` is gone.
    const std::vector<std::uint32_t> flying = in_flight(model.system);
    const auto sent = static_cast<std::uint32_t>(model.system.messages().size());
    const auto epochs = static_cast<std::uint32_t>(model.system.world().next_epoch);
    const std::int64_t max_forward_jump = model.setup.limits.max_forward_jump;

    std::vector<std::pair<std::size_t, rc::Gen<Op>>> choices;
    const auto add = [&choices](int weight, rc::Gen<Op> generator) {
        if (weight > 0)
            choices.emplace_back(static_cast<std::size_t>(weight), std::move(generator));
    };
    add(mix.send, rc::gen::exec([] {
            return Op{SendOp{.party = *generate_party(),
                             .size = *rc::gen::inRange<std::uint32_t>(0, 41)}};
        }));
    if (!flying.empty()) {
        add(mix.deliver, rc::gen::exec([flying] {
                return Op{DeliverOp{.message = *rc::gen::elementOf(flying)}};
            }));
        add(mix.drop,
            rc::gen::exec([flying] { return Op{DropOp{.message = *rc::gen::elementOf(flying)}}; }));
    }
    if (sent > 0) {
        add(mix.duplicate, rc::gen::exec([sent] {
                return Op{DuplicateOp{.message = *rc::gen::inRange<std::uint32_t>(0, sent)}};
            }));
        add(mix.tamper, rc::gen::exec([sent] {
                // Braced initialisers run in order, so the three values are drawn in this order.
                return Op{TamperOp{.message = *rc::gen::inRange<std::uint32_t>(0, sent),
                                   .byte = *rc::gen::inRange<std::uint32_t>(0, 256),
                                   .mask = static_cast<std::uint8_t>(*rc::gen::inRange(1, 256))}};
            }));
    }
    add(mix.forge, rc::gen::exec([epochs, max_forward_jump] {
            ForgeOp forge;
            forge.party = *generate_party();
            forge.prekey = *rc::gen::weightedElement<bool>({{2, false}, {1, true}});
            forge.ratchet_key.kind =
                *rc::gen::weightedElement<ForgedKey::Kind>({{6, ForgedKey::Kind::epoch},
                                                            {2, ForgedKey::Kind::fresh},
                                                            {1, ForgedKey::Kind::invalid},
                                                            {1, ForgedKey::Kind::low_order}});
            if (forge.ratchet_key.kind == ForgedKey::Kind::epoch) {
                forge.ratchet_key.epoch = *rc::gen::inRange<std::uint32_t>(0, epochs);
            }
            forge.counter = *generate_counter(max_forward_jump);
            forge.previous_counter = *rc::gen::inRange<std::uint32_t>(0, 24);
            forge.ciphertext_blocks = static_cast<std::uint8_t>(*rc::gen::inRange(0, 4));
            if (forge.prekey) {
                forge.base_key =
                    *rc::gen::element(ForgeOp::Choice::genuine, ForgeOp::Choice::other);
                forge.identity = *rc::gen::weightedElement<ForgeOp::Choice>(
                    {{4, ForgeOp::Choice::genuine}, {1, ForgeOp::Choice::other}});
                forge.signed_prekey_id = *rc::gen::weightedElement<ForgeOp::Choice>(
                    {{4, ForgeOp::Choice::genuine}, {1, ForgeOp::Choice::other}});
                forge.one_time_prekey_id = *rc::gen::element(ForgeOp::OneTimePreKey::genuine,
                                                             ForgeOp::OneTimePreKey::absent,
                                                             ForgeOp::OneTimePreKey::other);
            }
            return Op{forge};
        }));
    add(mix.save_restore,
        rc::gen::exec([] { return Op{SaveRestoreOp{.party = *generate_party()}}; }));

    // A weighted choice (RapidCheck's weightedOneOf wants an initializer list, these are built at
    // run time); shrinking moves towards the first choice, a send.
    std::size_t total_weight = 0;
    for (const auto& choice : choices)
        total_weight += choice.first;
    return rc::gen::exec([choices, total_weight]() -> CommandPointer {
        std::size_t pick = *rc::gen::inRange<std::size_t>(0, total_weight);
        for (const auto& [weight, generator] : choices) {
            if (pick < weight)
                return std::make_shared<const OpCommand>(*generator);
            pick -= weight;
        }
        return std::make_shared<const OpCommand>(*choices.back().second);
    });
}

// ---- one property -------------------------------------------------------------------------------

namespace {

std::string in_limits_bucket(const harness::RunStatistics& statistics) {
    if (statistics.deliveries == 0)
        return "no deliveries";
    const std::size_t percent = 100 * statistics.deliveries_deliverable / statistics.deliveries;
    if (percent == 100)
        return "deliveries within the limits: 100%";
    if (percent >= 90)
        return "deliveries within the limits: 90-99%";
    if (percent >= 75)
        return "deliveries within the limits: 75-89%";
    if (percent >= 50)
        return "deliveries within the limits: 50-74%";
    return "deliveries within the limits: <50%";
}

}  // namespace

void check_stateful_property(const PropertyOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    const TraceSetup setup = *generate_setup(options.limits);
    const GenerationModel initial(setup, options.variant);
    const OpMix mix = options.mix;
    const auto commands = *rc::state::gen::commands(
        initial, [mix](const GenerationModel& model) { return generate_command(model, mix); });
    PropertyRun run(options.name, setup, options.variant, options.asserted, options.with_shadow);
    rc::state::runAll(commands, initial, run);
    if (options.after_sequence)
        options.after_sequence(run);

    const harness::RunStatistics& statistics = run.runner().statistics();
    RC_TAG(in_limits_bucket(statistics));
    RC_CLASSIFY(statistics.accepted_out_of_order > 0, "a late message decrypted from a stored key");
    record_run(options.name, statistics, std::chrono::steady_clock::now() - started);
}

}  // namespace ratchetcheck::property
