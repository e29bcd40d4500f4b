// RateLimiter: a key's requests per minute, tokens per minute and requests in flight.
//
// Asking: try_admit() answers at once when it can (the in-process limiter always does); when it
// answers `pending` (a shared backend that needs a round trip), await admit(), which never does.
// See contracts/decision.hpp for the four answers.
// Errors: refused with the 429 to send (rate_limit_exceeded with retry-after, or
// concurrency_limit_exceeded); `unavailable` (503) when a shared backend cannot be reached and
// chooses not to admit blind; nothing is taken then. A backend that prefers to fail open
// answers `granted` and says so in its own documentation.
// Ordering: release() once when an admitted call that holds a slot ends, add_tokens() once its
// usage is known; both never wait (a shared backend applies them in the background). Either for
// a call that was not admitted is the caller's bug.
// Threading: called from I/O threads and the task runner at any time; nothing blocks.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>

#include "contracts/decision.hpp"
#include "contracts/key_info.hpp"
#include "http/message.hpp"

namespace glmgate {

// The limits that apply to one key, resolved from the key, its account's tier and the defaults.
struct KeyLimits {
  std::int64_t rpm = 0;              // requests per minute; 0: unlimited
  std::int64_t tpm = 0;              // tokens per minute; 0: unlimited
  std::int64_t max_concurrency = 0;  // requests in flight; 0: unlimited
};

// An admission carries nothing but its kind.
struct Admitted {};
using Admission = Decision<Admitted>;

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Admits one request of `key`, or says why not, at once; `pending` when only admit() can tell.
  // `headers` receives the x-ratelimit-* headers that go on the response either way. An
  // admitted request holds a concurrency slot when the key is capped; release() frees it.
  virtual Admission try_admit(const KeyInfo& key, const KeyLimits& limits, Headers& headers) = 0;
  // The same after a round trip to a shared backend; never `pending`. The arguments must outlive
  // the await. An in-process limiter need not override it.
  virtual boost::asio::awaitable<Admission> admit(const KeyInfo& key, const KeyLimits& limits,
                                                  Headers& headers) {
    co_return try_admit(key, limits, headers);
  }
  virtual void release(const KeyInfo& key, const KeyLimits& limits) = 0;
  // Counts the tokens a finished request used against the key's tokens-per-minute limit.
  virtual void add_tokens(const KeyInfo& key, const KeyLimits& limits, std::int64_t tokens) = 0;
};

}  // namespace glmgate
