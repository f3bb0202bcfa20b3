// A protocol variant is a model parameter, not a fork (ARCHITECTURE.md model/). These tests run
// the model-agreement property against a *variant* of the model, named by
// RATCHETCHECK_MODEL_VARIANT, and are skipped when it is not set. tests/mutants runs them on the
// mutant that implements the variant: the mutant then refines the model — evidence that the
// parameter means what it says.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdlib>
#include <string>

#include "property_support.hpp"

namespace ratchetcheck::property {
namespace {

TEST(ModelVariants, ImplementationRefinesTheNamedVariant) {
    const char* name = std::getenv("RATCHETCHECK_MODEL_VARIANT");
    if (name == nullptr)
        GTEST_SKIP() << "RATCHETCHECK_MODEL_VARIANT is not set";
    model::Variant variant;
    if (std::string(name) == "keep_used_skipped_keys") {
        // DR §3.5 without "del state.MKSKIPPED[...]": a used skipped key stays stored.
        variant.delete_used_skipped_keys = false;
    } else {
        FAIL() << "unknown variant " << name << " (known: keep_used_skipped_keys)";
    }
    EXPECT_TRUE(rc::check(std::string("the implementation refines the variant ") + name, [variant] {
        check_stateful_property({.name = "ImplementationRefinesTheNamedVariant",
                                 .mix = {.deliver = 10, .duplicate = 4},
                                 .limits = LimitsKind::mixed,
                                 .asserted = {Check::model_agreement},
                                 .variant = variant});
    }));
}

}  // namespace
}  // namespace ratchetcheck::property
