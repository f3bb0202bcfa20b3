// Errors as values: the closed error enum and Result<T> used across the protocol API.
#pragma once

#include <cassert>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace ratchetcheck {

// Error is the closed set of reasons an operation can fail. Every rejection of input maps to
// exactly one of these; authentication failures of any kind are the single opaque
// `authentication_failed` (no oracle about which byte or which check failed).
enum class Error {
    malformed,              // cannot be parsed: bad length, protobuf error, missing field
    bad_version,            // unsupported message version, or inner/outer versions differ
    invalid_key,            // a key is not a valid 33-byte 0x05 key, a DH output is all zero,
                            // or a signature over a key does not verify
    unknown_prekey_id,      // a PreKeySignalMessage names a prekey this party does not hold
    untrusted_identity,     // the peer's identity key is not the trusted one
    duplicate,              // the message key was already used
    too_far_ahead,          // the counter jumps further than the profile allows
    authentication_failed,  // MAC or padding check failed, or keys disagree
    no_session,             // no session exists to decrypt or encrypt with
    corrupt_state,          // serialized state is truncated, inconsistent or of another version
    key_source_exhausted,   // the injected key source had no key left to hand out
    plaintext_too_large,    // encrypt: the plaintext is over 2^31 - 17 bytes (AES-256-CBC's
                            // lengths are OpenSSL ints)

    // A deterministic primitive (Kyber-1024 key generation or encapsulation) was handed
    // randomness of the wrong size: its caller's or key source's fault, never a peer's.
    wrong_randomness_length,

    // A party whose profile requires post-quantum key agreement (signal-v4-pqxdh) was handed a
    // bundle without a Kyber prekey: refused, never downgraded to X3DH (PQXDH §3.2: every bundle
    // carries a signed post-quantum prekey).
    post_quantum_required,
};

// error_name returns a stable lowercase identifier for `error` (used in reports and JSON).
constexpr std::string_view error_name(Error error) {
    switch (error) {
        case Error::malformed:
            return "malformed";
        case Error::bad_version:
            return "bad_version";
        case Error::invalid_key:
            return "invalid_key";
        case Error::unknown_prekey_id:
            return "unknown_prekey_id";
        case Error::untrusted_identity:
            return "untrusted_identity";
        case Error::duplicate:
            return "duplicate";
        case Error::too_far_ahead:
            return "too_far_ahead";
        case Error::authentication_failed:
            return "authentication_failed";
        case Error::no_session:
            return "no_session";
        case Error::corrupt_state:
            return "corrupt_state";
        case Error::key_source_exhausted:
            return "key_source_exhausted";
        case Error::plaintext_too_large:
            return "plaintext_too_large";
        case Error::wrong_randomness_length:
            return "wrong_randomness_length";
        case Error::post_quantum_required:
            return "post_quantum_required";
    }
    return "unknown";
}

// Result<T> holds either a T or an Error. Check `ok()` before `value()`; reading the wrong
// alternative is a programming error (asserted). Move-only T are supported.
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : storage_(std::in_place_index<1>, error) {}

    bool ok() const { return storage_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(storage_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(storage_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(storage_));
    }
    Error error() const {
        assert(!ok());
        return std::get<1>(storage_);
    }

  private:
    std::variant<T, Error> storage_;
};

// Result<void> is the success-or-error outcome of an operation with no value.
template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(error), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    Error error() const {
        assert(failed_);
        return error_;
    }

  private:
    Error error_{};
    bool failed_ = false;
};

}  // namespace ratchetcheck

// RATCHETCHECK_TRY(expr) returns the error of a failed Result from the enclosing function.
#define RATCHETCHECK_TRY(expression)                            \
    do {                                                        \
        if (auto try_result_ = (expression); !try_result_.ok()) \
            return try_result_.error();                         \
    } while (0)
