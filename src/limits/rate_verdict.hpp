// What a key's limits decided for one request, and how that becomes the answer a client sees:
// the x-ratelimit-* headers (OpenAI's names and duration style), retry-after and the 429 errors.
// Shared by every rate limiter (the in-process KeyLimiter, the Redis one) so that a client cannot
// tell which counted it. The GCRA rates of a key's rpm and tpm are defined here once for the same
// reason. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "contracts/rate_limiter.hpp"
#include "limits/gcra.hpp"

namespace glmgate {

struct LimitVerdict {
  // Which limit refused the request, in the order they are checked: tokens per minute first,
  // then requests per minute, then the concurrency slots.
  enum class Refusal : unsigned char { none, tokens, requests, concurrency };
  std::optional<GcraDecision> requests;  // set when the key has an rpm
  std::optional<GcraDecision> tokens;    // set when the key has a tpm
  Refusal refusal = Refusal::none;
  std::int64_t retry_ns = 0;  // when refused by a rate: until it would be allowed
};

// Appends the headers of `verdict` to `headers` and returns the admission: granted, or refused
// with the 429 of the limit that refused it.
Admission answer(const KeyLimits& limits, const LimitVerdict& verdict, Headers& headers);

// A key's requests per minute: a burst of `burst_seconds` worth of the limit (at least one
// request), so at most rpm + burst in any sliding minute.
GcraRate request_rate(std::int64_t rpm, std::int64_t burst_seconds);
// A key's tokens per minute: a whole minute's tokens at once, since one call can be large.
GcraRate token_rate(std::int64_t tpm);

// "6m0s", "1.5s", "250ms": the duration style of OpenAI's x-ratelimit-reset-* headers.
std::string format_reset(std::int64_t ns);

}  // namespace glmgate
