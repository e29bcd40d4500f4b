// ConcurrencyGate: the ProviderGate of one process: at most N calls at once to one provider; a
// caller over the cap waits in FIFO order for up to a deadline, then is refused. Safe from any I/O
// thread: the count and the queue are under a mutex held for a few operations; a waiter is woken on
// its own executor. Owned by the catalog for the process's life.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "contracts/provider_gate.hpp"

namespace glmgate {

class ConcurrencyGate final : public ProviderGate {
 public:
  explicit ConcurrencyGate(std::int64_t capacity) : capacity_(capacity) {}
  // True once a slot is held (release() it); false when none freed up within `wait`.
  boost::asio::awaitable<bool> acquire(std::chrono::milliseconds wait) override;
  void release() override;
  std::int64_t in_use() const;

 private:
  struct Waiter;
  std::int64_t capacity_;
  mutable std::mutex mutex_;
  std::int64_t in_use_ = 0;
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace glmgate
