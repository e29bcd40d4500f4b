// The rate limiter `serve` runs on: the in-process KeyLimiter when the config has no `redis`, else
// the RedisRateLimiter that every instance on that Redis shares. Start-up only.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "contracts/rate_limiter.hpp"

namespace glmgate {

std::unique_ptr<RateLimiter> open_rate_limiter(const RedisSection& redis,
                                               const LimitsSection& limits);

}  // namespace glmgate
