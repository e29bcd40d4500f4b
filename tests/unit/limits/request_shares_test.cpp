// RequestShares: a key gets a share of its rpm only once it is busy on this instance, sized by its
// rate and capped by its burst; a share serves requests at once and asks for a refill when low;
// a new limit or an idle spell drops it; remaining counts what the instance still holds.
#include "limits/request_shares.hpp"

#include <gtest/gtest.h>

namespace glmgate {
namespace {

constexpr std::int64_t kMs = 1'000'000;

struct Fixture {
  std::int64_t now = 1'000 * kMs;
  RequestShares shares{RequestShares::Options{}, [this] { return now; }};
  GcraRate rate{100 * kMs, 6000};  // 600 rpm with a burst of 6000 (a shape tests can reach)

  LimitVerdict verdict(std::int64_t remaining) {
    LimitVerdict v;
    v.requests = GcraDecision{true, remaining, 5'000 * kMs, 0};
    return v;
  }
  // `n` requests, one every `gap`, none served by a share.
  void busy(int n, std::int64_t gap) {
    for (int i = 0; i < n; ++i) {
      ASSERT_FALSE(shares.take("k", rate));
      now += gap;
    }
  }
};

TEST(RequestShares, AQuietKeyAsksForOneRequestAtATime) {
  Fixture f;
  f.busy(8, 150 * kMs);  // fewer than one a horizon
  EXPECT_EQ(f.shares.wanted("k", f.rate), 1);
}

TEST(RequestShares, ABusyKeyAsksForAHorizonsRequestsAndIsServedFromThem) {
  Fixture f;
  f.busy(41, 5 * kMs / 2);                   // 400 a second: 40 in a horizon of 100 ms
  ASSERT_FALSE(f.shares.take("k", f.rate));  // this one closes the window
  const std::int64_t wanted = f.shares.wanted("k", f.rate);
  EXPECT_GE(wanted, 38);
  EXPECT_LE(wanted, 42);

  f.shares.granted("k", f.rate, wanted - 1, f.verdict(100), false);  // one was the asker's
  EXPECT_EQ(f.shares.held("k"), wanted - 1);
  auto first = f.shares.take("k", f.rate);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->refill, 0);
  // What the key has left: Redis's remaining and what this instance still holds.
  EXPECT_EQ(first->verdict.requests->remaining, 100 + wanted - 2);
  int served = 1;
  std::int64_t refill = 0;
  while (auto t = f.shares.take("k", f.rate)) {
    ++served;
    if (t->refill) {
      EXPECT_EQ(refill, 0) << "one refill at a time";
      refill = t->refill;
    }
  }
  EXPECT_EQ(served, wanted - 1);
  EXPECT_EQ(refill, wanted);  // asked for when half was left
  f.shares.granted("k", f.rate, refill, f.verdict(50), true);
  EXPECT_EQ(f.shares.held("k"), refill);
}

TEST(RequestShares, AShareIsAtMostASixteenthOfTheBurst) {
  Fixture f;
  f.rate = GcraRate{100 * kMs, 160};
  f.busy(1001, kMs / 10);  // 10,000 a second
  ASSERT_FALSE(f.shares.take("k", f.rate));
  EXPECT_EQ(f.shares.wanted("k", f.rate), 10);
}

TEST(RequestShares, ANewLimitOrAnIdleSpellDropsTheShare) {
  Fixture f;
  f.shares.granted("k", f.rate, 20, f.verdict(10), false);
  ASSERT_TRUE(f.shares.take("k", f.rate));
  GcraRate other{50 * kMs, 6000};
  EXPECT_FALSE(f.shares.take("k", other));
  EXPECT_EQ(f.shares.held("k"), 0);

  f.shares.granted("k", other, 20, f.verdict(10), false);
  f.now += 1'001 * kMs;
  EXPECT_FALSE(f.shares.take("k", other));
  EXPECT_EQ(f.shares.held("k"), 0);
}

TEST(RequestShares, ARefillThatNeverAnswersEndsAfterTheShareLife) {
  Fixture f;
  f.busy(101, kMs);
  ASSERT_FALSE(f.shares.take("k", f.rate));
  const std::int64_t size = f.shares.wanted("k", f.rate);
  ASSERT_GT(size, 1);
  f.shares.granted("k", f.rate, 1, f.verdict(10), false);
  auto t = f.shares.take("k", f.rate);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->refill, size);
  EXPECT_EQ(f.shares.wanted("k", f.rate), 1) << "a refill under way serves the next ones";
  f.now += 1'001 * kMs;
  EXPECT_EQ(f.shares.wanted("k", f.rate), size);
  f.shares.refill_failed("k");
}

TEST(RequestShares, AZeroHorizonNeverShares) {
  std::int64_t now = 0;
  RequestShares shares({.horizon_ns = 0}, [&] { return now; });
  GcraRate rate{kMs, 1'000'000};
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(shares.take("k", rate));
    now += 1000;
  }
  EXPECT_EQ(shares.wanted("k", rate), 1);
}

}  // namespace
}  // namespace glmgate
