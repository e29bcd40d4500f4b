// ProviderGate: at most a provider's `max_concurrency` calls in flight to it, for this process
// (limits/ConcurrencyGate, FIFO) or for every instance that shares a rate limiter's backend
// (limits/SharedProviderGate, on Redis). A caller over the cap waits up to a deadline.
// Threading: any I/O thread; acquire() suspends only its own coroutine. Ordering: release() once
// for each acquire() that answered true. Errors: none; false means the wait ran out.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>

namespace glmgate {

class ProviderGate {
 public:
  virtual ~ProviderGate() = default;
  // True once a slot is held (release() it); false when none freed up within `wait`.
  virtual boost::asio::awaitable<bool> acquire(std::chrono::milliseconds wait) = 0;
  virtual void release() = 0;
};

}  // namespace glmgate
