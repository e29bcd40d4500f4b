// Breaker: opens on a ratio over a window with a minimum volume (never on one error), refuses for
// its cooldown, lets probes through half-open, closes on a good probe and reopens longer on a bad
// one; old outcomes leave the window; a restore closes it at once.
#include "limits/breaker.hpp"

#include <gtest/gtest.h>

namespace glmgate {
namespace {

BreakerOptions options() {
  BreakerOptions o;
  o.window_ms = 10'000;
  o.min_calls = 10;
  o.error_ratio = 0.5;
  o.cooldown_ms = 5'000;
  o.max_cooldown_ms = 12'000;
  o.probes = 1;
  return o;
}

TEST(Breaker, OneErrorOrAFewNeverOpenIt) {
  Breaker b(options());
  std::int64_t t = 1'000'000;
  for (int i = 0; i < 9; ++i)
    b.record(true, t + i);  // every call failed, but only nine
  EXPECT_EQ(b.state(t + 10), BreakerState::closed);
  EXPECT_TRUE(b.admit(t + 10));
}

TEST(Breaker, OpensOnTheRatioOverTheWindow) {
  Breaker b(options());
  std::int64_t t = 1'000'000;
  for (int i = 0; i < 6; ++i)
    b.record(false, t + i);
  for (int i = 0; i < 5; ++i)
    b.record(true, t + 10 + i);  // 5 of 11: below half
  EXPECT_EQ(b.state(t + 20), BreakerState::closed);
  b.record(true, t + 20);  // 6 of 12: half
  EXPECT_EQ(b.state(t + 21), BreakerState::open);
  EXPECT_FALSE(b.admit(t + 21));
  BreakerFigures f = b.figures(t + 21);
  EXPECT_EQ(f.opened_at_ms, t + 20);
  EXPECT_EQ(f.retry_at_ms, t + 20 + 5'000);
}

TEST(Breaker, OldOutcomesLeaveTheWindow) {
  Breaker b(options());
  std::int64_t t = 1'000'000;
  for (int i = 0; i < 9; ++i)
    b.record(true, t);
  // Eleven seconds later those nine are gone: nine more faults are nine of nine, not enough.
  for (int i = 0; i < 9; ++i)
    b.record(true, t + 11'000);
  EXPECT_EQ(b.state(t + 11'000), BreakerState::closed);
  EXPECT_EQ(b.figures(t + 11'000).calls, 9);
}

TEST(Breaker, HalfOpenLetsOneProbeThroughAndAGoodOneClosesIt) {
  Breaker b(options());
  std::int64_t t = 1'000'000;
  for (int i = 0; i < 10; ++i)
    b.record(true, t);
  ASSERT_EQ(b.state(t), BreakerState::open);
  EXPECT_FALSE(b.admit(t + 4'999));
  EXPECT_EQ(b.state(t + 5'000), BreakerState::half_open);
  EXPECT_TRUE(b.admit(t + 5'000));   // the probe
  EXPECT_FALSE(b.admit(t + 5'001));  // one at a time
  b.record(false, t + 5'100);
  EXPECT_EQ(b.state(t + 5'100), BreakerState::closed);
  EXPECT_EQ(b.figures(t + 5'100).calls, 0);  // a fresh window
  EXPECT_TRUE(b.admit(t + 5'100));
}

TEST(Breaker, ABadProbeOpensItAgainForLongerUpToTheCap) {
  Breaker b(options());
  std::int64_t t = 1'000'000;
  for (int i = 0; i < 10; ++i)
    b.record(true, t);
  ASSERT_TRUE(b.admit(t + 5'000));
  b.record(true, t + 5'000);
  EXPECT_EQ(b.state(t + 5'000), BreakerState::open);
  EXPECT_EQ(b.figures(t + 5'000).retry_at_ms, t + 5'000 + 10'000);  // doubled
  ASSERT_TRUE(b.admit(t + 15'000));
  b.record(true, t + 15'000);
  EXPECT_EQ(b.figures(t + 15'000).retry_at_ms, t + 15'000 + 12'000);  // capped
  // Recovered: back to the first cooldown on the next trip.
  ASSERT_TRUE(b.admit(t + 27'000));
  b.record(false, t + 27'000);
  for (int i = 0; i < 10; ++i)
    b.record(true, t + 28'000);
  EXPECT_EQ(b.figures(t + 28'000).retry_at_ms, t + 28'000 + 5'000);
}

TEST(Breaker, CallsAdmittedBeforeItOpenedDoNotDecideIt) {
  Breaker b(options());
  std::int64_t t = 1'000'000;
  for (int i = 0; i < 10; ++i)
    b.record(true, t);
  b.record(false, t + 5'000);  // a slow call from before: no probe was out
  EXPECT_EQ(b.state(t + 5'000), BreakerState::half_open);
}

TEST(Breaker, ARestoreClosesItAtOnceWithAFreshWindowAndTheFirstCooldown) {
  Breaker b(options());
  std::int64_t t = 1'000'000;
  for (int i = 0; i < 10; ++i)
    b.record(true, t);
  ASSERT_TRUE(b.admit(t + 5'000));
  b.record(true, t + 5'000);  // a bad probe: the cooldown doubled
  ASSERT_EQ(b.state(t + 6'000), BreakerState::open);
  b.restore();  // a health check's answer
  EXPECT_EQ(b.state(t + 6'000), BreakerState::closed);
  EXPECT_TRUE(b.admit(t + 6'000));
  EXPECT_EQ(b.figures(t + 6'000).calls, 0);
  for (int i = 0; i < 10; ++i)
    b.record(true, t + 7'000);
  EXPECT_EQ(b.figures(t + 7'000).retry_at_ms, t + 7'000 + 5'000);
}

}  // namespace
}  // namespace glmgate
