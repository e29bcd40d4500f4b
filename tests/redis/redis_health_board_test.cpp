// RedisHealthBoard against a real Redis, as instances (boards) sharing it: a breaker one instance
// opens is open on the others after their next trade; failures spread over instances, none of
// which saw enough alone, open it everywhere; a probe that closes it clears the shared window so
// that an instance arriving later does not open it again; with Redis gone, the board still
// counts its own calls and a trade fails within its deadline.
#include "backends/redis/redis_health_board.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "redis_test_support.hpp"

namespace glmgate {
namespace {

using namespace std::chrono_literals;

RedisHealthBoard::Options options(std::int64_t cooldown_ms = 60'000) {
  RedisHealthBoard::Options o;
  o.breaker = BreakerOptions{.window_ms = 10'000,
                             .min_calls = 4,
                             .error_ratio = 0.5,
                             .cooldown_ms = cooldown_ms,
                             .max_cooldown_ms = cooldown_ms * 4,
                             .probes = 1};
  return o;
}

const CallOutcome kFault{500, true, 10ms, {}};
const CallOutcome kFine{200, false, 10ms, 5ms};

TEST(RedisHealthBoard, ABreakerOneInstanceOpensIsOpenOnTheOthers) {
  RedisHealthBoard a(test::shared_redis(), options()), b(test::shared_redis(), options());
  const std::string name = test::unique("model") + "@zai";
  b.watch({name});
  for (int i = 0; i < 4; ++i)
    a.record(name, kFault);
  a.note_error(name, "HTTP 500: exploded");
  ASSERT_EQ(a.state(name), BreakerState::open);
  EXPECT_EQ(b.state(name), BreakerState::closed);
  ASSERT_TRUE(a.trade_now());
  ASSERT_TRUE(b.trade_now());
  EXPECT_EQ(b.state(name), BreakerState::open);
  EXPECT_FALSE(b.admit(name));
  // The admin API of b tells the gateway's window and the fault a saw.
  auto figures = b.figures();
  auto f = std::find_if(figures.begin(), figures.end(), [&](auto& x) { return x.name == name; });
  ASSERT_NE(f, figures.end());
  EXPECT_EQ(f->calls, 4);
  EXPECT_EQ(f->faults, 4);
  EXPECT_EQ(f->last_error, "HTTP 500: exploded");
  EXPECT_GT(f->retry_at_ms, 0);
}

TEST(RedisHealthBoard, FaultsSpreadOverInstancesOpenItEverywhere) {
  RedisHealthBoard a(test::shared_redis(), options()), b(test::shared_redis(), options());
  const std::string name = test::unique("model") + "@vllm";
  a.record(name, kFault);
  a.record(name, kFault);
  a.record(name, kFine);
  b.record(name, kFault);
  b.record(name, kFault);
  // Neither has min_calls with the ratio alone.
  EXPECT_EQ(a.state(name), BreakerState::closed);
  EXPECT_EQ(b.state(name), BreakerState::closed);
  ASSERT_TRUE(a.trade_now());
  ASSERT_TRUE(b.trade_now());  // sees 5 calls, 4 faults: opens and publishes
  EXPECT_EQ(b.state(name), BreakerState::open);
  ASSERT_TRUE(b.trade_now());
  ASSERT_TRUE(a.trade_now());
  EXPECT_EQ(a.state(name), BreakerState::open);
}

TEST(RedisHealthBoard, OneErrorAmongManyCallsOpensNothing) {
  RedisHealthBoard a(test::shared_redis(), options()), b(test::shared_redis(), options());
  const std::string name = test::unique("model") + "@zai";
  a.record(name, kFault);
  for (int i = 0; i < 5; ++i)
    b.record(name, kFine);
  ASSERT_TRUE(a.trade_now());
  ASSERT_TRUE(b.trade_now());
  ASSERT_TRUE(a.trade_now());
  EXPECT_EQ(a.state(name), BreakerState::closed);
  EXPECT_EQ(b.state(name), BreakerState::closed);
}

TEST(RedisHealthBoard, AProbeThatClosesItClearsTheSharedWindow) {
  RedisHealthBoard a(test::shared_redis(), options(300));
  const std::string name = test::unique("model") + "@zai";
  for (int i = 0; i < 4; ++i)
    a.record(name, kFault);
  ASSERT_TRUE(a.trade_now());
  std::this_thread::sleep_for(350ms);  // the cooldown: half-open
  ASSERT_EQ(a.state(name), BreakerState::half_open);
  ASSERT_TRUE(a.admit(name));
  a.record(name, kFine);  // the probe succeeded
  ASSERT_EQ(a.state(name), BreakerState::closed);
  ASSERT_TRUE(a.trade_now());
  // An instance that starts now finds nothing open and no faults to open it with.
  RedisHealthBoard c(test::shared_redis(), options(300));
  c.watch({name});
  ASSERT_TRUE(c.trade_now());
  EXPECT_EQ(c.state(name), BreakerState::closed);
  c.record(name, kFine);
  ASSERT_TRUE(c.trade_now());
  EXPECT_EQ(c.state(name), BreakerState::closed);
}

TEST(RedisHealthBoard, ASetAsideKeyIsSetAsideEverywhere) {
  RedisHealthBoard a(test::shared_redis(), options()), b(test::shared_redis(), options());
  const std::string key = test::unique("zai") + "#key0";
  b.watch({key});
  a.set_aside(key, 60s);
  ASSERT_TRUE(a.trade_now());
  ASSERT_TRUE(b.trade_now());
  EXPECT_EQ(b.state(key), BreakerState::open);
}

TEST(RedisHealthBoard, WithRedisGoneItCountsItsOwnCalls) {
  test::OwnRedis own;
  auto o = options();
  o.deadline = 200ms;
  RedisHealthBoard a(own.url(), o);
  const std::string name = test::unique("model") + "@zai";
  a.record(name, kFine);
  ASSERT_TRUE(a.trade_now());
  own.kill();
  for (int i = 0; i < 4; ++i)
    a.record(name, kFault);
  EXPECT_EQ(a.state(name), BreakerState::open);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(a.trade_now());
  EXPECT_LT(test::elapsed_ms(start), 2000);
}

TEST(RedisHealthBoard, TradesOnItsOwnThreadOnceStarted) {
  auto o = options();
  o.period = 50ms;
  RedisHealthBoard a(test::shared_redis(), o), b(test::shared_redis(), o);
  const std::string name = test::unique("model") + "@zai";
  b.watch({name});
  a.start();
  b.start();
  for (int i = 0; i < 4; ++i)
    a.record(name, kFault);
  const auto start = std::chrono::steady_clock::now();
  while (b.state(name) != BreakerState::open && test::elapsed_ms(start) < 5000)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(b.state(name), BreakerState::open);
  EXPECT_LT(test::elapsed_ms(start), 1000);
}

}  // namespace
}  // namespace glmgate
