// How a failed upstream call is classed; see upstream_faults.hpp.
#include "gateway/upstream_faults.hpp"

namespace glmgate {

bool key_refused(const ApiError& e) {
  return e.from_upstream && (e.upstream_status == 401 || e.upstream_status == 403 ||
                             e.upstream_code == "1113" || e.upstream_code == "insufficient_quota");
}

// A failure another deployment (or key) may not share. A client's own error (400, 413, 422, a
// content filter) and the gateway's are not.
bool retryable(const ApiError& e) {
  if (!e.from_upstream) return false;
  if (e.code == "upstream_output_too_large") return false;
  if (key_refused(e)) return true;
  if (e.upstream_status == 0) return true;  // connect error, reset, timeout before the first byte
  return e.status >= 500 || e.status == 429 || e.upstream_status == 429;
}

// What the health board counts against a deployment: what another might not share, and any
// 5xx of the call (an adapter's own failure included).
bool fault(const ApiError& e) {
  return retryable(e) || (e.status >= 500 && e.code != "upstream_output_too_large");
}

// The cause class every error names: the client's request, an upstream's answer, the network on
// the way to it, or the gateway itself.
std::string_view cause_class(const ApiError& e) {
  if (e.from_upstream) {
    if (e.upstream_status == 0) return "network";
    return e.status >= 400 && e.status < 500 && e.status != 429 ? "client" : "upstream";
  }
  return e.status >= 500 ? "gateway" : "client";
}

}  // namespace glmgate
