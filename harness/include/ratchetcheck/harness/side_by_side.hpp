// The side-by-side runner: one op at a time on two endpoints (our Party in each seat, or
// libsignal-protocol-c in one or both: endpoint.hpp) and on the model (model::System), comparing
// after every op — the one runner behind the property tests, the live interop suite,
// `ratchetcheck replay` and the interaction fuzz target (ARCHITECTURE.md "One runner").
//
// Each op is predicted (the model, and the independent oracle for genuine deliveries), executed
// (the endpoints), then judged by a table of checks, each a small function named after the
// property it checks (side_by_side_checks.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ratchetcheck/harness/abstraction.hpp"
#include "ratchetcheck/harness/endpoint.hpp"
#include "ratchetcheck/harness/independent_oracle.hpp"
#include "ratchetcheck/harness/op_trace.hpp"
#include "ratchetcheck/harness/seeded_key_source.hpp"
#include "ratchetcheck/model/system.hpp"
#include "ratchetcheck/party.hpp"

namespace ratchetcheck::harness {

// Check names what a violation breaks. Each property test asserts the checks of its clause.
enum class Check {
    // The implementation and the model agree on the outcome of every op (accept/reject, the
    // error where the model names it, the plaintext, each sent message's header), and
    // α(implementation) equals the model after every op (ARCHITECTURE.md model/).
    model_agreement,
    // DR §3.5 (message keys are deleted after use): no message is accepted twice, no message key
    // (ratchet key, counter) decrypts twice.
    no_message_accepted_twice,
    // DR §3.5 (skipped message keys): a genuine message delivered within the limits (the model's
    // `deliverable`) is accepted, with its own plaintext.
    delivery_within_limits,
    // DR §3.5 ("if an exception is raised ... discard any changes"): a rejected input leaves the
    // serialized state byte-identical, and the genuine message still decrypts afterwards.
    rejection_changes_nothing,
    // docs/state-format.md, Party::serialize: save/restore at any point changes nothing
    // observable (same bytes, same view).
    save_restore_unobservable,
    // DR §3.5 MAX_SKIP and the Profile bounds: MKSKIPPED per chain and in total, receiving
    // chains and archived sessions never exceed their bounds.
    stores_within_bounds,
    // DR §3.5 DHRatchet (recovery from compromise, DR §2.3, §6.2): a message under a new peer
    // ratchet key makes the
    // receiver send under a ratchet key never used before, with Ns back at 0.
    fresh_ratchet_key,
    // The trace's recorded expectation (what the model predicted when it was recorded) differs
    // from what the model predicts now.
    expectation,
    // The independent oracle (independent_oracle.hpp), written apart from model/, agrees with the
    // outcome of every genuine delivery: accepted with its plaintext, or rejected.
    independent_oracle,
    // The adversary's rule the proofs assume (model well_formed_view, docs/proofs.md): the view
    // α gives of every received message, genuine or made by the adversary, is well formed — only
    // a message the peer sent authenticates, ratchet keys name existing epochs, counters are
    // 32-bit.
    adversary_rule,
};

const char* check_name(Check check);

struct Violation {
    Check check;
    std::string detail;
};

// RunnerOptions select variants of a run.
struct RunnerOptions {
    // skip_save_restore runs save_restore ops as no-ops: the shadow run the save/restore property
    // compares with.
    bool skip_save_restore = false;
    // variant is the model's variant (the implementation is what it is).
    model::Variant variant{};
    // model_agreement_only makes a run that checks Check::model_agreement and nothing else: its
    // reports carry no other violation, and it skips what only the other checks need (the
    // independent oracle, the serialized states and views around each receive, the decrypt of a
    // genuine message after each rejection, the store bounds, the adversary's rule). For the
    // differential_model fuzz target, whose only check this is, and for runs compared by outcome.
    bool model_agreement_only = false;
    // seats makes the endpoint of each seat (by model::PartyId); an empty factory is our Party.
    std::array<EndpointFactory, 2> seats{};
};

// StepReport is what happened on one op, on both sides, and what it violated.
struct StepReport {
    std::size_t op_index = 0;  // position among the applicable ops run so far
    Op op;
    bool applicable = true;
    std::string not_applicable_reason;
    model::PartyId actor = model::PartyId::alice;  // the sender, or the party handed a message

