// open_rate_limiter; see rate_limiter_factory.hpp.
#include "backends/rate_limiter_factory.hpp"

#include <spdlog/spdlog.h>

#include "backends/redis/redis_free_calls.hpp"
#include "backends/redis/redis_health_board.hpp"
#include "backends/redis/redis_rate_limiter.hpp"
#include "config/redis_url.hpp"
#include "limits/key_limiter.hpp"
#include "limits/local_health_board.hpp"

namespace glmgate {

std::unique_ptr<RateLimiter> open_rate_limiter(const RedisSection& redis,
                                               const LimitsSection& limits) {
  if (redis.redis.empty()) return std::make_unique<KeyLimiter>(limits.rate_limit_burst_seconds);
  RedisUrlParse parsed = parse_redis_url(redis.redis);
  if (!parsed.url) throw ConfigError("redis: " + parsed.error);  // the loader checked it first
  spdlog::info("rate limits are shared through Redis {}", parsed.url->redacted());
  RedisRateLimiter::Options options;
  options.burst_seconds = limits.rate_limit_burst_seconds;
  return std::make_unique<RedisRateLimiter>(*parsed.url, std::move(options));
}

std::unique_ptr<FreeCallCounter> open_free_call_counter(const RedisSection& redis) {
  if (redis.redis.empty()) return nullptr;
  RedisUrlParse parsed = parse_redis_url(redis.redis);
  if (!parsed.url) throw ConfigError("redis: " + parsed.error);
  return std::make_unique<RedisFreeCalls>(*parsed.url);
}

std::unique_ptr<HealthBoard> open_health_board(const RedisSection& redis, BreakerOptions options) {
  if (redis.redis.empty()) return std::make_unique<LocalHealthBoard>(options);
  RedisUrlParse parsed = parse_redis_url(redis.redis);
  if (!parsed.url) throw ConfigError("redis: " + parsed.error);
  auto board = std::make_unique<RedisHealthBoard>(*parsed.url,
                                                  RedisHealthBoard::Options{.breaker = options});
  board->start();
  return board;
}

}  // namespace glmgate
