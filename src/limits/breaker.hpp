// Breaker: one deployment's (or pool key's) circuit breaker, the state a HealthBoard keeps per
// name (issue "routing": deployments, fallbacks, breakers). It opens on a ratio of upstream faults
// over a sliding window with a minimum volume, never on one error: `min_calls` calls within
// `window`, at least `error_ratio` of them faults. Open, it refuses for a cooldown that doubles on
// each trip in a row (up to `max_cooldown`); then it is half-open and lets `probes` calls through
// at once: a probe that succeeds closes it (a fresh window, the cooldown back to its start), one
// that fails opens it again.
// Time is the caller's (milliseconds on a steady clock), so tests drive it without sleeping.
// Threading: any thread; one small mutex per breaker, held for a few integer operations.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "contracts/health_board.hpp"

namespace glmgate {

struct BreakerOptions {
  std::int64_t window_ms = 30'000;
  std::int64_t min_calls = 10;
  double error_ratio = 0.5;
  std::int64_t cooldown_ms = 10'000;
  std::int64_t max_cooldown_ms = 300'000;
  std::int64_t probes = 1;
};

struct BreakerFigures {
  BreakerState state = BreakerState::closed;
  std::int64_t calls = 0;   // in the window
  std::int64_t faults = 0;  // of them
  std::int64_t opened_at_ms = 0;
  std::int64_t retry_at_ms = 0;  // when an open breaker lets probes through
};

class Breaker {
 public:
  explicit Breaker(BreakerOptions options = {});

  BreakerState state(std::int64_t now_ms) const;
  // Whether a call may go now; while half-open it takes one of the probes, which its record()
  // gives back.
  bool admit(std::int64_t now_ms);
  // The outcome of an admitted call.
  void record(bool fault, std::int64_t now_ms);
  BreakerFigures figures(std::int64_t now_ms) const;
  // Open at once until `until_ms` (a refused pool key, a Retry-After), then probes; the cooldown
  // does not grow for it.
  void set_aside(std::int64_t now_ms, std::int64_t until_ms);
  // Closed at once (a health check's answer): a fresh window, the cooldown back to its start.
  void restore();

 private:
  static constexpr std::size_t kBuckets = 10;
  struct Bucket {
    std::int64_t start_ms = -1;
    std::int64_t calls = 0;
    std::int64_t faults = 0;
  };
  BreakerState state_locked(std::int64_t now_ms) const;
  void totals_locked(std::int64_t now_ms, std::int64_t& calls, std::int64_t& faults) const;
  void trip_locked(std::int64_t now_ms);
  void clear_window_locked();

  const BreakerOptions options_;
  const std::int64_t bucket_ms_;
  mutable std::mutex mutex_;
  std::array<Bucket, kBuckets> buckets_{};
  bool open_ = false;
  std::int64_t opened_at_ms_ = 0;
  std::int64_t retry_at_ms_ = 0;
  std::int64_t cooldown_ms_;
  std::int64_t probes_out_ = 0;
};

}  // namespace glmgate