    // The implementation's outcome.
    enum class Kind { sent, received, network, restored } kind = Kind::network;
    std::string implementation;  // the actor's implementation ("ours", "libsignal")
    bool implementation_ok = true;
    std::optional<Error> implementation_error;
    std::string native_error;                      // the implementation's own name for the error
    std::optional<std::size_t> sent_message;       // ledger index of a sent message
    std::optional<std::size_t> plaintext_message;  // message number read from an accepted plaintext
    // The model's outcome.
    model::Verdict model_verdict = model::Verdict::ok;
    std::optional<std::size_t> model_message;  // the sent or accepted message
    // model_view is the message as the model was handed it (receive): the genuine view of a
    // delivered message, α of the bytes of a tampered, truncated or forged one.
    std::optional<model::ConcreteView> model_view;

    std::vector<Violation> violations;

    bool has(Check check) const;
    // outcome_label is the model's outcome as a trace expectation: "sent", "no_session",
    // "accepted", "duplicate", "too_far_ahead", "rejected" or "done".
    std::string outcome_label() const;
    // describe renders the step on one line.
    std::string describe() const;
    // implementation_label is "implementation", or "implementation (libsignal)" for another.
    std::string implementation_label() const;
    // native_suffix is ", <native error>" for another implementation's failure, else empty.
    std::string native_suffix() const;
};

// RunStatistics counts what a run exercised (for RapidCheck's distribution tags).
struct RunStatistics {
    std::size_t ops = 0;
    std::size_t sends = 0;
    std::size_t deliveries = 0;              // deliver ops
    std::size_t deliveries_deliverable = 0;  // ... of a message the model said was deliverable
    std::size_t accepted = 0;
    std::size_t accepted_out_of_order = 0;  // through a stored skipped key
    std::size_t accepted_after_gap = 0;     // skipping at least one key
    std::size_t ratchet_steps = 0;          // accepts that started a new receiving chain
    std::size_t rejected_duplicate = 0;
    std::size_t rejected_too_far_ahead = 0;
    std::size_t rejected_no_session = 0;
    std::size_t rejected_other = 0;
    std::size_t tampered_accepted = 0;  // a tampered copy that was still the genuine message
    std::size_t skipped_keys_evicted = 0;
    std::size_t chains_evicted = 0;
    std::size_t save_restores = 0;
    std::size_t truncations = 0;

    // operator+= adds another run's counts (totals over many runs).
    RunStatistics& operator+=(const RunStatistics& run);
};

struct ReceiveStep;

class SideBySideRunner {
  public:
    // create sets up both seats from `setup` (Bob publishes his prekeys, Alice runs X3DH on his
    // bundle), or says why it cannot (an invalid setup, or an implementation failing X3DH).
    static std::variant<std::unique_ptr<SideBySideRunner>, std::string> create(
        const TraceSetup& setup, const RunnerOptions& options = {});
    ~SideBySideRunner();

    // step runs one op on both sides and compares. An op that is not applicable (a message that
    // was not sent, no copy in flight, an epoch that does not exist yet) changes nothing.
    StepReport step(const Op& op);

