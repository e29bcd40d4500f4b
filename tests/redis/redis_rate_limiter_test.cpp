// RedisRateLimiter against a real Redis, as two instances (two limiters, each on its own
// io_context and connection) sharing it: one rpm, one tpm and one concurrency cap for both, and
// the same headers and 429s as the in-process KeyLimiter for the same sequence on the same clock.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "backends/redis/redis_client.hpp"
#include "backends/redis/redis_rate_limiter.hpp"
#include "redis_test_support.hpp"

namespace glmgate {
namespace {

namespace asio = boost::asio;
using test::run;
constexpr std::int64_t kSecond = 1'000'000'000;

// One gateway instance: its io_context and its limiter.
struct Instance {
  explicit Instance(RedisRateLimiter::Options options = {})
      : limiter(test::shared_redis(), std::move(options)) {}

  Admission admit(const KeyInfo& key, const KeyLimits& limits, Headers* headers = nullptr) {
    Headers ignored;
    Headers& h = headers ? *headers : ignored;
    Admission a = limiter.try_admit(key, limits, h);
    if (!a.is_pending()) return a;
    return run(io, limiter.admit(key, limits, h));
  }
  // One round trip on this instance's connection: what it sent before has been applied.
  void sync() {
    KeyInfo other{test::unique("key_sync"), "s", "sk", "acct", false};
    admit(other, KeyLimits{1'000'000, 0, 0});
  }

