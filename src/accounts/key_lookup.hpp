// KeyLookup: what authentication does when the key cache has no entry for a presented secret.
// A key made by the CLI (or another instance) since the last refresh is not refused: the store
// is read again first (StoreSync::after_next_round, off the I/O threads: many lookups that miss
// at once share one round) and the cache asked again. A secret still unknown after that is
// remembered for `negative_ttl` (by its SHA-256, at most `max_negative` of them), so a client
// repeating a bad key, or a flood of bad keys, does not keep the store busy. The cache hit path
// never comes here. Thread-safe; the awaitable resumes on the caller's executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "accounts/key_cache.hpp"

namespace glmgate {

class KeyLookup {
 public:
  // Calls its argument once the store has been read into the cache again (any thread).
  using Refresh = std::function<void(std::function<void()> done)>;

  KeyLookup(const KeyCache& cache, Refresh refresh,
            std::chrono::milliseconds negative_ttl = std::chrono::seconds(1),
            std::size_t max_negative = 100'000);

  // The active key for `secret` after the store has been read again, or null (unknown, revoked,
  // or refused within the last negative_ttl).
  boost::asio::awaitable<std::shared_ptr<const KeyInfo>> find_missed(std::string secret);

 private:
  using Clock = std::chrono::steady_clock;
  bool recently_missed(const KeyHash& hash);
  void remember_miss(const KeyHash& hash);
  boost::asio::awaitable<void> refreshed();

  const KeyCache& cache_;
  Refresh refresh_;
  std::chrono::milliseconds negative_ttl_;
  std::size_t max_negative_;
  std::mutex mutex_;  // guards misses_; never held across anything but map operations
  std::unordered_map<KeyHash, Clock::time_point, KeyHashOf> misses_;  // hash -> forgotten at
};

}  // namespace glmgate
