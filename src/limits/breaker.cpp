// Breaker; see breaker.hpp.
#include "limits/breaker.hpp"

#include <algorithm>

namespace glmgate {

Breaker::Breaker(BreakerOptions options)
    : options_(options),
      bucket_ms_(
          std::max<std::int64_t>(1, options.window_ms / static_cast<std::int64_t>(kBuckets))),
      cooldown_ms_(options.cooldown_ms) {}

void Breaker::totals_locked(std::int64_t now_ms, std::int64_t& calls, std::int64_t& faults) const {
  calls = faults = 0;
  for (const Bucket& b : buckets_) {
    if (b.start_ms < 0 || now_ms - b.start_ms >= options_.window_ms) continue;
    calls += b.calls;
    faults += b.faults;
  }
}

BreakerState Breaker::state_locked(std::int64_t now_ms) const {
  if (!open_) return BreakerState::closed;
  return now_ms < retry_at_ms_ ? BreakerState::open : BreakerState::half_open;
}

BreakerState Breaker::state(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  return state_locked(now_ms);
}

bool Breaker::admit(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  switch (state_locked(now_ms)) {
    case BreakerState::closed:
      return true;
    case BreakerState::open:
      return false;
    case BreakerState::half_open:
      if (probes_out_ >= options_.probes) return false;
      ++probes_out_;
      return true;
  }
  return false;
}

void Breaker::clear_window_locked() {
  buckets_.fill(Bucket{});
}

void Breaker::trip_locked(std::int64_t now_ms) {
  if (open_) cooldown_ms_ = std::min(cooldown_ms_ * 2, options_.max_cooldown_ms);
  open_ = true;
  opened_at_ms_ = now_ms;
  retry_at_ms_ = now_ms + cooldown_ms_;
  probes_out_ = 0;
  clear_window_locked();
}

void Breaker::record(bool fault, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (open_) {
    // A probe's answer decides; a call admitted before the breaker opened counts for nothing.
    if (state_locked(now_ms) != BreakerState::half_open || probes_out_ == 0) return;
    --probes_out_;
    if (fault) {
      trip_locked(now_ms);
    } else {
      open_ = false;
      cooldown_ms_ = options_.cooldown_ms;
      clear_window_locked();
    }
    return;
  }
  Bucket& b = buckets_[static_cast<std::size_t>(now_ms / bucket_ms_) % kBuckets];
  const std::int64_t start = now_ms / bucket_ms_ * bucket_ms_;
  if (b.start_ms != start) b = Bucket{start, 0, 0};
  ++b.calls;
  if (fault) ++b.faults;
  if (!fault) return;
  std::int64_t calls = 0, faults = 0;
  totals_locked(now_ms, calls, faults);
  if (calls >= options_.min_calls &&
      static_cast<double>(faults) >= options_.error_ratio * static_cast<double>(calls))
    trip_locked(now_ms);
}

void Breaker::set_aside(std::int64_t now_ms, std::int64_t until_ms) {
  std::lock_guard lock(mutex_);
  const bool was_open = open_;
  if (!was_open) opened_at_ms_ = now_ms;
  open_ = true;
  retry_at_ms_ = was_open ? std::max(retry_at_ms_, until_ms) : until_ms;
  probes_out_ = 0;
  clear_window_locked();
}

void Breaker::restore() {
  std::lock_guard lock(mutex_);
  open_ = false;
  probes_out_ = 0;
  cooldown_ms_ = options_.cooldown_ms;
  clear_window_locked();
}

BreakerFigures Breaker::figures(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  BreakerFigures f;
  f.state = state_locked(now_ms);
  totals_locked(now_ms, f.calls, f.faults);
  f.opened_at_ms = open_ ? opened_at_ms_ : 0;
  f.retry_at_ms = open_ ? retry_at_ms_ : 0;
  return f;
}

}  // namespace glmgate
