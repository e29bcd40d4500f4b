// Decision: what a request-path contract (the wallet's hold, the rate limiter's admission) answers.
// Four answers, because the pipeline treats each differently:
//   granted      the hold is taken, the request admitted;
//   refused      the caller's own limit: out of credit (402), over its rate (429), no account
//                (403); `error()` is the answer to send, in any surface's shape;
//   unavailable  a shared backend (Redis, PostgreSQL) could not be asked in time: the pipeline
//                answers 503 and takes or charges nothing; never the caller's fault, never a 500;
//   pending      the answer needs a round trip: await the contract's asynchronous form, which
//                never answers `pending`.
// The synchronous forms (`try_hold`, `try_admit`) are what an in-process backend implements: they
// always answer at once, so the common path costs no coroutine frame and no allocation. A network
// backend answers `pending` from them (or at once from a local cache) and implements the awaitable
// form. A plain value, moved between the steps of one request.
#pragma once

#include <optional>
#include <utility>

#include "core/api_error.hpp"

namespace glmgate {

template <class T>
class Decision {
 public:
  enum class Kind : unsigned char { granted, refused, unavailable, pending };

  static Decision granted(T value) { return Decision(Kind::granted, std::move(value), {}); }
  static Decision refused(ApiError error) { return Decision(Kind::refused, T{}, std::move(error)); }
  // A 503 that names what could not be reached.
  static Decision unavailable(std::string message) {
    return Decision(Kind::unavailable, T{}, ApiError::unavailable(std::move(message)));
  }
  static Decision pending() { return Decision(Kind::pending, T{}, {}); }

  Kind kind() const { return kind_; }
  bool is_pending() const { return kind_ == Kind::pending; }
  // True when granted.
  explicit operator bool() const { return kind_ == Kind::granted; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  // The answer to send when refused or unavailable.
  const ApiError& error() const { return *error_; }

 private:
  Decision(Kind kind, T value, std::optional<ApiError> error)
      : kind_(kind), value_(std::move(value)), error_(std::move(error)) {}

  Kind kind_;
  T value_;
  std::optional<ApiError> error_;
};

}  // namespace glmgate
