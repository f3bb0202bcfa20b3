// Z3Domain (z3_domain.hpp).
#include "ratchetcheck/proofs/z3_domain.hpp"

namespace ratchetcheck::proofs {
namespace {

// forall_select is ∀k. body(k) with the single trigger r[k]: an instance is made for every index
// at which the new array is read, which is exactly where a proof needs its definition.
z3::expr forall_with_trigger(z3::context& context, const z3::expr& bound, const z3::expr& trigger,
                             const z3::expr& body) {
    // Z3's C API represents a constant both as an ast and as an app (z3++ converts the same way).
    Z3_app bound_app = reinterpret_cast<Z3_app>(static_cast<Z3_ast>(bound));
    Z3_ast trigger_ast = trigger;
    Z3_pattern pattern = Z3_mk_pattern(context, 1, &trigger_ast);
    Z3_ast quantifier = Z3_mk_forall_const(context, 0, 1, &bound_app, 1, &pattern, body);
    context.check_error();
    return z3::expr(context, quantifier);
}

}  // namespace

z3::expr Z3Domain::forall(const std::vector<z3::expr>& bound, const std::vector<z3::expr>& triggers,
                          const z3::expr& body) {
    std::vector<Z3_app> bound_apps;
    for (const z3::expr& variable : bound)
        bound_apps.push_back(reinterpret_cast<Z3_app>(static_cast<Z3_ast>(variable)));
    std::vector<Z3_ast> trigger_asts;
    for (const z3::expr& trigger : triggers)
        trigger_asts.push_back(trigger);
    Z3_pattern pattern =
        Z3_mk_pattern(context_, static_cast<unsigned>(trigger_asts.size()), trigger_asts.data());
    Z3_ast quantifier = Z3_mk_forall_const(context_, 0, static_cast<unsigned>(bound_apps.size()),
                                           bound_apps.data(), 1, &pattern, body);
    context_.check_error();
    return z3::expr(context_, quantifier);
}

Z3Domain::Z3Domain(z3::context& context, std::string prefix)
    : context_(context), prefix_(std::move(prefix)) {}

std::string Z3Domain::fresh_name(const std::string& name) {
    return prefix_ + name + "!" + std::to_string(next_fresh_++);
}

Z3Domain::KeySet Z3Domain::empty_pairs() {
    return z3::const_array(context_.int_sort(), empty_counters());
}

Z3Domain::Bool Z3Domain::contains(const KeySet& set, const Int& epoch, const Int& counter) {
    return z3::select(z3::select(set, epoch), counter);
}

Z3Domain::KeySet Z3Domain::insert(const KeySet& set, const Int& epoch, const Int& counter) {
    // A fresh set defined pointwise rather than a nested store: a store into the inner array
    // makes Z3 reason about array extensionality on every inner array, which the quantified
    // invariants over (epoch, counter) then cannot get past (docs/proofs.md, "Quantifiers").
    const KeySet result = fresh_pairs("inserted");
    const z3::expr e = context_.int_const(fresh_name("e").c_str());
    const z3::expr n = context_.int_const(fresh_name("n").c_str());
    const z3::expr member = contains(result, e, n);
    assume(
        forall({e, n}, {member}, member == (contains(set, e, n) || (e == epoch && n == counter))));
    return result;
}

Z3Domain::CounterSet Z3Domain::empty_counters() {
    return z3::const_array(context_.int_sort(), literal(false));
}

Z3Domain::Bool Z3Domain::contains(const CounterSet& set, const Int& counter) {
    return z3::select(set, counter);
}

Z3Domain::CounterSet Z3Domain::insert_range(const CounterSet& set, const Int& from, const Int& to) {
    if (z3::eq(from, to))
        return set;
    const CounterSet result = fresh_counters("range");
    const z3::expr k = context_.int_const(fresh_name("k").c_str());
    assume(forall_with_trigger(
        context_, k, z3::select(result, k),
        z3::select(result, k) == (z3::select(set, k) || (from <= k && k < to))));
    return result;
}

Z3Domain::CounterSet Z3Domain::erase(const CounterSet& set, const Int& counter) {
    return z3::store(set, counter, literal(false));
}

Z3Domain::CounterSet Z3Domain::keep_from(const CounterSet& set, const Int& threshold) {
    const CounterSet result = fresh_counters("kept");
    const z3::expr k = context_.int_const(fresh_name("k").c_str());
    assume(forall_with_trigger(context_, k, z3::select(result, k),
                               z3::select(result, k) == (z3::select(set, k) && threshold <= k)));
    return result;
}

Z3Domain::Int Z3Domain::drop_threshold(const CounterSet&, const Int&) {
    return fresh_int("threshold");
}

Z3Domain::Bool Z3Domain::fresh_bool(const std::string& name) {
    return context_.bool_const(fresh_name(name).c_str());
}

Z3Domain::Int Z3Domain::fresh_int(const std::string& name) {
    return context_.int_const(fresh_name(name).c_str());
}

Z3Domain::CounterSet Z3Domain::fresh_counters(const std::string& name) {
    return context_.constant(fresh_name(name).c_str(), counter_set_sort());
}

Z3Domain::KeySet Z3Domain::fresh_pairs(const std::string& name) {
    return context_.constant(fresh_name(name).c_str(), pair_set_sort());
}

}  // namespace ratchetcheck::proofs
