// RedisFreeCalls: the FreeCallCounter of instances that share one Redis. An account's count for a
// model is the integer at `glmgate:free:{ACCOUNT}:MODEL`, taken by one script (one round trip) that
// raises it to the caller's known count first, so a Redis that lost its data starts again from
// the store's figures, and refuses at the limit. give_back() is a DECR, sent without waiting.
// The counts do not expire: an account's free calls are for its life.
// Errors: Redis unreachable or slower than `deadline` is take()'s nullopt (the caller counts
// locally), logged once per outage by the client's state callback.
// Threading: any thread (see RedisClient).
#pragma once

#include <atomic>
#include <memory>

#include "backends/redis/redis_client.hpp"
#include "contracts/free_call_counter.hpp"

namespace glmgate {

class RedisFreeCalls final : public FreeCallCounter {
 public:
  explicit RedisFreeCalls(const RedisUrl& url,
                          std::chrono::milliseconds deadline = std::chrono::milliseconds(100));

  boost::asio::awaitable<std::optional<bool>> take(const std::string& account_id,
                                                   const std::string& model, std::int64_t limit,
                                                   std::int64_t used) override;
  void give_back(const std::string& account_id, const std::string& model) override;

 private:
  RedisClient client_;
};

}  // namespace glmgate
