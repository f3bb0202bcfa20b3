// Support for the stateful property tests: the rc::state model (what generation knows), the
// system under test (the side-by-side runner), one command type per op, and the generators.
#pragma once

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>

#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/side_by_side.hpp"
#include "ratchetcheck/model/system.hpp"

namespace ratchetcheck::harness {

// showValue lets RapidCheck print a generated setup in a counterexample (found by ADL).
void showValue(const TraceSetup& setup, std::ostream& out);

}  // namespace ratchetcheck::harness

namespace ratchetcheck::property {

using harness::Check;
using harness::Op;
using harness::TraceSetup;

// GenerationModel is the rc::state model: the model's System for the generated setup. Generation
// and preconditions read it; the comparison itself is made by the runner, which holds its own
// System. One approximation: a tampered copy is assumed rejected; the rare tampered copy that
// is still the genuine message (only the unauthenticated registration id or version nibble of a
// PreKeySignalMessage changed) is accepted by the runner, and a later op the generation model
// thought applicable may then be skipped as not applicable.
struct GenerationModel {
    TraceSetup setup;
    model::System system;
    GenerationModel(const TraceSetup& trace_setup, const model::Variant& variant)
        : setup(trace_setup), system(trace_setup.limits, variant, trace_setup.one_time_prekey) {}
};

// PropertyRun is the system under test: the runner, optionally a shadow runner that skips
// save_restore (for the save/restore property), and the checks this property asserts.
class PropertyRun {
  public:
    PropertyRun(std::string property_name, const TraceSetup& setup, const model::Variant& variant,
                std::set<Check> asserted, bool with_shadow);

    // step runs `op`; fails the property (RC_FAIL, with the trace so far in JSON) on a violation
    // of an asserted check (Check::adversary_rule is always asserted), or, with a shadow, on any
    // observable difference from the shadow.
    void step(const Op& op);

    harness::SideBySideRunner& runner() { return *runner_; }
    // fail ends the property with `problem` and the trace so far.
    [[noreturn]] void fail(const std::string& problem) const;

  private:
    void compare_with_shadow(const harness::StepReport& main, const harness::StepReport& shadow);

    std::string property_name_;
    std::set<Check> asserted_;
    std::unique_ptr<harness::SideBySideRunner> runner_;
    std::unique_ptr<harness::SideBySideRunner> shadow_;
};

// OpCommand is one op as an rc::state command.
class OpCommand final : public rc::state::Command<GenerationModel, PropertyRun> {
  public:
    explicit OpCommand(Op op) : op_(std::move(op)) {}
    void checkPreconditions(const GenerationModel& model) const override;
    void apply(GenerationModel& model) const override;
    void run(const GenerationModel& model, PropertyRun& run) const override;
    void show(std::ostream& out) const override;

  private:
    Op op_;
};

// OpMix weighs the op kinds a property generates.
struct OpMix {
    int send = 6;
    int deliver = 8;
    int duplicate = 1;
    int drop = 1;
    int tamper = 1;
    int forge = 1;
    int save_restore = 1;
};

// LimitsKind: which limits a property's setups use.
enum class LimitsKind {
    mixed,  // signal-v3's values in about a third of the runs, small random ones otherwise
    small,  // always small random limits (so the bounds bind within a few ops)
};

// generate_setup generates a key seed, whether Bob publishes a one-time prekey, and limits.
rc::Gen<TraceSetup> generate_setup(LimitsKind limits);

using CommandPointer = std::shared_ptr<const rc::state::Command<GenerationModel, PropertyRun>>;

// generate_command generates one applicable op for the model's current state.
rc::Gen<CommandPointer> generate_command(const GenerationModel& model, const OpMix& mix);

// PropertyOptions describe one stateful property. Build them with designated initialisers:
// `name` and `asserted` have no default, so leaving either out does not compile (-Wextra
// -Werror: missing-field-initializers); every other option may be left at its default.
struct PropertyOptions {
    std::string name;
    OpMix mix{};
    LimitsKind limits = LimitsKind::mixed;
    // asserted: the checks whose violation fails the property; other checks' violations do not,
    // except Check::adversary_rule, which every property asserts (PropertyRun).
    std::set<Check> asserted;
    // with_shadow: also run a shadow runner that skips save_restore, and fail on any observable
    // difference from it.
    bool with_shadow = false;
    // after_sequence runs once the commands have run (extra assertions, a drain phase).
    std::function<void(PropertyRun&)> after_sequence{};
    // variant is the model's protocol variant (the default is libsignal's behaviour).
    model::Variant variant{};
};

// check_stateful_property generates a setup and a command sequence (up to max_size + 1 ops),
// runs it, runs `after_sequence`, and tags the run's statistics for RapidCheck's distribution.
void check_stateful_property(const PropertyOptions& options);

}  // namespace ratchetcheck::property
