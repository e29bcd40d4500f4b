// SharedProviderGate; see shared_provider_gate.hpp.
#include "limits/shared_provider_gate.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace glmgate {

namespace asio = boost::asio;

namespace {
constexpr auto kFirstPause = std::chrono::milliseconds(10);
constexpr auto kLongestPause = std::chrono::milliseconds(100);
}  // namespace

SharedProviderGate::SharedProviderGate(RateLimiter& limiter, const std::string& provider,
                                       std::int64_t capacity)
    : limiter_(limiter), limits_{0, 0, capacity} {
  // API key IDs start with "key_": no key shares these slots.
  key_.id = "provider:" + provider;
}

asio::awaitable<bool> SharedProviderGate::acquire(std::chrono::milliseconds wait) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + wait;
  auto pause = std::chrono::duration_cast<Clock::duration>(kFirstPause);
  std::optional<asio::steady_timer> timer;
  for (;;) {
    Headers ignored;
    Admission slot = limiter_.try_admit(key_, limits_, ignored);
    if (slot.is_pending()) slot = co_await limiter_.admit(key_, limits_, ignored);
    if (slot) co_return true;
    const auto now = Clock::now();
    if (now >= deadline) co_return false;
    if (!timer) timer.emplace(co_await asio::this_coro::executor);
    timer->expires_after(std::min<Clock::duration>(pause, deadline - now));
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    pause = std::min<Clock::duration>(pause * 2, kLongestPause);
  }
}

void SharedProviderGate::release() {
  limiter_.release(key_, limits_);
}

}  // namespace glmgate
