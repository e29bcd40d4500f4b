// Yield points: a thread that enabled them gives the core away about once per slice of work, and
// every other thread never does.
#include "core/yield_point.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace glmgate {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t yields_while_busy(std::chrono::milliseconds busy, bool enabled) {
  std::uint64_t yields = 0;
  std::thread([&] {
    if (enabled) enable_yield_points(std::chrono::microseconds(1000));
    const auto until = Clock::now() + busy;
    while (Clock::now() < until)
      yield_point();
    yields = yields_on_this_thread();
  }).join();
  return yields;
}

TEST(YieldPoint, GivesTheCoreAwayOncePerSliceOnAnEnabledThreadOnly) {
  std::uint64_t n = yields_while_busy(std::chrono::milliseconds(40), true);
  // About 40 on an idle machine. A loaded one (a build beside the tests) stretches the slices:
  // 16 was seen with two compilers running, so the floor only says it yields slice after slice.
  EXPECT_GE(n, 5u);
  EXPECT_LE(n, 41u);
  EXPECT_EQ(yields_while_busy(std::chrono::milliseconds(10), false), 0u);
}

}  // namespace
}  // namespace glmgate