    // trace is the applicable ops run so far with the model's outcomes as expectations.
    OpTrace trace() const;
    const TraceSetup& setup() const { return setup_; }
    const model::System& model() const { return model_; }
    const Endpoint& endpoint(model::PartyId party) const {
        return *endpoints_[model::index_of(party)];
    }
    // implementation is our Party in `party`'s seat; only for a seat our implementation holds.
    const Party& implementation(model::PartyId party) const { return *endpoint(party).party(); }
    const RunStatistics& statistics() const { return statistics_; }
    std::size_t messages_sent() const { return genuine_.size(); }
    const std::vector<GenuineMessage>& genuine_messages() const { return genuine_; }
    // accepted_by_implementation: ledger indices of the messages the implementation accepted.
    const std::set<std::size_t>& accepted_by_implementation() const {
        return accepted_by_implementation_;
    }
    // delivered_within_limits: messages delivered at least once while the model said deliverable.
    const std::set<std::size_t>& delivered_within_limits() const {
        return delivered_within_limits_;
    }

    SideBySideRunner(const SideBySideRunner&) = delete;
    SideBySideRunner& operator=(const SideBySideRunner&) = delete;

  private:
    SideBySideRunner(const TraceSetup& setup, const RunnerOptions& options);
    std::optional<std::string> start();

    void run_send(const SendOp& op, StepReport& report);
    void run_receive(model::PartyId receiver, MessageType type, ByteView bytes, StepReport& report,
                     std::optional<std::size_t> network_message,
                     std::optional<std::size_t> genuine_after_rejection);
    void predict_receive(ReceiveStep& step);
    void execute_receive(ReceiveStep& step, StepReport& report);
    void run_save_restore(const SaveRestoreOp& op, StepReport& report);
    Bytes forge(const ForgeOp& op) const;
    void check_after_step(StepReport& report);
    void check_bounds(model::PartyId which, const StateView& view, StepReport& report) const;
    void record_new_epochs();
    Bytes plaintext_for(std::size_t message, std::uint32_t size) const;
    std::optional<std::size_t> first_deliverable_to(model::PartyId party) const;
    // The genuine message to decrypt after an altered copy of `message` is rejected: `message`
    // itself, or none in a model-agreement-only run.
    std::optional<std::size_t> genuine_after_rejection(std::size_t message) const;

    friend struct ReceiveCheckContext;

    TraceSetup setup_;
    RunnerOptions options_;
    Profile profile_;
    std::unique_ptr<SeededKeySource> key_source_;
    std::array<std::unique_ptr<Endpoint>, 2> endpoints_;
    Publics publics_;
    std::uint32_t published_kyber_prekey_id_ =
        0;  // signal-v4-pqxdh: the Kyber prekey in the bundle
    EpochMap epochs_;
    std::size_t issued_seen_ = 0;
    model::System model_;
    std::optional<IndependentOracle> oracle_;

    std::vector<GenuineMessage> genuine_;
    std::vector<std::uint32_t> plaintext_sizes_;
    std::set<std::size_t> accepted_by_implementation_;
    std::set<std::size_t> delivered_within_limits_;
    std::set<std::pair<std::int64_t, std::int64_t>> message_keys_used_;
    std::set<crypto::X25519Public> sending_keys_seen_;
    std::vector<Op> applied_ops_;
    std::vector<std::optional<std::string>> outcome_labels_;
    RunStatistics statistics_;
};

// run_trace runs a whole trace, calling `on_step` after each op. Strict: an op that is not
// applicable ends the run with an error. Returns the error, if any (setup failure or an op that is
// not applicable); divergences are in the reports.
std::optional<std::string> run_trace(const OpTrace& trace, const RunnerOptions& options,
                                     const std::function<bool(const StepReport&)>& on_step);

// without_known_gaps rewrites an op that would hit a documented gap of α and the model, so that a
// random run (the fuzz targets, the property tests) reports new findings only: the top bit of a
// PreKeySignalMessage's base key (docs/decisions.md E8), which X25519 ignores, is never flipped
// by a tamper op (another bit of that byte is). Every other op is returned as it is.
Op without_known_gaps(const SideBySideRunner& runner, Op op);

}  // namespace ratchetcheck::harness
