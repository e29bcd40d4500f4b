// BlockingPool: a few threads for work that blocks (store reads, a flush) so that I/O threads
// never do. `co_await pool.run(fn)` runs fn on the pool and resumes the caller on its own
// executor with fn's result; an exception thrown by fn is rethrown in the caller. Thread-safe;
// join() (or the destructor) waits for queued work. Pass a named function object, not a lambda
// written inside the co_await: GCC 12 mishandles such temporaries' lifetimes in coroutines.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>

namespace glmgate {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
  ~BlockingPool() { pool_.join(); }

  template <typename F>
  auto run(F fn) -> boost::asio::awaitable<std::invoke_result_t<F>> {
    using R = std::invoke_result_t<F>;
    if constexpr (std::is_void_v<R>) {
      auto work = [fn = std::move(fn)]() mutable -> boost::asio::awaitable<void> {
        fn();
        co_return;
      };
      co_await boost::asio::co_spawn(pool_, std::move(work), boost::asio::use_awaitable);
    } else {
      // co_spawn's completion needs a default-constructible result; R need not be one.
      auto work = [fn = std::move(fn)]() mutable -> boost::asio::awaitable<std::optional<R>> {
        co_return std::optional<R>(fn());
      };
      auto result =
          co_await boost::asio::co_spawn(pool_, std::move(work), boost::asio::use_awaitable);
      co_return std::move(*result);
    }
  }

  boost::asio::thread_pool& executor_context() { return pool_; }
  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace glmgate
