// GCRA arithmetic and the key limiter against a fake clock: the burst, the steady rate after it,
// no double-limit burst around any boundary, retry-after, remaining and reset headers, tokens per
// minute, concurrency slots and tier resolution.
#include <gtest/gtest.h>

#include "limits/gcra.hpp"
#include "limits/key_limiter.hpp"
#include "limits/tiers.hpp"

namespace glmgate {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

TEST(Gcra, AllowsTheBurstThenOneRequestPerInterval) {
  GcraRate rate = gcra_rate(60, 60 * kSecond, 10);  // 1 per second, burst 10
  std::int64_t tat = 0, now = 100 * kSecond;
  for (int i = 0; i < 10; ++i) {
    auto d = gcra_take(tat, now, rate);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 9 - i);
  }
  auto refused = gcra_take(tat, now, rate);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ns, kSecond);
  EXPECT_EQ(refused.reset_ns, 10 * kSecond);
  EXPECT_FALSE(gcra_take(tat, now + kSecond - 1, rate).allowed);
  EXPECT_TRUE(gcra_take(tat, now + kSecond, rate).allowed);
  EXPECT_FALSE(gcra_take(tat, now + kSecond, rate).allowed);
}

TEST(Gcra, NeverLetsMoreThanLimitPlusBurstThroughInAnyMinute) {
  GcraRate rate = gcra_rate(60, 60 * kSecond, 10);
  std::int64_t tat = 0;
  std::vector<std::int64_t> allowed;
  // A client hammering every 10 ms for five minutes.
  for (std::int64_t t = 0; t < 300 * kSecond; t += kSecond / 100)
    if (gcra_take(tat, t, rate).allowed) allowed.push_back(t);
  std::size_t worst = 0;
  for (std::size_t i = 0, j = 0; i < allowed.size(); ++i) {
    while (allowed[i] - allowed[j] >= 60 * kSecond)
      ++j;
    worst = std::max(worst, i - j + 1);
  }
  EXPECT_LE(worst, 60u + 10u);  // a fixed window would allow 120
  EXPECT_GE(worst, 60u);
}

TEST(Gcra, TokenBucketAdmitsUntilOverdrawnThenWaitsItOut) {
  GcraRate rate = gcra_rate(600, 60 * kSecond, 600);  // 10 tokens per second
  std::int64_t tat = 0, now = 50 * kSecond;
  EXPECT_EQ(gcra_peek(tat, now, rate).remaining, 600);
  gcra_debit(tat, now, rate, 900);  // one big call overdraws the minute
  auto d = gcra_peek(tat, now, rate);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  // Allowed again once less than a minute's worth is outstanding.
  EXPECT_FALSE(gcra_peek(tat, now + 30 * kSecond, rate).allowed);
  EXPECT_TRUE(gcra_peek(tat, now + 30 * kSecond + kSecond / 10, rate).allowed);
}

struct FakeClock {
  std::int64_t now = 1000 * kSecond;
};

Headers::const_iterator header(const Headers& h, std::string_view name) {
  return std::find_if(h.begin(), h.end(), [&](const Header& x) { return x.name == name; });
}

TEST(KeyLimiter, SetsOpenAiHeadersAndRetryAfter) {
  FakeClock clock;
  KeyLimiter limiter(10, [&] { return clock.now; });
  KeyInfo key{"key_a", "a", "sk", "acct", false};
  KeyLimits limits{60, 0, 0};
  for (int i = 0; i < 10; ++i) {
    Headers h;
    ASSERT_TRUE(limiter.try_admit(key, limits, h)) << i;
    EXPECT_EQ(header(h, "x-ratelimit-limit-requests")->value, "60");
    EXPECT_EQ(header(h, "x-ratelimit-remaining-requests")->value, std::to_string(9 - i));
  }
  Headers h;
  auto err = limiter.try_admit(key, limits, h);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().status, 429);
  EXPECT_EQ(err.error().code, "rate_limit_exceeded");
  EXPECT_EQ(header(h, "retry-after")->value, "1");
  EXPECT_EQ(header(h, "retry-after-ms")->value, "1000");
  EXPECT_EQ(header(h, "x-ratelimit-reset-requests")->value, "10s");
  // Another key is not affected.
  KeyInfo other{"key_b", "b", "sk", "acct", false};
  Headers h2;
  EXPECT_TRUE(limiter.try_admit(other, limits, h2));
  clock.now += kSecond;
  Headers h3;
  EXPECT_TRUE(limiter.try_admit(key, limits, h3));
}

