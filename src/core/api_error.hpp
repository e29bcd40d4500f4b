// ApiError: the error value every step of the request path returns instead of throwing.
// Each surface maps it to its own wire shape in exactly one place. Plain value type; no I/O.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace glmgate {

struct ApiError {
  int status = 500;
  std::string type;     // broad class: invalid_request_error, rate_limit_error, upstream_error...
  std::string code;     // specific: model_not_found, unsupported_parameter, invalid_api_key...
  std::string message;  // human readable; never holds a secret
  std::string param;    // the offending request field, when there is one
  // Set when an upstream call failed (the router's retry decisions): its HTTP status (0 for a
  // connect error, a reset or a timeout) and the wait its Retry-After asked for.
  bool from_upstream = false;
  int upstream_status = 0;
  std::string upstream_code{};  // its error's code ("1113", "insufficient_quota"), when it had one
  std::int64_t retry_after_ms = 0;

  static ApiError invalid_request(std::string message, std::string param = {},
                                  std::string code = {}) {
    return {400, "invalid_request_error", std::move(code), std::move(message), std::move(param)};
  }
  static ApiError unsupported_parameter(std::string message, std::string param) {
    return {400, "invalid_request_error", "unsupported_parameter", std::move(message),
            std::move(param)};
  }
  static ApiError invalid_api_key(std::string message) {
    return {401, "invalid_request_error", "invalid_api_key", std::move(message), {}};
  }
  static ApiError not_found(std::string message, std::string code = "not_found") {
    return {404, "invalid_request_error", std::move(code), std::move(message), {}};
  }
  static ApiError model_not_found(const std::string& model) {
    return {404, "invalid_request_error", "model_not_found",
            "The model `" + model + "` does not exist or you do not have access to it.", "model"};
  }
  static ApiError body_too_large(std::size_t limit) {
    return {413,
            "invalid_request_error",
            "request_too_large",
            "Request body is larger than the limit of " + std::to_string(limit) + " bytes.",
            {}};
  }
  static ApiError internal(std::string message) {
    return {500, "internal_error", "internal_error", std::move(message), {}};
  }
  static ApiError upstream(std::string message, std::string code = "upstream_error") {
    return {502, "upstream_error", std::move(code), std::move(message), {}};
  }
  static ApiError upstream_timeout(std::string message) {
    return {504, "timeout_error", "upstream_timeout", std::move(message), {}};
  }
  static ApiError rate_limited(std::string message, std::string code = "rate_limit_exceeded") {
    return {429, "rate_limit_error", std::move(code), std::move(message), {}};
  }
  static ApiError unavailable(std::string message, std::string code = "service_unavailable") {
    return {503, "service_unavailable", std::move(code), std::move(message), {}};
  }
};

// A value or an ApiError; the request path's return type.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(ApiError error) : error_(std::move(error)) {}
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  T* operator->() { return &*value_; }
  const ApiError& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<ApiError> error_;
};

}  // namespace glmgate
