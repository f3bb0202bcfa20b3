// Z3Domain (z3_domain.hpp).
#include "ratchetcheck/proofs/z3_domain.hpp"

namespace ratchetcheck::proofs {

Z3Domain::Z3Domain(z3::context& context) : context_(context) {}

std::string Z3Domain::fresh_name(const std::string& name) {
    return name + "!" + std::to_string(next_fresh_++);
}

z3::expr Z3Domain::forall(const std::vector<z3::expr>& bound, const std::vector<z3::expr>& triggers,
                          const z3::expr& body) {
    std::vector<Z3_app> bound_apps;
    bound_apps.reserve(bound.size());
    // Z3's C API takes a bound constant as an app (z3++ converts the same way).
    for (const z3::expr& variable : bound)
        bound_apps.push_back(reinterpret_cast<Z3_app>(static_cast<Z3_ast>(variable)));
    std::vector<Z3_ast> trigger_asts;
    trigger_asts.reserve(triggers.size());
    for (const z3::expr& trigger : triggers)
        trigger_asts.push_back(trigger);
    Z3_pattern pattern =
        Z3_mk_pattern(context_, static_cast<unsigned>(trigger_asts.size()), trigger_asts.data());
    Z3_ast quantifier = Z3_mk_forall_const(context_, 0, static_cast<unsigned>(bound_apps.size()),
                                           bound_apps.data(), 1, &pattern, body);
    context_.check_error();
    return z3::expr(context_, quantifier);
}

template <typename Body>
Z3Domain::CounterSet Z3Domain::define_counters(const std::string& name, Body body) {
    CounterSet result = fresh_counters(name);
    const z3::expr k = context_.int_const(fresh_name("k").c_str());
    const z3::expr member = result.relation(k);
    assume(forall({k}, {member}, member == body(k)));
    return result;
}

template <typename Body>
Z3Domain::KeySet Z3Domain::define_pairs(const std::string& name, Body body) {
    KeySet result = fresh_pairs(name);
    const z3::expr e = context_.int_const(fresh_name("e").c_str());
    const z3::expr n = context_.int_const(fresh_name("n").c_str());
    const z3::expr member = result.relation(e, n);
    assume(forall({e, n}, {member}, member == body(e, n)));
    return result;
}

Z3Domain::KeySet Z3Domain::ite(const Bool& condition, const KeySet& then_value,
                               const KeySet& else_value) {
    if (z3::eq(then_value.relation, else_value.relation) || condition.is_true())
        return then_value;
    if (condition.is_false())
        return else_value;
    return define_pairs("either", [&](const z3::expr& e, const z3::expr& n) {
        return z3::ite(condition, then_value.relation(e, n), else_value.relation(e, n));
    });
}

Z3Domain::CounterSet Z3Domain::ite(const Bool& condition, const CounterSet& then_value,
                                   const CounterSet& else_value) {
    if (z3::eq(then_value.relation, else_value.relation) || condition.is_true())
        return then_value;
    if (condition.is_false())
        return else_value;
    return define_counters("either", [&](const z3::expr& k) {
        return z3::ite(condition, then_value.relation(k), else_value.relation(k));
    });
}

Z3Domain::KeySet Z3Domain::empty_pairs() {
    return define_pairs("no_pairs",
                        [&](const z3::expr&, const z3::expr&) { return literal(false); });
}

Z3Domain::Bool Z3Domain::contains(const KeySet& set, const Int& epoch, const Int& counter) {
    return set.relation(epoch, counter);
}

Z3Domain::KeySet Z3Domain::insert(const KeySet& set, const Int& epoch, const Int& counter) {
    return define_pairs("inserted", [&](const z3::expr& e, const z3::expr& n) {
        return set.relation(e, n) || (e == epoch && n == counter);
    });
}

Z3Domain::CounterSet Z3Domain::empty_counters() {
    return define_counters("no_counters", [&](const z3::expr&) { return literal(false); });
}

Z3Domain::Bool Z3Domain::contains(const CounterSet& set, const Int& counter) {
    return set.relation(counter);
}

Z3Domain::CounterSet Z3Domain::insert_range(const CounterSet& set, const Int& from, const Int& to) {
    if (z3::eq(from, to))
        return set;
    return define_counters(
        "range", [&](const z3::expr& k) { return set.relation(k) || (from <= k && k < to); });
}

Z3Domain::CounterSet Z3Domain::erase(const CounterSet& set, const Int& counter) {
    return define_counters("erased",
                           [&](const z3::expr& k) { return set.relation(k) && k != counter; });
}

Z3Domain::CounterSet Z3Domain::keep_from(const CounterSet& set, const Int& threshold) {
    return define_counters("kept",
                           [&](const z3::expr& k) { return set.relation(k) && threshold <= k; });
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
    return CounterSet{
        context_.function(fresh_name(name).c_str(), context_.int_sort(), context_.bool_sort())};
}

Z3Domain::KeySet Z3Domain::fresh_pairs(const std::string& name) {
    return KeySet{context_.function(fresh_name(name).c_str(), context_.int_sort(),
                                    context_.int_sort(), context_.bool_sort())};
}

Z3Domain::CounterSet Z3Domain::counters_of(const std::vector<std::int64_t>& elements) {
    return define_counters("counters", [&](const z3::expr& k) {
        z3::expr member = literal(false);
        for (const std::int64_t element : elements)
            member = member || k == literal(element);
        return member;
    });
}

Z3Domain::KeySet Z3Domain::pairs_of(
    const std::vector<std::pair<std::int64_t, std::int64_t>>& elements) {
    return define_pairs("pairs", [&](const z3::expr& e, const z3::expr& n) {
        z3::expr member = literal(false);
        for (const auto& [epoch, counter] : elements)
            member = member || (e == literal(epoch) && n == literal(counter));
        return member;
    });
}

Z3Domain::Bool Z3Domain::same(const CounterSet& left, const CounterSet& right) {
    const z3::expr k = context_.int_const(fresh_name("k").c_str());
    return forall({k}, {left.relation(k)}, left.relation(k) == right.relation(k)) &&
           forall({k}, {right.relation(k)}, left.relation(k) == right.relation(k));
}

}  // namespace ratchetcheck::proofs