TEST(KeyLimiter, HoldsConcurrencySlotsUntilReleased) {
  FakeClock clock;
  KeyLimiter limiter(10, [&] { return clock.now; });
  KeyInfo key{"key_a", "a", "sk", "acct", false};
  KeyLimits limits{0, 0, 2};
  Headers h;
  EXPECT_TRUE(limiter.try_admit(key, limits, h));
  EXPECT_TRUE(limiter.try_admit(key, limits, h));
  auto err = limiter.try_admit(key, limits, h);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, "concurrency_limit_exceeded");
  limiter.release(key, limits);
  EXPECT_TRUE(limiter.try_admit(key, limits, h));
}

TEST(KeyLimiter, ARefusedRequestTakesNoRateNorSlot) {
  FakeClock clock;
  KeyLimiter limiter(10, [&] { return clock.now; });
  KeyInfo key{"key_a", "a", "sk", "acct", false};
  KeyLimits limits{6, 0, 1};  // burst of one request
  Headers h;
  EXPECT_TRUE(limiter.try_admit(key, limits, h));
  limiter.release(key, limits);
  EXPECT_FALSE(limiter.try_admit(key, limits, h));  // over the rate: refused, slot not taken
  clock.now += 10 * kSecond;
  EXPECT_TRUE(limiter.try_admit(key, limits, h));
}

TEST(KeyLimiter, CountsTokensAfterTheCall) {
  FakeClock clock;
  KeyLimiter limiter(10, [&] { return clock.now; });
  KeyInfo key{"key_a", "a", "sk", "acct", false};
  KeyLimits limits{0, 100, 0};
  Headers h;
  EXPECT_TRUE(limiter.try_admit(key, limits, h));
  EXPECT_EQ(header(h, "x-ratelimit-remaining-tokens")->value, "100");
  limiter.add_tokens(key, limits, 150);
  Headers h2;
  auto err = limiter.try_admit(key, limits, h2);
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().message.find("tokens per minute"), std::string::npos);
  clock.now += 31 * kSecond;  // 50 tokens' worth of time has passed beyond the overdraft
  Headers h3;
  EXPECT_TRUE(limiter.try_admit(key, limits, h3));
}

TEST(KeyLimiter, AHigherLimitAppliesAtOnce) {
  FakeClock clock;
  KeyLimiter limiter(10, [&] { return clock.now; });
  KeyInfo key{"key_a", "a", "sk", "acct", false};
  Headers h;
  EXPECT_TRUE(limiter.try_admit(key, KeyLimits{3, 0, 0}, h));
  EXPECT_FALSE(limiter.try_admit(key, KeyLimits{3, 0, 0}, h));
  EXPECT_TRUE(limiter.try_admit(key, KeyLimits{1000, 0, 0}, h));
}

TEST(FormatReset, WritesDurationsLikeOpenAi) {
  EXPECT_EQ(format_reset(0), "0s");
  EXPECT_EQ(format_reset(20'000'000), "20ms");
  EXPECT_EQ(format_reset(1'500'000'000), "1.5s");
  EXPECT_EQ(format_reset(360 * kSecond), "6m0s");
  EXPECT_EQ(format_reset(3725 * kSecond), "1h2m5s");
}

TEST(Tiers, KeyLimitsWinThenTheTierBySpendThenTheDefault) {
  Config c;
  c.default_rpm = 60;
  c.tiers = {{0, 30, 0}, {5 * kNanoPerUsd, 300, 10'000}, {50 * kNanoPerUsd, 1000, 0}};
  KeyInfo key;
  EXPECT_EQ(resolve_limits(key, 0, c).rpm, 30);
  EXPECT_EQ(resolve_limits(key, 5 * kNanoPerUsd, c).rpm, 300);
  EXPECT_EQ(resolve_limits(key, 5 * kNanoPerUsd, c).tpm, 10'000);
  EXPECT_EQ(resolve_limits(key, 60 * kNanoPerUsd, c).rpm, 1000);
  key.rpm = 7;
  key.max_concurrency = 2;
  auto own = resolve_limits(key, 60 * kNanoPerUsd, c);
  EXPECT_EQ(own.rpm, 7);
  EXPECT_EQ(own.max_concurrency, 2);
  c.tiers.clear();
  key.rpm = 0;
  EXPECT_EQ(resolve_limits(key, 0, c).rpm, 60);
}

}  // namespace
}  // namespace glmgate