  asio::io_context io;  // before the limiter: it ends after it
  RedisRateLimiter limiter;
};

KeyInfo new_key() {
  return KeyInfo{test::unique("key"), "k", "sk-glm-test", "acct", false};
}

std::string header(const Headers& h, std::string_view name) {
  for (const auto& x : h)
    if (x.name == name) return x.value;
  return "<none>";
}

TEST(RedisRateLimiter, TwoInstancesAdmitTheKeysRpmOnceBetweenThem) {
  // A burst of a whole minute: exactly rpm requests at once, then 429.
  Instance a({.burst_seconds = 60}), b({.burst_seconds = 60});
  KeyInfo key = new_key();
  KeyLimits limits{20, 0, 0};
  int granted = 0;
  std::vector<std::string> remaining;
  for (int i = 0; i < 30; ++i) {
    Headers h;
    Admission adm = (i % 2 ? b : a).admit(key, limits, &h);
    if (adm) {
      ++granted;
      remaining.push_back(header(h, "x-ratelimit-remaining-requests"));
    } else {
      ASSERT_EQ(adm.kind(), Admission::Kind::refused);
      EXPECT_EQ(adm.error().status, 429);
      EXPECT_EQ(adm.error().code, "rate_limit_exceeded");
      EXPECT_EQ(header(h, "x-ratelimit-limit-requests"), "20");
      EXPECT_EQ(header(h, "x-ratelimit-remaining-requests"), "0");
      EXPECT_NE(header(h, "retry-after"), "<none>");
    }
  }
  EXPECT_EQ(granted, 20);
  ASSERT_EQ(remaining.size(), 20u);
  EXPECT_EQ(remaining.front(), "19");  // counted together: each instance sees the other's
  EXPECT_EQ(remaining.back(), "0");
}

TEST(RedisRateLimiter, CountsConcurrencyAcrossInstancesAndFreesReleasedSlots) {
  Instance a, b;
  KeyInfo key = new_key();
  KeyLimits slots{0, 0, 3};
  ASSERT_TRUE(a.admit(key, slots));
  ASSERT_TRUE(a.admit(key, slots));
  ASSERT_TRUE(b.admit(key, slots));
  Headers h;
  Admission refused = b.admit(key, slots, &h);
  ASSERT_EQ(refused.kind(), Admission::Kind::refused);
  EXPECT_EQ(refused.error().code, "concurrency_limit_exceeded");
  EXPECT_EQ(header(h, "retry-after"), "1");
  EXPECT_FALSE(a.admit(key, slots));
  EXPECT_EQ(a.limiter.held_slots(), 2u);
  EXPECT_EQ(b.limiter.held_slots(), 1u);

  a.limiter.release(key, slots);  // fire-and-forget
  a.sync();
  EXPECT_EQ(a.limiter.held_slots(), 1u);
  EXPECT_TRUE(b.admit(key, slots));  // the slot a gave back
  EXPECT_FALSE(b.admit(key, slots));

  a.limiter.release(key, slots);
  b.limiter.release(key, slots);
  b.limiter.release(key, slots);
  a.sync();
  b.sync();
  EXPECT_EQ(a.limiter.held_slots() + b.limiter.held_slots(), 0u);
  asio::io_context io;
  RedisClient client(test::shared_redis(), {});
  auto left = run(io, client.command({"ZCARD", "glmgate:rl:{" + key.id + "}:slots"}));
  EXPECT_EQ(left.integer, 0);
}

TEST(RedisRateLimiter, ADeadInstancesSlotsComeBackWithinTheirTtl) {
  Instance b;
  KeyInfo key = new_key();
  KeyLimits slots{0, 0, 1};
  {
    Instance dies({.slot_ttl = std::chrono::milliseconds(600)});
    ASSERT_TRUE(dies.admit(key, slots));
  }  // never released
  EXPECT_FALSE(b.admit(key, slots));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_TRUE(b.admit(key, slots));
}

TEST(RedisRateLimiter, SlotsHeldLongerThanTheTtlAreRenewed) {
  Instance a({.slot_ttl = std::chrono::milliseconds(600)}), b;
  KeyInfo key = new_key();
  KeyLimits slots{0, 0, 1};
  ASSERT_TRUE(a.admit(key, slots));
  test::run_for(a.io, std::chrono::milliseconds(1500));  // a's connection renews every 200 ms
  EXPECT_FALSE(b.admit(key, slots));
  a.limiter.release(key, slots);
  a.sync();
  EXPECT_TRUE(b.admit(key, slots));
}

TEST(RedisRateLimiter, TokensUsedOnOneInstanceCountOnTheOther) {
  Instance a, b;
  KeyInfo key = new_key();
  KeyLimits limits{1000, 100, 0};
  Headers first;
  ASSERT_TRUE(a.admit(key, limits, &first));
  EXPECT_EQ(header(first, "x-ratelimit-limit-tokens"), "100");
  EXPECT_EQ(header(first, "x-ratelimit-remaining-tokens"), "100");
  a.limiter.add_tokens(key, limits, 150);  // one call overdrew the minute
  a.sync();
  Headers h;
  Admission refused = b.admit(key, limits, &h);
  ASSERT_EQ(refused.kind(), Admission::Kind::refused);
  EXPECT_NE(refused.error().message.find("tokens per minute (limit 100)"), std::string::npos);
  EXPECT_EQ(header(h, "x-ratelimit-remaining-tokens"), "0");
  EXPECT_GE(std::stoi(header(h, "retry-after")), 30);  // 50 tokens over at 100 a minute
}

// A busy key's requests come from each instance's share of its rpm, mostly without a round trip,
// and the two instances together still admit what the key's GCRA allows, not more: the burst and
// what one second refills, less at most what they still hold in their shares.
TEST(RedisRateLimiter, ABusyKeyIsServedFromSharesAndItsLimitStillHoldsAcrossInstances) {
  std::int64_t now = 1'700'000'000 * kSecond;
  auto clock = [&] { return now; };
  Instance a({.burst_seconds = 60, .clock = clock}), b({.burst_seconds = 60, .clock = clock});
  KeyInfo key = new_key();
  const KeyLimits limits{600, 0, 0};  // a burst of 600, then one every 100 ms
  int granted = 0, at_once = 0;
  for (int i = 0; i < 1000; ++i) {  // 1000 requests a second, over one second
    Instance& x = i % 2 ? b : a;
    Headers h;
    Admission adm = x.limiter.try_admit(key, limits, h);
    if (adm.is_pending()) {
      adm = run(x.io, x.limiter.admit(key, limits, h));
    } else {
      ++at_once;
    }
    if (adm) {
      ++granted;
      EXPECT_LE(std::stoi(header(h, "x-ratelimit-remaining-requests")), 600);
    } else {
      EXPECT_EQ(adm.error().code, "rate_limit_exceeded");
    }
    now += kSecond / 1000;
  }
  const std::int64_t held = a.limiter.held_requests(key.id) + b.limiter.held_requests(key.id);
  EXPECT_LE(granted + held, 600 + 10 + 1);
  EXPECT_GE(granted, 600 - 2 * 600 / 16);
  EXPECT_GT(at_once, granted / 2) << "a busy key is mostly served without a round trip";
}

// The same calls on a KeyLimiter and on the Redis limiter, one fake clock for both: every
// answer, header and error is the same.
TEST(RedisRateLimiter, AnswersExactlyAsKeyLimiterDoes) {
  std::int64_t now = 1'700'000'000 * kSecond + 123'456'789;
  auto clock = [&] { return now; };
  KeyLimiter local(10, clock);
  Instance shared({.burst_seconds = 10, .clock = clock});
  KeyInfo key = new_key();
  const KeyLimits rate{60, 500, 0}, slot{0, 0, 2};
  int compared = 0;
  auto same = [&](const KeyLimits& limits, const char* step) {
    Headers hl, hr;
    Admission l = local.try_admit(key, limits, hl);
    Admission r = shared.admit(key, limits, &hr);
    ++compared;
    ASSERT_EQ(l.kind(), r.kind()) << step;
    EXPECT_EQ(hl.size(), hr.size()) << step;
    for (std::size_t i = 0; i < std::min(hl.size(), hr.size()); ++i) {
      EXPECT_EQ(hl[i].name, hr[i].name) << step;
      EXPECT_EQ(hl[i].value, hr[i].value) << step << " " << hl[i].name;
    }
    if (!l) {
      EXPECT_EQ(l.error().status, r.error().status) << step;
      EXPECT_EQ(l.error().type, r.error().type) << step;
      EXPECT_EQ(l.error().code, r.error().code) << step;
      EXPECT_EQ(l.error().message, r.error().message) << step;
    }
  };
  auto tokens = [&](std::int64_t n) {
    local.add_tokens(key, rate, n);
    shared.limiter.add_tokens(key, rate, n);
    shared.sync();
  };
  for (int i = 0; i < 12; ++i)  // the burst of 10, then refused
    same(rate, "burst");
  now += 700'000'000;
  same(rate, "before the interval");
  now += 333'333'333;
  same(rate, "after the interval");
  tokens(480);
  same(rate, "tokens left");
  now += 10'000;
  tokens(90);
  same(rate, "tokens overdrawn");
  now += 5 * kSecond + 7;
  same(rate, "tokens back");
  same(slot, "slot 1");
  same(slot, "slot 2");
  same(slot, "slot refused");
  local.release(key, slot);
  shared.limiter.release(key, slot);
  shared.sync();
  same(slot, "slot again");
  now += 61 * kSecond;
  same(rate, "a minute later");
  EXPECT_EQ(compared, 22);
}

}  // namespace
}  // namespace glmgate
