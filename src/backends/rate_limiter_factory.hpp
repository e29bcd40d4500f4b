// The rate limiter `serve` runs on: the in-process KeyLimiter when the config has no `redis`, else
// the RedisRateLimiter that every instance on that Redis shares; and the shared count of free
// calls, with Redis; and the health board. Start-up only.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "contracts/free_call_counter.hpp"
#include "contracts/health_board.hpp"
#include "contracts/rate_limiter.hpp"
#include "limits/breaker.hpp"

namespace glmgate {

std::unique_ptr<RateLimiter> open_rate_limiter(const RedisSection& redis,
                                               const LimitsSection& limits);
// Null without `redis`: each server's book counts the free calls it gives.
std::unique_ptr<FreeCallCounter> open_free_call_counter(const RedisSection& redis);
// The breakers: this process's (LocalHealthBoard) without `redis`, else shared with every instance
// on it (RedisHealthBoard, trading already).
std::unique_ptr<HealthBoard> open_health_board(const RedisSection& redis, BreakerOptions options);

}  // namespace glmgate
