// CorsPolicy: which browser origins may call glmgate (config `cors_origins`), and the CORS
// headers of answers and preflights (Fetch standard, "CORS protocol"). Built once at start-up,
// then read-only and shared by all I/O threads. Pure: no I/O, no Beast.
//
// Choices: an origin not on the list gets no CORS header at all (the browser then blocks the
// answer), and its preflight a 403; `"*"` answers `Access-Control-Allow-Origin: *` to any origin.
// Credentials (cookies) are never allowed: keys travel in headers, which `*` permits.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace glmgate {

class CorsPolicy {
 public:
  CorsPolicy() = default;
  // `origins`: "scheme://host[:port]" entries, or "*" (validated by the config loader).
  explicit CorsPolicy(std::vector<std::string> origins);

  bool enabled() const { return any_ || !origins_.empty(); }
  // The Access-Control-Allow-Origin value for a request's Origin: "*", or the configured entry
  // (owned by the policy, so it outlives any request); empty when the origin is not allowed.
  std::string_view allow_origin(std::string_view origin) const;

  // Adds Access-Control-Allow-Origin, Vary and Access-Control-Expose-Headers to an answer whose
  // other headers are `headers` (its own x-glmgate-* headers are exposed as well).
  static void mark_answer(Headers& headers, std::string_view allow_origin);
  // The headers of a 204 preflight answer. `methods` is the path's Allow list; the requested
  // headers are echoed when they are a plain list of field names, else the SDKs' set is sent.
  static void mark_preflight(Headers& headers, std::string_view allow_origin,
                             std::string_view methods, std::string_view requested_headers);

 private:
  std::vector<std::string> origins_;  // lower-case
  bool any_ = false;
};

}  // namespace glmgate
