// KeyLimiter; see key_limiter.hpp.
#include "limits/key_limiter.hpp"

#include <chrono>

#include "limits/gcra.hpp"

namespace glmgate {

namespace {

// A key's limit changed (a new tier, a new --rpm): keep the share of the bucket in use, not the
// time, so a higher limit takes effect at once.
void rescale(std::int64_t& tat, std::int64_t& interval, std::int64_t now, const GcraRate& rate) {
  if (interval != 0 && interval != rate.interval_ns && tat > now)
    tat = now +
          static_cast<std::int64_t>(static_cast<__int128>(tat - now) * rate.interval_ns / interval);
  interval = rate.interval_ns;
}

}  // namespace

KeyLimiter::KeyLimiter(std::int64_t burst_seconds, Clock clock)
    : burst_seconds_(burst_seconds), clock_(std::move(clock)) {}

std::int64_t KeyLimiter::now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

KeyLimiter::Shard& KeyLimiter::shard(const std::string& key_id) {
  return shards_[std::hash<std::string>{}(key_id) % kShards];
}

Admission KeyLimiter::try_admit(const KeyInfo& key, const KeyLimits& limits, Headers& headers) {
  if (limits.rpm <= 0 && limits.tpm <= 0 && limits.max_concurrency <= 0)
    return Admission::granted({});
  using Refusal = LimitVerdict::Refusal;
  const std::int64_t t = now();
  Shard& s = shard(key.id);
  LimitVerdict verdict;
  {
    std::lock_guard lock(s.mutex);
    State& state = s.keys[key.id];
    if (limits.tpm > 0) {
      GcraRate rate = token_rate(limits.tpm);
      rescale(state.token_tat, state.token_interval, t, rate);
      verdict.tokens = gcra_peek(state.token_tat, t, rate);
      if (!verdict.tokens->allowed) {
        verdict.refusal = Refusal::tokens;
        verdict.retry_ns = verdict.tokens->retry_after_ns;
      }
    }
    std::int64_t tat = state.request_tat;
    if (limits.rpm > 0) {
      GcraRate rate = request_rate(limits.rpm, burst_seconds_);
      rescale(state.request_tat, state.request_interval, t, rate);
      tat = state.request_tat;
      verdict.requests = gcra_take(tat, t, rate);
      if (!verdict.requests->allowed && verdict.refusal == Refusal::none) {
        verdict.refusal = Refusal::requests;
        verdict.retry_ns = verdict.requests->retry_after_ns;
      }
    }
    if (verdict.refusal == Refusal::none && limits.max_concurrency > 0 &&
        state.in_flight >= limits.max_concurrency)
      verdict.refusal = Refusal::concurrency;
    if (verdict.refusal == Refusal::none) {
      state.request_tat = tat;
      if (limits.max_concurrency > 0) ++state.in_flight;
    }
  }
  return answer(limits, verdict, headers);
}

void KeyLimiter::release(const KeyInfo& key, const KeyLimits& limits) {
  if (limits.max_concurrency <= 0) return;
  Shard& s = shard(key.id);
  std::lock_guard lock(s.mutex);
  auto it = s.keys.find(key.id);
  if (it != s.keys.end() && it->second.in_flight > 0) --it->second.in_flight;
}

void KeyLimiter::add_tokens(const KeyInfo& key, const KeyLimits& limits, std::int64_t tokens) {
  if (limits.tpm <= 0 || tokens <= 0) return;
  const std::int64_t t = now();
  Shard& s = shard(key.id);
  std::lock_guard lock(s.mutex);
  gcra_debit(s.keys[key.id].token_tat, t, token_rate(limits.tpm), tokens);
}

}  // namespace glmgate
