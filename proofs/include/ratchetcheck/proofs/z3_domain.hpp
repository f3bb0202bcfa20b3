// Z3Domain: the model's value domain as Z3 terms (model/domain.hpp), so that the model's own
// transition functions build the transition relation the proofs reason about.
//
// Encoding (docs/proofs.md, "The symbolic domain"), in standard SMT-LIB2 (UFLIA with
// quantifiers) so that the certificates re-check in cvc5: Bool and Int are Z3 booleans and
// mathematical integers; a set is an uninterpreted predicate — a CounterSet a unary one over
// Int, a KeySet of (epoch, counter) pairs a binary one. Every set operation (insert, erase,
// insert_range, keep_from, ite of sets) declares a fresh predicate and records its definition,
// ∀x. r(x) ⇔ body, as a side condition. A definition constrains only its fresh symbol, so it is
// conservative; Z3's macro finder substitutes it away, so the sets cost no array reasoning.
// drop_threshold is a fresh integer, unconstrained: the proofs hold for every threshold, so they
// do not depend on which keys are the oldest (axioms A1/A2, docs/proofs.md).
#pragma once

#include <z3++.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ratchetcheck/model/domain.hpp"

namespace ratchetcheck::proofs {

// PairSet and CounterRelation name a predicate; two types so that the domain's overloads
// (contains, ite) tell the set sorts apart from each other and from Bool and Int.
struct PairSet {
    z3::func_decl relation;  // (Int Int) -> Bool
};
struct CounterRelation {
    z3::func_decl relation;  // (Int) -> Bool
};

class Z3Domain {
  public:
    using Bool = z3::expr;
    using Int = z3::expr;
    using KeySet = PairSet;
    using CounterSet = CounterRelation;

    // The domain builds terms in `context`, which must outlive it.
    explicit Z3Domain(z3::context& context);

    z3::context& context() { return context_; }

    Bool literal(bool value) { return context_.bool_val(value); }
    Int literal(std::int64_t value) { return context_.int_val(static_cast<int64_t>(value)); }
    // One ite serves Bool and Int (both z3::expr); the set sorts have their own.
    z3::expr ite(const z3::expr& condition, const z3::expr& then_value,
                 const z3::expr& else_value) {
        return z3::ite(condition, then_value, else_value);
    }
    KeySet ite(const Bool& condition, const KeySet& then_value, const KeySet& else_value);
    CounterSet ite(const Bool& condition, const CounterSet& then_value,
                   const CounterSet& else_value);

    KeySet empty_pairs();
    Bool contains(const KeySet& set, const Int& epoch, const Int& counter);
    KeySet insert(const KeySet& set, const Int& epoch, const Int& counter);

    CounterSet empty_counters();
    Bool contains(const CounterSet& set, const Int& counter);
    CounterSet insert_range(const CounterSet& set, const Int& from, const Int& to);
    CounterSet erase(const CounterSet& set, const Int& counter);
    CounterSet keep_from(const CounterSet& set, const Int& threshold);
    Int drop_threshold(const CounterSet& set, const Int& how_many);

    // Fresh constants and undefined sets of each sort, named name!k.
    Bool fresh_bool(const std::string& name);
    Int fresh_int(const std::string& name);
    CounterSet fresh_counters(const std::string& name);
    KeySet fresh_pairs(const std::string& name);
    // Sets with exactly the given elements (concrete states written as terms).
    CounterSet counters_of(const std::vector<std::int64_t>& elements);
    KeySet pairs_of(const std::vector<std::pair<std::int64_t, std::int64_t>>& elements);
    // same: the two sets have the same elements (∀x. a(x) ⇔ b(x)).
    Bool same(const CounterSet& left, const CounterSet& right);

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
    // define_counters / define_pairs declare a fresh set r and assume ∀x. r(x) ⇔ body(x).
    template <typename Body>
    CounterSet define_counters(const std::string& name, Body body);
    template <typename Body>
    KeySet define_pairs(const std::string& name, Body body);

    z3::context& context_;
    std::size_t next_fresh_ = 0;
    std::vector<z3::expr> side_conditions_;
};

static_assert(model::Domain<Z3Domain>);

}  // namespace ratchetcheck::proofs
