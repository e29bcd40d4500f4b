// How a failed upstream call is classed, for the attempts (retry or not, what the health board
// counts) and the active health checks alike. Pure functions of the ApiError that
// providers/upstream_errors and http_call built.
#pragma once

#include <string_view>

#include "core/api_error.hpp"

namespace glmgate {

// The upstream refused the key (401, 403, Z.ai's 1113, insufficient_quota): the pool's next key.
bool key_refused(const ApiError& e);
// A failure another deployment (or key) may not share. A client's own error (400, 413, 422, a
// content filter) and the gateway's are not.
bool retryable(const ApiError& e);
// What the health board counts against a deployment: what another might not share, and any 5xx
// of the call (an adapter's own failure included).
bool fault(const ApiError& e);
// The cause class every error names: "client", "upstream", "network" or "gateway".
std::string_view cause_class(const ApiError& e);

}  // namespace glmgate
