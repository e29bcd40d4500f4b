// RedisRateLimiter: the RateLimiter that instances sharing one Redis count together: a key's
// requests per minute, tokens per minute and requests in flight are the gateway's, not each
// instance's. Answers, headers and 429s are KeyLimiter's exactly (limits/rate_verdict.hpp, the
// same GCRA, the same checks in the same order), on Redis's clock.
//
// Round trips: try_admit() answers at once for a key without limits, and for a busy key with an
// rpm alone (no tpm, no --max-concurrency) from this instance's share of its rpm
// (limits/request_shares.hpp: requests taken from Redis ahead of need, refilled in the background
// with one EVALSHA per share, so a busy key costs a fraction of a round trip per request; a key
// with the default rpm never has a share and is counted exactly); else `pending`, and
// admit() is one EVALSHA (rate_limit_scripts.hpp: the rpm GCRA, the tpm check, a concurrency
// slot, together; the pipeline asks for the rate and, after validation, the slot: two for a key
// with --max-concurrency). release() (ZREM of the slot) and add_tokens() (an EVALSHA that debits
// the tokens) never wait: they are written on the thread's connection and their replies dropped.
// Concurrency slots: each one taken is an ID in the key's sorted set, scored by an expiry
// `slot_ttl` (30 s) ahead; this instance pushes the expiry of the slots it holds every third of
// that, and release() removes them. A slot of an instance that died, or whose ZREM was lost,
// comes back by itself within `slot_ttl`; so does one taken by a script whose reply timed out.
// Redis down (unreachable, or no reply within `deadline`, 100 ms): admit() counts in this
// process instead (an in-process KeyLimiter, at once while the connection is down), release()
// and add_tokens() of what was counted here stay here; one warning per outage says that limits
// are counted per instance until Redis answers again, and one line when it does. It never
// answers `unavailable`: a key is limited per instance rather than refused during an outage.
// What an outage costs: each instance starts the outage with fresh local counts (a key may get
// its burst once per instance), and slots held in Redis before it are not counted locally.
// Threading: any thread (see RedisClient); the slots this instance holds are under sharded
// mutexes held for a map operation. Lifetime: the io_contexts it ran on may end before it.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "backends/redis/redis_client.hpp"
#include "limits/key_limiter.hpp"

namespace glmgate {

class RedisRateLimiter final : public RateLimiter {
 public:
  struct Options {
    std::int64_t burst_seconds = 10;  // as KeyLimiter's
    std::chrono::milliseconds deadline{100};
    std::chrono::milliseconds slot_ttl{30'000};
    std::chrono::milliseconds connect_timeout{1000};
    // Tests: one fake clock (ns) for this limiter's scripts and its local fallback, to compare
    // with a KeyLimiter on the same clock. Empty: Redis's TIME (and a steady clock locally).
    KeyLimiter::Clock clock{};
    // How long a share of a busy key's rpm should last (RequestShares::Options::horizon_ns);
    // 0: no shares, every limited request asks Redis.
    std::chrono::milliseconds share_horizon{100};
  };

  RedisRateLimiter(const RedisUrl& url, Options options);
  ~RedisRateLimiter() override;

  Admission try_admit(const KeyInfo& key, const KeyLimits& limits, Headers& headers) override;
  boost::asio::awaitable<Admission> admit(const KeyInfo& key, const KeyLimits& limits,
                                          Headers& headers) override;
  void release(const KeyInfo& key, const KeyLimits& limits) override;
  void add_tokens(const KeyInfo& key, const KeyLimits& limits, std::int64_t tokens) override;

  // The slots this instance holds now, in Redis and counted locally (for tests).
  std::size_t held_slots() const;
  // The requests of `key_id`'s rpm this instance holds in its share (for tests).
  std::int64_t held_requests(const std::string& key_id) const;

 private:
  struct Shared;

  void hold(const std::string& key_id, std::string slot);
  bool shares_rpm(const KeyLimits& limits) const;
  std::vector<std::string> admit_command(const KeyInfo& key, const KeyLimits& limits,
                                         const std::string& slot, std::int64_t wanted) const;
  void refill(const KeyInfo& key, const KeyLimits& limits, std::int64_t wanted);

  Options options_;
  std::shared_ptr<Shared> shared_;  // with the connections' callbacks, which may outlive this
  KeyLimiter local_;
  RedisClient client_;
};

}  // namespace glmgate
