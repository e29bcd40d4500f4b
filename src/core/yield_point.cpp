// Yield points; see yield_point.hpp.
#include "core/yield_point.hpp"

#include <sched.h>
#include <time.h>

namespace glmgate {

namespace {

struct YieldState {
  std::int64_t slice_ns = 0;  // 0: off
  std::int64_t last_ns = 0;
  std::uint64_t yields = 0;
};
thread_local YieldState state;

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

void enable_yield_points(std::chrono::microseconds slice) {
  state.slice_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(slice).count();
  state.last_ns = monotonic_ns();
}

void yield_point() {
  if (state.slice_ns == 0) return;
  std::int64_t now = monotonic_ns();
  if (now - state.last_ns < state.slice_ns) return;
  sched_yield();
  ++state.yields;
  state.last_ns = monotonic_ns();
}

std::uint64_t yields_on_this_thread() {
  return state.yields;
}

}  // namespace glmgate
