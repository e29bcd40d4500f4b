// FreeCallCounter: an account's free calls per model (`free_calls_per_model`) counted once for
// every instance that shares it (backends/redis/RedisFreeCalls), instead of in each instance's
// book. Only calls that may still be free ask it: once it says an account's free calls of a model
// are used up, the asking instance stops asking for them.
// Errors: take() answers nullopt when the counter cannot be reached in time; the caller then
// counts in its own book (as one instance does), and nothing was taken.
// Threading: any I/O thread's coroutine; give_back() never waits. Lifetime: outlives its users.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace glmgate {

class FreeCallCounter {
 public:
  virtual ~FreeCallCounter() = default;
  // Takes one of the `limit` free calls of `model` for the account: true when taken, false when
  // none is left. `used` is the count this instance knows of (the store's at its start, and its
  // own since): the shared count is never below it.
  virtual boost::asio::awaitable<std::optional<bool>> take(const std::string& account_id,
                                                           const std::string& model,
                                                           std::int64_t limit,
                                                           std::int64_t used) = 0;
  // A taken free call was not used (the call failed, uncharged): it is free again.
  virtual void give_back(const std::string& account_id, const std::string& model) = 0;
};

}  // namespace glmgate
