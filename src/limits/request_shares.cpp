// RequestShares; see request_shares.hpp.
#include "limits/request_shares.hpp"

#include <algorithm>

namespace glmgate {

RequestShares::RequestShares(Options options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

RequestShares::Shard& RequestShares::shard(const std::string& key_id) {
  return shards_[std::hash<std::string>{}(key_id) % kShards];
}

RequestShares::Share& RequestShares::find(Shard& s, const std::string& key_id, const GcraRate& rate,
                                          std::int64_t now) {
  Share& share = s.keys[key_id];
  if (share.interval_ns != rate.interval_ns || share.burst != rate.burst) {
    // A new key, or a new limit: what was taken at the old one is not spent at the new one.
    share.interval_ns = rate.interval_ns;
    share.burst = rate.burst;
    share.left = 0;
    share.size = 1;
    share.window_start = now;
    share.window_count = 0;
  }
  if (share.left > 0 && now - share.granted_at > options_.life_ns) share.left = 0;
  if (share.refilling && now - share.refill_started > options_.life_ns) share.refilling = false;
  return share;
}

void RequestShares::count(Share& share, const GcraRate& rate, std::int64_t now) const {
  const std::int64_t elapsed = now - share.window_start;
  if (elapsed >= options_.horizon_ns) {
    // The requests of one horizon at the rate of the window that ends (an idle key's is ~0).
    const double per_horizon = static_cast<double>(share.window_count) *
                               static_cast<double>(options_.horizon_ns) /
                               static_cast<double>(elapsed);
    const std::int64_t cap = std::max<std::int64_t>(1, rate.burst / options_.burst_divisor);
    share.size = std::clamp<std::int64_t>(static_cast<std::int64_t>(per_horizon), 1, cap);
    share.window_start = now;
    share.window_count = 0;
  }
  ++share.window_count;
}

std::optional<RequestShares::Take> RequestShares::take(const std::string& key_id,
                                                       const GcraRate& rate) {
  if (options_.horizon_ns <= 0) return std::nullopt;
  const std::int64_t now = clock_();
  Shard& s = shard(key_id);
  std::lock_guard lock(s.mutex);
  Share& share = find(s, key_id, rate, now);
  count(share, rate, now);
  if (share.left <= 0) return std::nullopt;
  --share.left;
  Take take;
  take.verdict = share.verdict;
  if (take.verdict.requests) {
    GcraDecision& d = *take.verdict.requests;
    d.remaining += share.left;
    d.reset_ns = std::max<std::int64_t>(0, d.reset_ns - (now - share.granted_at));
  }
  if (take.verdict.tokens)
    take.verdict.tokens->reset_ns =
        std::max<std::int64_t>(0, take.verdict.tokens->reset_ns - (now - share.granted_at));
  if (!share.refilling && share.size > 1 && share.left <= share.size / 2) {
    share.refilling = true;
    share.refill_started = now;
    take.refill = share.size;
  }
  return take;
}

std::int64_t RequestShares::wanted(const std::string& key_id, const GcraRate& rate) {
  if (options_.horizon_ns <= 0) return 1;
  const std::int64_t now = clock_();
  Shard& s = shard(key_id);
  std::lock_guard lock(s.mutex);
  Share& share = find(s, key_id, rate, now);
  // A refill under way serves the next requests; this one asks for itself alone.
  return share.refilling ? 1 : share.size;
}

void RequestShares::granted(const std::string& key_id, const GcraRate& rate, std::int64_t count,
                            const LimitVerdict& verdict, bool refill) {
  const std::int64_t now = clock_();
  Shard& s = shard(key_id);
  std::lock_guard lock(s.mutex);
  Share& share = find(s, key_id, rate, now);
  if (refill) share.refilling = false;
  if (count <= 0) return;
  share.left += count;
  share.granted_at = now;
  share.verdict = verdict;
  share.verdict.retry_ns = 0;
}

void RequestShares::refill_failed(const std::string& key_id) {
  Shard& s = shard(key_id);
  std::lock_guard lock(s.mutex);
  auto it = s.keys.find(key_id);
  if (it != s.keys.end()) it->second.refilling = false;
}

std::int64_t RequestShares::held(const std::string& key_id) {
  Shard& s = shard(key_id);
  std::lock_guard lock(s.mutex);
  auto it = s.keys.find(key_id);
  return it == s.keys.end() ? 0 : it->second.left;
}

}  // namespace glmgate
