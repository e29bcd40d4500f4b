// GCRA (generic cell rate algorithm): a smooth rate limit kept as one number per key, the
// theoretical arrival time (TAT). A request of cost c is allowed when it would not push the TAT
// further than `burst` emission intervals ahead of now; unlike a fixed window it never lets twice
// the limit through around a window boundary. Pure arithmetic on nanoseconds; the caller supplies
// the clock and serializes access to the TAT.
#pragma once

#include <algorithm>
#include <cstdint>

namespace glmgate {

struct GcraDecision {
  bool allowed = false;
  std::int64_t remaining = 0;       // units that could still be taken right now
  std::int64_t reset_ns = 0;        // until the bucket is full again
  std::int64_t retry_after_ns = 0;  // when refused: until one unit is allowed
};

struct GcraRate {
  std::int64_t interval_ns = 0;  // one unit's emission interval: period / limit
  std::int64_t burst = 1;        // units that may be taken at once
};

// A rate of `limit` units per `period_ns`, letting `burst` units through at once.
inline GcraRate gcra_rate(std::int64_t limit, std::int64_t period_ns, std::int64_t burst) {
  return {std::max<std::int64_t>(1, period_ns / std::max<std::int64_t>(1, limit)),
          std::max<std::int64_t>(1, burst)};
}

// Takes `cost` units when they fit, advancing `tat`; otherwise leaves it and says when to retry.
inline GcraDecision gcra_take(std::int64_t& tat, std::int64_t now, const GcraRate& rate,
                              std::int64_t cost = 1) {
  const std::int64_t capacity = rate.burst * rate.interval_ns;  // tau + one interval
  std::int64_t base = std::max(tat, now);
  std::int64_t next = base + cost * rate.interval_ns;
  GcraDecision d;
  if (next - now > capacity) {
    d.allowed = false;
    d.retry_after_ns = next - now - capacity;
    d.remaining = std::max<std::int64_t>(0, (capacity - (base - now)) / rate.interval_ns);
    d.reset_ns = base - now;
    return d;
  }
  tat = next;
  d.allowed = true;
  d.remaining = (capacity - (next - now)) / rate.interval_ns;
  d.reset_ns = next - now;
  return d;
}

// Whether anything is left (the bucket is not overdrawn), without taking it: token limits admit a
// request while the key has tokens left, and debit its real usage afterwards.
inline GcraDecision gcra_peek(std::int64_t tat, std::int64_t now, const GcraRate& rate) {
  const std::int64_t capacity = rate.burst * rate.interval_ns;
  std::int64_t ahead = std::max(tat, now) - now;
  GcraDecision d;
  d.allowed = ahead < capacity;
  d.remaining = std::max<std::int64_t>(0, (capacity - ahead) / rate.interval_ns);
  d.reset_ns = ahead;
  d.retry_after_ns = d.allowed ? 0 : ahead - capacity + rate.interval_ns;
  return d;
}

// Debits `cost` units after the fact; may overdraw, which later requests wait out.
inline void gcra_debit(std::int64_t& tat, std::int64_t now, const GcraRate& rate,
                       std::int64_t cost) {
  if (cost <= 0) return;
  tat = std::max(tat, now) + cost * rate.interval_ns;
}

}  // namespace glmgate
