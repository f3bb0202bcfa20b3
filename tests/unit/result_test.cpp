// Result<T>, Result<void>, RATCHETCHECK_TRY and error_name (result.hpp).
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "ratchetcheck/result.hpp"
#include "unit_fixture.hpp"

namespace ratchetcheck::unit {
namespace {

// Every enumerator of Error with the name result.hpp documents for it (used in reports/JSON).
const std::vector<std::pair<Error, std::string_view>> all_errors = {
    {Error::malformed, "malformed"},
    {Error::bad_version, "bad_version"},
    {Error::invalid_key, "invalid_key"},
    {Error::unknown_prekey_id, "unknown_prekey_id"},
    {Error::untrusted_identity, "untrusted_identity"},
    {Error::duplicate, "duplicate"},
    {Error::too_far_ahead, "too_far_ahead"},
    {Error::authentication_failed, "authentication_failed"},
    {Error::no_session, "no_session"},
    {Error::corrupt_state, "corrupt_state"},
    {Error::key_source_exhausted, "key_source_exhausted"},
    {Error::plaintext_too_large, "plaintext_too_large"},
    {Error::wrong_randomness_length, "wrong_randomness_length"},
    {Error::post_quantum_required, "post_quantum_required"},
};

TEST(ErrorName, EveryErrorHasItsDocumentedName) {
    for (const auto& [error, name] : all_errors)
        EXPECT_EQ(error_name(error), name);
}

TEST(ErrorName, NamesAreDistinctNonEmptyLowercaseIdentifiers) {
    std::set<std::string_view> names;
    for (const auto& [error, name] : all_errors) {
        const std::string_view actual = error_name(error);
        EXPECT_FALSE(actual.empty());
        EXPECT_NE(actual, "unknown");
        for (char character : actual) {
            EXPECT_TRUE((character >= 'a' && character <= 'z') || character == '_') << actual;
        }
        EXPECT_TRUE(names.insert(actual).second) << "duplicate name " << actual;
    }
    EXPECT_EQ(names.size(), all_errors.size());
}

TEST(ErrorName, TheListAboveCoversTheWholeEnum) {
    // The enum's values are 0..N-1; the first value past the list must be outside the enum, so a
    // new Error added without a name (or without a line above) fails here.
    const auto past_the_end = static_cast<Error>(all_errors.size());
    EXPECT_EQ(error_name(past_the_end), "unknown");
    for (std::size_t index = 0; index < all_errors.size(); ++index) {
        EXPECT_EQ(static_cast<std::size_t>(all_errors[index].first), index);
    }
}

TEST(Result, HoldsAValue) {
    Result<int> result(42);
    EXPECT_TRUE(result.ok());
    EXPECT_TRUE(static_cast<bool>(result));
    EXPECT_EQ(result.value(), 42);
}

TEST(Result, HoldsAnError) {
    Result<int> result(Error::duplicate);
    EXPECT_FALSE(result.ok());
    EXPECT_FALSE(static_cast<bool>(result));
    EXPECT_EQ(result.error(), Error::duplicate);
}

TEST(Result, HoldsMoveOnlyValuesAndMovesThemOut) {
    Result<std::unique_ptr<int>> result(std::make_unique<int>(7));
    ASSERT_TRUE(result.ok());
    std::unique_ptr<int> taken = std::move(result).value();
    ASSERT_NE(taken, nullptr);
    EXPECT_EQ(*taken, 7);
}

TEST(Result, ValueIsMutableInPlace) {
    Result<std::string> result(std::string("abc"));
    result.value() += "d";
    EXPECT_EQ(result.value(), "abcd");
}

TEST(ResultVoid, DefaultIsSuccess) {
    const Result<void> result;
    EXPECT_TRUE(result.ok());
    EXPECT_TRUE(static_cast<bool>(result));
}

TEST(ResultVoid, HoldsAnError) {
    const Result<void> result(Error::corrupt_state);
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(result.error(), Error::corrupt_state);
}

// Helpers for RATCHETCHECK_TRY: `reached_end` records whether the code after the TRY ran.
Result<void> fails_with(Error error) {
    return error;
}
Result<void> succeeds() {
    return {};
}

Result<int> try_then_return(Result<void> (*step)(), bool& reached_end) {
    RATCHETCHECK_TRY(step());
    reached_end = true;
    return 1;
}

Result<void> fail_invalid_key() {
    return fails_with(Error::invalid_key);
}

TEST(RatchetcheckTry, ReturnsTheErrorOfAFailedStepAndStops) {
    bool reached_end = false;
    const Result<int> result = try_then_return(&fail_invalid_key, reached_end);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error(), Error::invalid_key);
    EXPECT_FALSE(reached_end);
}

TEST(RatchetcheckTry, ContinuesAfterASuccessfulStep) {
    bool reached_end = false;
    const Result<int> result = try_then_return(&succeeds, reached_end);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value(), 1);
    EXPECT_TRUE(reached_end);
}

TEST(RatchetcheckTry, WorksOnResultsWithValues) {
    const auto propagate = [](Result<int> inner) -> Result<void> {
        RATCHETCHECK_TRY(inner);
        return {};
    };
    EXPECT_TRUE(propagate(Result<int>(3)).ok());
    const Result<void> failed = propagate(Result<int>(Error::too_far_ahead));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error(), Error::too_far_ahead);
}

}  // namespace
}  // namespace ratchetcheck::unit
