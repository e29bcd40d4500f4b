// RedisFreeCalls against a real Redis, as two instances (two counters, each on its own
// io_context and connection): an account's free calls of a model are given once between them,
// never fewer than a server knows were used, a call given back is free again, and a Redis that is
// gone answers "count it yourself" within the deadline.
#include "backends/redis/redis_free_calls.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "redis_test_support.hpp"

namespace glmgate {
namespace {

namespace asio = boost::asio;
using test::run;

struct Instance {
  explicit Instance(const RedisUrl& url) : counter(url) {}
  std::optional<bool> take(const std::string& account, std::int64_t used = 0) {
    return run(io, counter.take(account, "glm-5", 3, used));
  }
  asio::io_context io;  // before the counter: it ends after it
  RedisFreeCalls counter;
};

TEST(RedisFreeCalls, TwoInstancesGiveTheFreeCallsOnceAndTakeBackUnusedOnes) {
  Instance a(test::shared_redis()), b(test::shared_redis());
  const std::string account = test::unique("acct");
  EXPECT_EQ(a.take(account), true);
  EXPECT_EQ(b.take(account), true);
  EXPECT_EQ(a.take(account), true);
  EXPECT_EQ(b.take(account), false);
  EXPECT_EQ(a.take(account), false);
  // Another model, another account: counted apart.
  EXPECT_EQ(run(a.io, a.counter.take(account, "glm-4", 3, 0)), true);
  EXPECT_EQ(b.take(test::unique("acct")), true);
  // A call that failed gives its free call back (sent on b's connection, which runs with b's
  // io_context: b's next command follows it); then one more is free, for one instance only.
  b.counter.give_back(account, "glm-5");
  EXPECT_EQ(b.take(account), true);
  EXPECT_EQ(a.take(account), false);
}

TEST(RedisFreeCalls, NeverCountsBelowWhatAServerKnowsWasUsed) {
  Instance a(test::shared_redis());
  // A Redis that lost its data, or a store copied from one server: the store says 2 were used.
  const std::string account = test::unique("acct");
  EXPECT_EQ(a.take(account, 2), true);
  EXPECT_EQ(a.take(account, 0), false);
}

TEST(RedisFreeCalls, AGoneRedisIsNoAnswerWithinTheDeadline) {
  test::OwnRedis own;
  Instance a(own.url());
  const std::string account = test::unique("acct");
  EXPECT_EQ(a.take(account), true);
  own.kill();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(a.take(account), std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace glmgate
