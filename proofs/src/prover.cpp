// The inductive prover (prover.hpp).
#include "ratchetcheck/proofs/prover.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

#include "ratchetcheck/model/transitions.hpp"

namespace ratchetcheck::proofs {
namespace {

using model::PartyId;
constexpr PartyId parties[] = {PartyId::alice, PartyId::bob};

// ---- symbolic states ------------------------------------------------------------------------

SymbolicWorld fresh_world(Z3Domain& domain, std::size_t slots) {
    const auto fresh_party = [&](PartyId id) {
        const std::string name = model::party_name(id);
        SymbolicParty party{.has_session = domain.fresh_bool(name + "_has"),
                            .sending_epoch = domain.fresh_int(name + "_DHs"),
                            .sending_index = domain.fresh_int(name + "_Ns"),
                            .previous_counter = domain.fresh_int(name + "_PN"),
                            .pending_prekey = domain.fresh_bool(name + "_pending"),
                            .chains = {},
                            .holds_one_time_prekey = domain.fresh_bool(name + "_otp")};
        for (std::size_t slot = 0; slot < slots; ++slot) {
            const std::string prefix = fmt::format("{}_chain{}_", name, slot);
            party.chains.push_back(
                model::ChainSlot<Z3Domain>{.present = domain.fresh_bool(prefix + "present"),
                                           .epoch = domain.fresh_int(prefix + "epoch"),
                                           .next_index = domain.fresh_int(prefix + "next"),
                                           .skipped = domain.fresh_counters(prefix + "skipped"),
                                           .skipped_count = domain.fresh_int(prefix + "count"),
                                           .dropped_below = domain.fresh_int(prefix + "floor")});
        }
        return party;
    };
    return SymbolicWorld{.parties = {fresh_party(PartyId::alice), fresh_party(PartyId::bob)},
                         .next_epoch = domain.fresh_int("next_epoch"),
                         .epoch_owner = domain.fresh_pairs("owner"),
                         .epoch_predecessor = domain.fresh_pairs("pred"),
                         .sent = domain.fresh_pairs("sent"),
                         .accepted = domain.fresh_pairs("accepted"),
                         .initiator_used_one_time_prekey = domain.fresh_bool("used_otp")};
}

SymbolicView fresh_view(Z3Domain& domain) {
    return SymbolicView{.parsed = domain.fresh_bool("view_parsed"),
                        .is_prekey = domain.fresh_bool("view_prekey"),
                        .key_known = domain.fresh_bool("view_key_known"),
                        .epoch = domain.fresh_int("view_epoch"),
                        .key_agreement_ok = domain.fresh_bool("view_agreement"),
                        .counter = domain.fresh_int("view_N"),
                        .previous_counter = domain.fresh_int("view_PN"),
                        .identity_trusted = domain.fresh_bool("view_identity"),
                        .base_key_genuine = domain.fresh_bool("view_base_genuine"),
                        .base_key_agreement_ok = domain.fresh_bool("view_base_agreement"),
                        .signed_prekey_genuine = domain.fresh_bool("view_spk"),
                        .one_time_prekey = domain.fresh_int("view_otp"),
                        .authentic = domain.fresh_bool("view_authentic")};
}

SymbolicParameters symbolic_parameters(Z3Domain& domain, const ProofSettings& settings,
                                       std::vector<z3::expr>& premises) {
    const auto limit = [&](const std::string& name) {
        const auto fixed = settings.fixed_limits.find(name);
        if (fixed != settings.fixed_limits.end())
            return domain.literal(fixed->second);
        z3::expr value = domain.fresh_int(name);
        premises.push_back(value >= domain.literal(std::int64_t{1}));
        return value;
    };
    const z3::expr jump = limit("max_forward_jump");
    const z3::expr per_chain = limit("max_skipped_keys_per_chain");
    const z3::expr total = limit("max_skipped_keys_total");
    return model::variant_parameters(domain, jump, per_chain, total, settings.chain_slots,
                                     settings.variant);
}

// name_world gives every field of a computed world a fresh name, with the definition as a
// premise: the invariants then speak of constants (so their triggers are plain selects), and the
// certificates stay readable.
SymbolicWorld name_world(Z3Domain& domain, const SymbolicWorld& world,
                         std::vector<z3::expr>& premises) {
    // Sets are already named: every set operation declares a fresh predicate.
    const auto named = [&](const z3::expr& term, const std::string& name) {
        z3::expr constant = term.is_bool() ? domain.fresh_bool(name) : domain.fresh_int(name);
        premises.push_back(constant == term);
        return constant;
    };
    SymbolicWorld result = world;
    for (const PartyId id : parties) {
        const std::string name = std::string("post_") + model::party_name(id);
        SymbolicParty& party = result.parties[model::index_of(id)];
        party.has_session = named(party.has_session, name + "_has");
        party.sending_epoch = named(party.sending_epoch, name + "_DHs");
        party.sending_index = named(party.sending_index, name + "_Ns");
        party.previous_counter = named(party.previous_counter, name + "_PN");
        party.pending_prekey = named(party.pending_prekey, name + "_pending");
        party.holds_one_time_prekey = named(party.holds_one_time_prekey, name + "_otp");
        for (std::size_t slot = 0; slot < party.chains.size(); ++slot) {
            const std::string prefix = fmt::format("{}_chain{}_", name, slot);
            auto& chain = party.chains[slot];
            chain.present = named(chain.present, prefix + "present");
            chain.epoch = named(chain.epoch, prefix + "epoch");
            chain.next_index = named(chain.next_index, prefix + "next");
            chain.skipped_count = named(chain.skipped_count, prefix + "count");
            chain.dropped_below = named(chain.dropped_below, prefix + "floor");
        }
    }
    result.next_epoch = named(world.next_epoch, "post_next_epoch");
    result.initiator_used_one_time_prekey =
        named(world.initiator_used_one_time_prekey, "post_used_otp");
    return result;
}

// ---- readable counterexamples ---------------------------------------------------------------

std::int64_t value_of(const z3::model& model, const z3::expr& term) {
    const z3::expr value = model.eval(term, true);
    std::int64_t result = 0;
    if (value.is_numeral_i64(result))
        return result;
    return 0;
}

bool truth_of(const z3::model& model, const z3::expr& term) {
    return model.eval(term, true).is_true();
}

std::string counters_in(Z3Domain& domain, const z3::model& model, const CounterRelation& set,
                        std::int64_t from, std::int64_t to) {
    std::string out;
    for (std::int64_t counter = std::max<std::int64_t>(from, -2);
         counter < std::min<std::int64_t>(to, from + 64); ++counter) {
        if (!truth_of(model, domain.contains(set, domain.literal(counter))))
            continue;
        // Appended in two steps, not as `separator + std::to_string(...)`: g++ 12 at -O3 inlines
        // operator+(const char*, std::string&&) into a memcpy it wrongly reports as overlapping
        // (-Wrestrict, GCC bug 105329), which stopped the -Werror Release build.
        if (!out.empty())
            out += ' ';
        out += std::to_string(counter);
    }
    return out;
}

std::string describe_world(Z3Domain& domain, const z3::model& model, const SymbolicWorld& world) {
    std::ostringstream out;
    const std::int64_t next_epoch = value_of(model, world.next_epoch);
    out << "    next_epoch=" << next_epoch << "\n";
    std::int64_t largest_counter = 0;
    for (const PartyId id : parties) {
        const SymbolicParty& party = world.parties[model::index_of(id)];
        largest_counter = std::max(largest_counter, value_of(model, party.sending_index));
        for (const auto& chain : party.chains)
            largest_counter = std::max(largest_counter, value_of(model, chain.next_index));
    }
    for (const PartyId id : parties) {
        const SymbolicParty& party = world.parties[model::index_of(id)];
        out << "    " << model::party_name(id) << ": ";
        if (!truth_of(model, party.has_session)) {
            out << "no session";
        } else {
            out << "DHs=e" << value_of(model, party.sending_epoch)
                << " Ns=" << value_of(model, party.sending_index)
                << " PN=" << value_of(model, party.previous_counter)
                << (truth_of(model, party.pending_prekey) ? " prekey" : "") << " chains=[";
            bool first = true;
            for (const auto& chain : party.chains) {
                if (!truth_of(model, chain.present))
                    continue;
                const std::int64_t next = value_of(model, chain.next_index);
                out << (first ? "" : ", ") << "e" << value_of(model, chain.epoch) << ":" << next
                    << " skipped={"
                    << counters_in(domain, model, chain.skipped,
                                   value_of(model, chain.dropped_below) - 1, next + 1)
                    << "} count=" << value_of(model, chain.skipped_count)
                    << " floor=" << value_of(model, chain.dropped_below);
                first = false;
            }
            out << "]";
        }
        out << (truth_of(model, party.holds_one_time_prekey) ? " one-time-prekey" : "") << "\n";
    }
    const auto pairs = [&](const char* label, const PairSet& set, std::int64_t counters) {
        out << "    " << label << ": {";
        bool first = true;
        for (std::int64_t epoch = 0; epoch < std::min<std::int64_t>(next_epoch + 1, 12); ++epoch) {
            for (std::int64_t counter = 0; counter < std::min<std::int64_t>(counters, 24);
                 ++counter) {
                if (truth_of(model, domain.contains(set, domain.literal(epoch),
                                                    domain.literal(counter)))) {
                    out << (first ? "" : " ") << "e" << epoch << "#" << counter;
                    first = false;
                }
            }
        }
        out << "}\n";
    };
    pairs("sent", world.sent, largest_counter + 2);
    pairs("accepted", world.accepted, largest_counter + 2);
    pairs("owner (epoch#party)", world.epoch_owner, 2);
    pairs("derived (epoch#against)", world.epoch_predecessor, next_epoch + 1);
    return out.str();
}

std::string describe_view(const z3::model& model, const SymbolicView& view) {
    return fmt::format(
        "    message: parsed={} prekey={} key_known={} epoch={} agreement={} N={} PN={} "
        "identity_trusted={} base_genuine={} spk_genuine={} one_time={} authentic={}\n",
        truth_of(model, view.parsed), truth_of(model, view.is_prekey),
        truth_of(model, view.key_known), value_of(model, view.epoch),
        truth_of(model, view.key_agreement_ok), value_of(model, view.counter),
        value_of(model, view.previous_counter), truth_of(model, view.identity_trusted),
        truth_of(model, view.base_key_genuine), truth_of(model, view.signed_prekey_genuine),
        value_of(model, view.one_time_prekey), truth_of(model, view.authentic));
}

// ---- obligations ----------------------------------------------------------------------------

struct ObligationPlan {
    Action action;
    std::optional<PartyId> party;
};

std::vector<ObligationPlan> plans() {
    std::vector<ObligationPlan> result{{Action::initial, std::nullopt}};
    for (const Action action : {Action::send, Action::receive_genuine, Action::receive_tampered,
                                Action::receive_forgery, Action::save_restore}) {
        for (const PartyId party : parties)
            result.push_back({action, party});
    }
    result.push_back({Action::network, std::nullopt});
    return result;
}

std::string obligation_name(const Invariant& invariant, const ObligationPlan& plan) {
    std::string name = invariant.id + "." + action_name(plan.action);
    if (plan.party)
        name += std::string(".") + model::party_name(*plan.party);
    return name;
}

// certificate_logic is the SMT-LIB2 logic every certificate declares: uninterpreted functions
// and linear integer arithmetic with quantifiers (the domain's sets are predicates, E12; no
// arrays, bit-vectors or datatypes). Declaring it lets a stock solver pick its procedure without
// guessing: cvc5 answers on its first line without a warning (no --quiet needed).
constexpr const char* certificate_logic = "UFLIA";

std::string certificate_text(const z3::solver& solver, const std::string& name,
                             const std::string& statement) {
    std::string body = const_cast<z3::solver&>(solver).to_smt2("unsat");
    return fmt::format(
        "; Ratchetcheck proof obligation {} (docs/proofs.md): unsat means it holds.\n"
        "; {}\n"
        "(set-logic {})\n"
        "{}",
        name, statement, certificate_logic, body);
}

// solver_options are Z3's global settings for every obligation, and the ones the certificate
// test passes to the z3 command line: the macro finder turns each definitional axiom of the
// domain (∀k. r[k] = ...) into a definition Z3 substitutes, instead of a quantifier E-matching
// has to instantiate — without it some obligations depend on the random seed (docs/proofs.md).
void apply_solver_options() {
    z3::set_param("smt.macro_finder", true);
}

PremiseStatus plan_premises(const Invariant& any, const ObligationPlan& plan,
                            const ProofSettings& settings);

// discharge proves one obligation. With premises_only it instead checks whether the premises
// that every obligation of `plan` builds, with every state invariant of the catalogue as a lemma
// (a superset of any one obligation's premises), are satisfiable: `invariant` then only fills
// the signature, and no goal is queried (plan_premises).
ObligationResult discharge(const Invariant& invariant, const ObligationPlan& plan,
                           const ProofSettings& settings, bool premises_only = false) {
    const auto started = std::chrono::steady_clock::now();
    z3::context context;
    Z3Domain domain(context);
    std::vector<z3::expr> premises;
    const SymbolicParameters parameters = symbolic_parameters(domain, settings, premises);

    SymbolicWorld pre = fresh_world(domain, settings.chain_slots);
    SymbolicWorld post = pre;
    Transition step{.action = plan.action,
                    .party = plan.party.value_or(PartyId::alice),
                    .pre = &pre,
                    .post = &post,
                    .verdict = std::nullopt,
                    .header = std::nullopt,
                    .view = std::nullopt};
    if (plan.action == Action::initial) {
        pre = model::initial_world(domain, parameters, domain.fresh_bool("published_otp"));
        post = model::x3dh_initiate(domain, parameters, pre);
    } else {
        // Inv: the invariant itself (a state invariant) and the lemmas it names; each lemma is
        // proved inductive in the same way, so the conjunction of the catalogue is inductive.
        for (const Invariant& lemma : invariant_catalogue()) {
            const bool named = premises_only || lemma.id == invariant.id ||
                               std::find(invariant.lemmas.begin(), invariant.lemmas.end(),
                                         lemma.id) != invariant.lemmas.end();
            if (lemma.state && named)
                premises.push_back(lemma.state(domain, parameters, pre));
        }
        const PartyId party = step.party;
        switch (plan.action) {
            case Action::send: {
                model::SendStep<Z3Domain> sent = model::send(domain, parameters, pre, party);
                post = sent.world;
                step.verdict = sent.verdict;
                step.header = sent.header;
                break;
            }
            case Action::receive_genuine:
            case Action::receive_tampered:
            case Action::receive_forgery: {
                SymbolicView view = fresh_view(domain);
                if (plan.action != Action::receive_forgery) {
                    // A copy of a message the peer sent: its header as sent.
                    const SymbolicHeader header{.is_prekey = domain.fresh_bool("sent_prekey"),
                                                .epoch = domain.fresh_int("sent_epoch"),
                                                .counter = domain.fresh_int("sent_N"),
                                                .previous_counter = domain.fresh_int("sent_PN")};
                    premises.push_back(domain.contains(pre.sent, header.epoch, header.counter));
                    premises.push_back(domain.contains(
                        pre.epoch_owner, header.epoch,
                        domain.literal(
                            static_cast<std::int64_t>(model::index_of(model::peer_of(party))))));
                    premises.push_back(header.previous_counter >= domain.literal(std::int64_t{0}) &&
                                       header.previous_counter <=
                                           domain.literal(model::max_counter));
                    view = model::genuine_view(domain, pre, header);
                    if (plan.action == Action::receive_tampered)
                        view.authentic = domain.literal(false);
                }
                premises.push_back(model::well_formed_view(domain, pre, party, view));
                const model::ReceiveStep<Z3Domain> received =
                    model::receive(domain, parameters, pre, party, view);
                post = received.world;
                step.verdict = received.verdict;
                step.view = view;
                break;
            }
            case Action::save_restore:
                post = model::save_restore(domain, parameters, pre, party);
                break;
            case Action::network: {
                // The adversary copies (or drops) a message that was sent: the network changes,
                // and with it the world only under a variant that says so.
                const z3::expr epoch = domain.fresh_int("copied_epoch");
                const z3::expr counter = domain.fresh_int("copied_N");
                premises.push_back(domain.contains(pre.sent, epoch, counter));
                post = model::network_duplicate(domain, parameters, pre, epoch, counter);
                break;
            }
            case Action::initial:
                break;
        }
    }
    post = name_world(domain, post, premises);
    const z3::expr goal = premises_only     ? context.bool_val(true)
                          : invariant.state ? invariant.state(domain, parameters, post)
                                            : invariant.step(domain, parameters, step);

    z3::solver solver(context);
    z3::params solver_parameters(context);
    solver_parameters.set("timeout", settings.timeout_milliseconds);
    solver.set(solver_parameters);
    for (const z3::expr& condition : domain.side_conditions())
        solver.add(condition);
    for (const z3::expr& premise : premises)
        solver.add(premise);

    ObligationResult result;
    result.name = obligation_name(invariant, plan);
    // Vacuity (smoke) check: the premises alone, without the negated goal, must be satisfiable.
    // Contradictory premises (a lemma that can never hold together with the transition, a
    // mistake in the prover or the model) would "prove" every goal; such an obligation is not
    // proved but vacuous, and fails the run under its own name.
    // The premises of every obligation of a plan are a subset of the plan's premises with the
    // whole catalogue as lemmas: when those are satisfiable, so are this obligation's, and one
    // check per plan (cached) answers for all of them. Only when it is not is this obligation's
    // own set checked, so that a contradiction is named where it is.
    if (settings.check_vacuity && !premises_only &&
        plan_premises(invariant, plan, settings) == PremiseStatus::satisfiable) {
        result.premises = PremiseStatus::satisfiable;
    } else if (settings.check_vacuity || premises_only) {
        z3::params smoke_parameters(context);
        smoke_parameters.set("timeout", settings.vacuity_timeout_milliseconds);
        solver.set(smoke_parameters);
        const auto smoke_started = std::chrono::steady_clock::now();
        const z3::check_result answer = solver.check();
        result.vacuity_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - smoke_started).count();
        solver.set(solver_parameters);
        result.premises = answer == z3::sat     ? PremiseStatus::satisfiable
                          : answer == z3::unsat ? PremiseStatus::contradictory
                                                : PremiseStatus::undetermined;
        if (premises_only)
            return result;
        if (result.premises == PremiseStatus::contradictory) {
            result.status = "vacuous";
            result.counterexample =
                "  its premises are unsatisfiable without the goal: the "
                "obligation would hold whatever its goal\n";
            result.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            return result;
        }
    }
    // With split_conjuncts the goal is split into its top-level conjuncts, each a query (and a
    // certificate) of its own, so that a counterexample names the conjunct that fails.
    std::vector<z3::expr> parts;
    std::vector<z3::expr> pending{goal};
    while (!pending.empty() && !settings.split_conjuncts && !invariant.split_obligations) {
        parts.push_back(pending.back());
        pending.pop_back();
    }
    while (!pending.empty()) {
        const z3::expr part = pending.back();
        pending.pop_back();
        if (part.is_app() && part.decl().decl_kind() == Z3_OP_AND) {
            for (unsigned index = part.num_args(); index-- > 0;)
                pending.push_back(part.arg(index));
        } else if (!part.is_true()) {
            parts.push_back(part);
        }
    }
    result.status = "proved";
    for (std::size_t index = 0; index < parts.size(); ++index) {
        solver.push();
        solver.add(!parts[index]);
        const std::string stem =
            parts.size() == 1 ? result.name : fmt::format("{}.part{}", result.name, index + 1);
        result.certificates.push_back({stem, certificate_text(solver, stem, invariant.statement)});
        const z3::check_result answer = solver.check();
        if (answer == z3::sat) {
            result.status = "failed";
            const z3::model model = solver.get_model();
            std::string text = fmt::format("  conjunct {}: {}\n  before:\n", index + 1,
                                           parts[index].to_string().substr(0, 200)) +
                               describe_world(domain, model, pre);
            if (step.view)
                text += describe_view(model, *step.view);
            if (step.verdict) {
                text += fmt::format("    verdict: {}\n",
                                    model::verdict_name(static_cast<model::Verdict>(
                                        value_of(model, *step.verdict))));
            }
            text += "  after:\n" + describe_world(domain, model, post);
            result.counterexample = std::move(text);
            solver.pop();
            break;
        }
        if (answer == z3::unknown) {
            result.status = "unknown";
            result.counterexample =
                fmt::format("  conjunct {}: {}\n  solver: {}\n", index + 1,
                            parts[index].to_string().substr(0, 300), solver.reason_unknown());
            solver.pop();
            break;
        }
        solver.pop();
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

// plan_premises is the vacuity check of a whole plan, computed once per plan and settings (the
// variant, the fixed limits, the slots) and remembered; the first obligation to ask computes it
// while the others of the same plan wait.
PremiseStatus plan_premises(const Invariant& any, const ObligationPlan& plan,
                            const ProofSettings& settings) {
    struct Entry {
        model::Variant variant;
        std::map<std::string, std::int64_t> fixed_limits;
        std::size_t chain_slots;
        std::string plan;
        PremiseStatus status;
    };
    static std::mutex mutex;
    static std::vector<Entry> remembered;
    const std::string name = obligation_name(any, plan).substr(any.id.size());
    const std::lock_guard<std::mutex> lock(mutex);
    for (const Entry& entry : remembered) {
        if (entry.variant == settings.variant && entry.fixed_limits == settings.fixed_limits &&
            entry.chain_slots == settings.chain_slots && entry.plan == name)
            return entry.status;
    }
    const PremiseStatus status = discharge(any, plan, settings, true).premises;
    remembered.push_back(
        {settings.variant, settings.fixed_limits, settings.chain_slots, name, status});
    return status;
}

}  // namespace

const std::vector<std::string>& limit_names() {
    static const std::vector<std::string> names{"max_forward_jump", "max_skipped_keys_per_chain",
                                                "max_skipped_keys_total"};
    return names;
}

InvariantResult prove_invariant(const Invariant& invariant, const ProofSettings& settings) {
    InvariantResult result{
        .invariant = &invariant, .proved = true, .seconds = 0, .obligations = {}};
    std::vector<ObligationPlan> selected;
    for (const ObligationPlan& plan : plans()) {
        if (invariant.step && (plan.action == Action::network))
            continue;  // the network changes no party: step properties speak of send and receive
        selected.push_back(plan);
    }
    // Every obligation has a Z3 context of its own, so they are discharged on `jobs` threads;
    // Z3's global parameters and the catalogues are set up before any thread starts.
    apply_solver_options();
    (void)invariant_catalogue();
    std::vector<ObligationResult> obligations(selected.size());
    std::atomic<std::size_t> next_plan{0};
    std::mutex progress_mutex;
    const auto work = [&] {
        for (std::size_t index = next_plan++; index < selected.size(); index = next_plan++) {
            obligations[index] = discharge(invariant, selected[index], settings);
            if (settings.progress) {
                const std::lock_guard<std::mutex> lock(progress_mutex);
                settings.progress(obligations[index]);
            }
        }
    };
    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t jobs =
        std::min<std::size_t>(settings.jobs == 0 ? hardware : settings.jobs, selected.size());
    std::vector<std::thread> threads;
    for (std::size_t thread = 1; thread < jobs; ++thread)
        threads.emplace_back(work);
    work();
    for (std::thread& thread : threads)
        thread.join();
    for (ObligationResult& obligation : obligations) {
        result.proved = result.proved && obligation.status == "proved";
        result.seconds += obligation.seconds;
        result.obligations.push_back(std::move(obligation));
    }
    return result;
}

const char* premise_status_name(PremiseStatus status) {
    switch (status) {
        case PremiseStatus::satisfiable:
            return "satisfiable";
        case PremiseStatus::contradictory:
            return "contradictory";
        case PremiseStatus::undetermined:
            return "undetermined";
    }
    return "undetermined";
}

std::string solver_version() {
    unsigned major = 0, minor = 0, build = 0, revision = 0;
    Z3_get_version(&major, &minor, &build, &revision);
    return fmt::format("{}.{}.{}", major, minor, build);
}

}  // namespace ratchetcheck::proofs
