// RedisRateLimiter when its Redis goes away (killed) or hangs (SIGSTOP): every call answers
// promptly from the local limiter (no hang, no 503), one warning per outage that names no
// password, and the counting goes back to Redis once it answers again.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <sstream>
#include <thread>

#include "backends/redis/redis_client.hpp"
#include "backends/redis/redis_rate_limiter.hpp"
#include "redis_test_support.hpp"

namespace glmgate {
namespace {

namespace asio = boost::asio;
using test::run;
using namespace std::chrono_literals;

// Every log line while it lives.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }
  int count(const std::string& what) const {
    const std::string t = text();
    int n = 0;
    for (auto at = t.find(what); at != std::string::npos; at = t.find(what, at + 1))
      ++n;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

struct Timed {
  Admission admission;
  std::int64_t ms;
};

Timed admit(asio::io_context& io, RedisRateLimiter& limiter, const KeyInfo& key,
            const KeyLimits& limits) {
  auto start = std::chrono::steady_clock::now();
  Headers h;
  Admission a = limiter.try_admit(key, limits, h);
  if (a.is_pending()) a = run(io, limiter.admit(key, limits, h));
  return {std::move(a), test::elapsed_ms(start)};
}

bool state_in_redis(const RedisUrl& url, const KeyInfo& key) {
  asio::io_context io;
  RedisClient client(url, {});
  return run(io, client.command({"EXISTS", "glmgate:rl:{" + key.id + "}"})).integer == 1;
}

// Admits until the key's state shows up in Redis (the limiter counts there again).
bool back_on_redis(asio::io_context& io, RedisRateLimiter& limiter, const RedisUrl& url) {
  for (int i = 0; i < 100; ++i) {
    KeyInfo probe{test::unique("key_probe"), "p", "sk", "acct", false};
    admit(io, limiter, probe, KeyLimits{1000, 0, 0});
    if (state_in_redis(url, probe)) return true;
    test::run_for(io, 100ms);
  }
  return false;
}

TEST(RedisOutage, KilledRedisFallsBackToLocalCountsAndComesBack) {
  CapturedLog log;
  test::OwnRedis redis;
  asio::io_context io;
  RedisRateLimiter limiter(redis.url(), {.burst_seconds = 60});
  KeyInfo key{test::unique("key"), "k", "sk", "acct", false};
  const KeyLimits limits{5, 0, 2};
  ASSERT_TRUE(admit(io, limiter, key, limits).admission);
  limiter.release(key, limits);
  ASSERT_TRUE(state_in_redis(redis.url(), key));

  redis.kill();
  // The local limiter has not seen the request Redis counted: 5 more, then 429, each at once.
  int granted = 0, refused = 0;
  for (int i = 0; i < 8; ++i) {
    Timed t = admit(io, limiter, key, limits);
    EXPECT_LT(t.ms, 1000) << "call " << i << " hung";
    EXPECT_NE(t.admission.kind(), Admission::Kind::unavailable);
    if (t.admission) {
      ++granted;
      limiter.release(key, limits);
    } else {
      ++refused;
      EXPECT_EQ(t.admission.error().code, "rate_limit_exceeded");
    }
  }
  EXPECT_EQ(granted, 5);
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(limiter.held_slots(), 0u);  // local slots went back to the local limiter
  EXPECT_EQ(log.count("is unreachable"), 1) << log.text();
  EXPECT_EQ(log.count("counted per instance"), 1) << log.text();

  redis.start();
  EXPECT_TRUE(back_on_redis(io, limiter, redis.url()));
  EXPECT_EQ(log.count("answers again:"), 1) << log.text();
  EXPECT_EQ(log.text().find(redis.password()), std::string::npos) << "the password was logged";
  // Counted in Redis again: the fresh Redis has no state for the key, so its burst is back.
  EXPECT_TRUE(admit(io, limiter, key, KeyLimits{5, 0, 0}).admission);
  EXPECT_TRUE(state_in_redis(redis.url(), key));
}

TEST(RedisOutage, AHangingRedisCostsOneDeadlineThenAnswersLocally) {
  CapturedLog log;
  test::OwnRedis redis;
  asio::io_context io;
  RedisRateLimiter limiter(redis.url(), {.deadline = 100ms, .connect_timeout = 300ms});
  KeyInfo key{test::unique("key"), "k", "sk", "acct", false};
  const KeyLimits limits{1000, 0, 0};
  ASSERT_TRUE(admit(io, limiter, key, limits).admission);

  redis.signal(SIGSTOP);
  Timed first = admit(io, limiter, key, limits);
  EXPECT_TRUE(first.admission);  // counted locally
  EXPECT_LT(first.ms, 1000);     // the deadline (100 ms), not a hang
  for (int i = 0; i < 5; ++i) {
    Timed t = admit(io, limiter, key, limits);
    EXPECT_TRUE(t.admission);
    EXPECT_LT(t.ms, 1000);
    test::run_for(io, 50ms);  // reconnect attempts time out meanwhile
  }
  EXPECT_EQ(log.count("is unreachable"), 1) << log.text();

  redis.signal(SIGCONT);
  EXPECT_TRUE(back_on_redis(io, limiter, redis.url()));
  EXPECT_EQ(log.count("answers again:"), 1) << log.text();
}

}  // namespace
}  // namespace glmgate
