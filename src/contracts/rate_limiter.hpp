// RateLimiter: a key's requests per minute, tokens per minute and requests in flight.
//
// Threading: called from I/O threads (and the task runner) at any time; must not block. The
// in-process implementation (limits/key_limiter) answers at once from memory.
// Ordering: admit() before the call, release() once when an admitted call that holds a slot
// ends, add_tokens() once its usage is known. release() and add_tokens() of a call that was not
// admitted are the caller's bug.
// Errors: admit() returns the 429 to send (rate_limit_exceeded with retry-after, or
// concurrency_limit_exceeded), never anything else; a shared backend that cannot be reached
// decides for itself whether to admit (next issue) and says so in its own documentation.
#pragma once

#include <cstdint>
#include <optional>

#include "contracts/key_info.hpp"
#include "core/api_error.hpp"
#include "http/message.hpp"

namespace glmgate {

// The limits that apply to one key, resolved from the key, its account's tier and the defaults.
struct KeyLimits {
  std::int64_t rpm = 0;              // requests per minute; 0: unlimited
  std::int64_t tpm = 0;              // tokens per minute; 0: unlimited
  std::int64_t max_concurrency = 0;  // requests in flight; 0: unlimited
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Admits one request of `key` or refuses it (429). `headers` receives the x-ratelimit-* headers
  // that go on the response either way. An admitted request holds a concurrency slot when the
  // key is capped; release() frees it.
  virtual std::optional<ApiError> admit(const KeyInfo& key, const KeyLimits& limits,
                                        Headers& headers) = 0;
  virtual void release(const KeyInfo& key, const KeyLimits& limits) = 0;
  // Counts the tokens a finished request used against the key's tokens-per-minute limit.
  virtual void add_tokens(const KeyInfo& key, const KeyLimits& limits, std::int64_t tokens) = 0;
};

}  // namespace glmgate
