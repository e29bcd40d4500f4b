// RequestShares: the requests of a key's rpm that this instance took from a shared limiter
// (Redis) ahead of need, so that a busy key does not cost a round trip per request. The shared
// GCRA counts a share as taken when it is granted, so the instances together never admit more
// than the key's limit; what a share costs is the other way: requests it holds that its instance
// does not use within `life` are lost to the key until the GCRA refills them (at most `max share`
// requests per instance, which the rpm gives back in max share x 60/rpm seconds).
//
// Sizing: a key gets no share (every request asks) until its requests on this instance in one
// `horizon` show that a share would serve more than one; then a share is what this instance used
// in the last horizon, at most 1/`burst_divisor` of the key's burst. A key with a small rpm (the
// default 60, a burst of 10) therefore never has one and is counted exactly.
//
// Headers: an answer from a share carries the verdict of the share's grant with the requests this
// instance still holds added to its remaining count: a client of a busy key sees remaining and
// reset move in steps of a share, never a count above what the key has left.
//
// Threading: any thread; sharded maps under plain mutexes held for a few arithmetic operations.
// The clock is injected (nanoseconds, monotonic): the limiter's.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "limits/rate_verdict.hpp"

namespace glmgate {

class RequestShares {
 public:
  using Clock = std::function<std::int64_t()>;
  struct Options {
    std::int64_t horizon_ns = 100'000'000;  // a share serves about this long; 0: no shares
    std::int64_t life_ns = 1'000'000'000;   // an unused share is dropped after this
    std::int64_t burst_divisor = 16;        // a share is at most burst / this
  };

  RequestShares(Options options, Clock clock);

  // One request of `key_id` at `rate` from this instance's share, counted for the key's rate
  // here. Empty when there is none: ask the shared limiter for wanted() requests. `refill` is
  // set when the share runs low and no refill is under way: ask for that many in the
  // background, then call granted() or refill_failed().
  struct Take {
    LimitVerdict verdict;     // the answer's headers (granted)
    std::int64_t refill = 0;  // > 0: ask for this many now
  };
  std::optional<Take> take(const std::string& key_id, const GcraRate& rate);

  // How many requests a request that take() did not serve should ask for, itself included: 1
  // unless the key is busy here.
  std::int64_t wanted(const std::string& key_id, const GcraRate& rate);

  // The shared limiter granted `count` requests, `verdict` its answer, beyond those it answered
  // to a caller (for a refill: all of them). Ends a refill when `refill` is set.
  void granted(const std::string& key_id, const GcraRate& rate, std::int64_t count,
               const LimitVerdict& verdict, bool refill);
  void refill_failed(const std::string& key_id);

  // Requests held now for `key_id` (tests).
  std::int64_t held(const std::string& key_id);

 private:
  struct Share {
    std::int64_t interval_ns = 0;  // the rate it was taken at; a new rate drops it
    std::int64_t burst = 0;
    std::int64_t left = 0;
    std::int64_t granted_at = 0;
    LimitVerdict verdict;   // of its last grant
    std::int64_t size = 1;  // what one share should hold now
    std::int64_t window_start = 0;
    std::int64_t window_count = 0;
    bool refilling = false;
    std::int64_t refill_started = 0;  // a refill whose answer never came ends after `life`
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Share> keys;
  };
  static constexpr std::size_t kShards = 16;

  Shard& shard(const std::string& key_id);
  Share& find(Shard& s, const std::string& key_id, const GcraRate& rate, std::int64_t now);
  void count(Share& share, const GcraRate& rate, std::int64_t now) const;

  Options options_;
  Clock clock_;
  std::array<Shard, kShards> shards_;
};

}  // namespace glmgate
