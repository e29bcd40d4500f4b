// ConcurrencyGate; see concurrency_gate.hpp. A released slot passes straight to the oldest waiter
// (the count does not drop), so a newcomer can never overtake the queue.
#include "limits/concurrency_gate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace glmgate {

namespace asio = boost::asio;

struct ConcurrencyGate::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool granted = false;  // under the gate's mutex
};

asio::awaitable<bool> ConcurrencyGate::acquire(std::chrono::milliseconds wait) {
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(mutex_);
    if (in_use_ < capacity_) {
      ++in_use_;
      co_return true;
    }
    if (wait.count() <= 0) co_return false;
    waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    waiter->timer.expires_after(wait);
    waiters_.push_back(waiter);
  }
  auto token = asio::as_tuple(asio::use_awaitable);
  co_await waiter->timer.async_wait(token);
  std::lock_guard lock(mutex_);
  if (waiter->granted) co_return true;
  std::erase(waiters_, waiter);
  co_return false;
}

void ConcurrencyGate::release() {
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard lock(mutex_);
    if (waiters_.empty()) {
      if (in_use_ > 0) --in_use_;
      return;
    }
    next = std::move(waiters_.front());
    waiters_.pop_front();
    next->granted = true;
  }
  // The timer belongs to the waiter's thread; cancel it there.
  asio::dispatch(next->timer.get_executor(), [next] { next->timer.cancel(); });
}

std::int64_t ConcurrencyGate::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

}  // namespace glmgate
