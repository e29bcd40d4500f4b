// KeyLimiter: the in-process RateLimiter, so try_admit() always answers at once. Per key: a GCRA
// state for requests per minute, one for tokens per minute, and a count of requests in flight.
// Sharded maps under plain mutexes held for a few arithmetic operations (never across a
// co_await), so any I/O thread may call it. The clock is injectable for tests.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "contracts/rate_limiter.hpp"
#include "limits/rate_verdict.hpp"

namespace glmgate {

class KeyLimiter final : public RateLimiter {
 public:
  using Clock = std::function<std::int64_t()>;  // nanoseconds, monotonic
  // `burst_seconds`: a key may send this many seconds' share of its rpm at once.
  explicit KeyLimiter(std::int64_t burst_seconds, Clock clock = {});

  Admission try_admit(const KeyInfo& key, const KeyLimits& limits, Headers& headers) override;
  void release(const KeyInfo& key, const KeyLimits& limits) override;
  void add_tokens(const KeyInfo& key, const KeyLimits& limits, std::int64_t tokens) override;

 private:
  struct State {
    std::int64_t request_tat = 0;
    std::int64_t request_interval = 0;  // the rate the TAT was built with
    std::int64_t token_tat = 0;
    std::int64_t token_interval = 0;
    std::int64_t in_flight = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, State> keys;
  };
  static constexpr std::size_t kShards = 64;
  Shard& shard(const std::string& key_id);
  std::int64_t now() const;

  std::int64_t burst_seconds_;
  Clock clock_;
  std::array<Shard, kShards> shards_;
};

}  // namespace glmgate
