// SharedProviderGate: a provider's concurrency cap counted once for every instance that shares
// the rate limiter's backend (Redis: backends/redis/RedisRateLimiter). A slot is a concurrency
// slot of the pseudo-key `provider:<name>` in that limiter, so it is taken in one round trip,
// renewed while held and freed by itself within the limiter's slot TTL when its instance dies;
// with Redis away the limiter counts it in this process. A caller over the cap asks again with a
// growing pause (10 ms to 100 ms) until its deadline: no FIFO order across instances.
// Threading: any I/O thread (coroutines). Lifetime: the limiter outlives the gate.
#pragma once

#include <string>

#include "contracts/provider_gate.hpp"
#include "contracts/rate_limiter.hpp"

namespace glmgate {

class SharedProviderGate final : public ProviderGate {
 public:
  SharedProviderGate(RateLimiter& limiter, const std::string& provider, std::int64_t capacity);

  boost::asio::awaitable<bool> acquire(std::chrono::milliseconds wait) override;
  void release() override;

 private:
  RateLimiter& limiter_;
  KeyInfo key_;
  KeyLimits limits_;
};

}  // namespace glmgate
