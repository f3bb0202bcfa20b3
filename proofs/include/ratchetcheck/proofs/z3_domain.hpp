// Z3Domain: the model's value domain as Z3 terms (model/domain.hpp), so that the model's own
// transition functions build the transition relation the proofs reason about.
//
// Encoding (docs/proofs.md, "The symbolic domain"), all in standard SMT-LIB2 theories so that the
// certificates re-check in cvc5: Bool and Int are Z3 booleans and mathematical integers;
// a CounterSet is an (Array Int Bool); a KeySet of (epoch, counter) pairs is an
// (Array Int (Array Int Bool)). Operations with a store form (insert, erase) are terms; the two
// range operations (insert_range, keep_from) make a fresh array and record its definition,
// ∀k. r[k] = ..., as a side condition (definitions are conservative: they constrain only the fresh
// symbol). drop_threshold is a fresh integer, unconstrained: the proofs hold for every threshold,
// so they do not depend on which keys are the oldest (axiom A1/A2, docs/proofs.md).
#pragma once

#include <z3++.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ratchetcheck/model/domain.hpp"

namespace ratchetcheck::proofs {

class Z3Domain {
  public:
    using Bool = z3::expr;
    using Int = z3::expr;
    using KeySet = z3::expr;      // (Array Int (Array Int Bool))
    using CounterSet = z3::expr;  // (Array Int Bool)

    // The domain builds terms in `context`, which must outlive it. Fresh names start with
    // `prefix`, so two domains on one context (a pre and a post state) never clash.
    explicit Z3Domain(z3::context& context, std::string prefix = "");

    z3::context& context() { return context_; }

    Bool literal(bool value) { return context_.bool_val(value); }
    Int literal(std::int64_t value) { return context_.int_val(static_cast<int64_t>(value)); }
    // One ite serves all four sorts: Bool, Int and both set sorts are z3::expr.
    z3::expr ite(const z3::expr& condition, const z3::expr& then_value,
                 const z3::expr& else_value) {
        return z3::ite(condition, then_value, else_value);
    }

    KeySet empty_pairs();
    Bool contains(const KeySet& set, const Int& epoch, const Int& counter);
    KeySet insert(const KeySet& set, const Int& epoch, const Int& counter);

    CounterSet empty_counters();
    Bool contains(const CounterSet& set, const Int& counter);
    CounterSet insert_range(const CounterSet& set, const Int& from, const Int& to);
    CounterSet erase(const CounterSet& set, const Int& counter);
    CounterSet keep_from(const CounterSet& set, const Int& threshold);
    Int drop_threshold(const CounterSet& set, const Int& how_many);

    // Fresh constants of each sort, named prefix + name + a sequence number.
    Bool fresh_bool(const std::string& name);
    Int fresh_int(const std::string& name);
    CounterSet fresh_counters(const std::string& name);
    KeySet fresh_pairs(const std::string& name);

    z3::sort int_sort() { return context_.int_sort(); }
    z3::sort counter_set_sort() {
        return context_.array_sort(context_.int_sort(), context_.bool_sort());
    }
    z3::sort pair_set_sort() {
        return context_.array_sort(context_.int_sort(), counter_set_sort());
    }

    // forall is ∀bound. body with one multi-pattern: an instance is made for every tuple of
    // ground terms matching all of `triggers` at once. An explicit trigger keeps E-matching from
    // choosing one that loops or starves (docs/proofs.md, "Quantifiers").
    z3::expr forall(const std::vector<z3::expr>& bound, const std::vector<z3::expr>& triggers,
                    const z3::expr& body);

    // assume records a side condition: every obligation built over this domain assumes it.
    void assume(const Bool& condition) { side_conditions_.push_back(condition); }
    const std::vector<z3::expr>& side_conditions() const { return side_conditions_; }

  private:
    std::string fresh_name(const std::string& name);

    z3::context& context_;
    std::string prefix_;
    std::size_t next_fresh_ = 0;
    std::vector<z3::expr> side_conditions_;
};

static_assert(model::Domain<Z3Domain>);

}  // namespace ratchetcheck::proofs
