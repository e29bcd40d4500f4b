// KeyLimiter; see key_limiter.hpp.
#include "limits/key_limiter.hpp"

#include <chrono>
#include <cstdio>

#include "limits/gcra.hpp"

namespace glmgate {

namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;

GcraRate request_rate(std::int64_t rpm, std::int64_t burst_seconds) {
  // A burst of `burst_seconds` worth of the limit, at least one request: at most rpm + burst in
  // any sliding minute.
  std::int64_t burst = (rpm * burst_seconds + 59) / 60;
  return gcra_rate(rpm, kMinuteNs, burst);
}

GcraRate token_rate(std::int64_t tpm) {
  return gcra_rate(tpm, kMinuteNs, tpm);  // a whole minute's tokens: one call can be large
}

// A key's limit changed (a new tier, a new --rpm): keep the share of the bucket in use, not the
// time, so a higher limit takes effect at once.
void rescale(std::int64_t& tat, std::int64_t& interval, std::int64_t now, const GcraRate& rate) {
  if (interval != 0 && interval != rate.interval_ns && tat > now)
    tat = now +
          static_cast<std::int64_t>(static_cast<__int128>(tat - now) * rate.interval_ns / interval);
  interval = rate.interval_ns;
}

std::string seconds_header(std::int64_t ns) {
  return std::to_string(std::max<std::int64_t>(1, (ns + 999'999'999) / 1'000'000'000));
}

void set_header(Headers& headers, std::string name, std::string value) {
  headers.push_back({std::move(name), std::move(value)});
}

}  // namespace

std::string format_reset(std::int64_t ns) {
  if (ns <= 0) return "0s";
  std::int64_t ms = (ns + 999'999) / 1'000'000;
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60'000) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(ms) / 1000.0);
    return std::string(buf) + "s";
  }
  std::int64_t s = ms / 1000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  out += std::to_string(s % 3600 / 60) + "m" + std::to_string(s % 60) + "s";
  return out;
}

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
  const std::int64_t t = now();
  Shard& s = shard(key.id);
  std::optional<GcraDecision> requests, tokens;
  std::optional<ApiError> refusal;
  std::int64_t retry_ns = 0;
  {
    std::lock_guard lock(s.mutex);
    State& state = s.keys[key.id];
    if (limits.tpm > 0) {
      GcraRate rate = token_rate(limits.tpm);
      rescale(state.token_tat, state.token_interval, t, rate);
      tokens = gcra_peek(state.token_tat, t, rate);
      if (!tokens->allowed) {
        refusal = ApiError::rate_limited("Rate limit reached for tokens per minute (limit " +
                                         std::to_string(limits.tpm) + ") on this key.");
        retry_ns = tokens->retry_after_ns;
      }
    }
    std::int64_t tat = state.request_tat;
    if (limits.rpm > 0) {
      GcraRate rate = request_rate(limits.rpm, burst_seconds_);
      rescale(state.request_tat, state.request_interval, t, rate);
      tat = state.request_tat;
      requests = gcra_take(tat, t, rate);
      if (!requests->allowed && !refusal) {
        refusal = ApiError::rate_limited("Rate limit reached for requests per minute (limit " +
                                         std::to_string(limits.rpm) + ") on this key.");
        retry_ns = requests->retry_after_ns;
      }
    }
    if (!refusal && limits.max_concurrency > 0 && state.in_flight >= limits.max_concurrency)
      refusal = ApiError::rate_limited("Too many concurrent requests on this key (limit " +
                                           std::to_string(limits.max_concurrency) + ").",
                                       "concurrency_limit_exceeded");
    if (!refusal) state.request_tat = tat;
    if (!refusal && limits.max_concurrency > 0) ++state.in_flight;
  }
  // One growth of the vector for all of them, not one per header.
  headers.reserve(headers.size() + (requests ? 3 : 0) + (tokens ? 3 : 0) + (refusal ? 2 : 0));
  if (requests) {
    set_header(headers, "x-ratelimit-limit-requests", std::to_string(limits.rpm));
    set_header(headers, "x-ratelimit-remaining-requests", std::to_string(requests->remaining));
    set_header(headers, "x-ratelimit-reset-requests", format_reset(requests->reset_ns));
  }
  if (tokens) {
    set_header(headers, "x-ratelimit-limit-tokens", std::to_string(limits.tpm));
    set_header(headers, "x-ratelimit-remaining-tokens", std::to_string(tokens->remaining));
    set_header(headers, "x-ratelimit-reset-tokens", format_reset(tokens->reset_ns));
  }
  if (refusal) {
    if (retry_ns <= 0) retry_ns = 1'000'000'000;  // a concurrency slot: try again shortly
    set_header(headers, "retry-after", seconds_header(retry_ns));
    set_header(headers, "retry-after-ms", std::to_string((retry_ns + 999'999) / 1'000'000));
    return Admission::refused(std::move(*refusal));
  }
  return Admission::granted({});
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
