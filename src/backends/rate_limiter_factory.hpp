// The rate limiter `serve` runs on: the in-process KeyLimiter when the config has no `redis`, else
// the RedisRateLimiter that every instance on that Redis shares; and the shared count of free
// calls, with Redis. Start-up only.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "contracts/free_call_counter.hpp"
#include "contracts/rate_limiter.hpp"

namespace glmgate {

std::unique_ptr<RateLimiter> open_rate_limiter(const RedisSection& redis,
                                               const LimitsSection& limits);
// Null without `redis`: each server's book counts the free calls it gives.
std::unique_ptr<FreeCallCounter> open_free_call_counter(const RedisSection& redis);

}  // namespace glmgate
