// KeyCache: every key of the store in memory, looked up by the SHA-256 of the presented secret,
// so authentication never touches the disk. Sharded maps under shared mutexes: the refresher
// thread applies changes under the exclusive lock. Each thread that looks keys up keeps its own
// copies of those it found, valid until the next change: its lookups then take no lock and share
// no reference count with other threads (both were writes to lines two I/O threads serving one
// key passed back and forth on every request).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "accounts/api_key.hpp"
#include "contracts/key_info.hpp"
#include "contracts/records.hpp"

namespace glmgate {

// The cached form of a stored key.
std::shared_ptr<const KeyInfo> key_info(const KeyRecord& record);

struct KeyHashOf {
  std::size_t operator()(const KeyHash& h) const {
    std::size_t v;
    std::memcpy(&v, h.data(), sizeof v);  // the digest is already uniformly random
    return v;
  }
};

class KeyCache {
 public:
  KeyCache();

  // The active key whose secret is `secret`, or null (unknown, revoked or past its end).
  std::shared_ptr<const KeyInfo> find(std::string_view secret) const;

  // Applies created, changed or revoked keys; returns the highest rev seen.
  void apply(const std::vector<KeyRecord>& changes);
  std::int64_t rev() const { return rev_; }
  std::size_t size() const;

 private:
  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<KeyHash, std::shared_ptr<const KeyInfo>, KeyHashOf> keys;
  };
  static constexpr std::size_t kShards = 64;

  std::shared_ptr<const KeyInfo> find_shared(const KeyHash& hash) const;
  std::shared_ptr<const KeyInfo> find_live_or_expired(std::string_view secret) const;

  std::array<Shard, kShards> shards_;
  std::int64_t rev_ = 0;  // written by the refresher thread only
  // Bumped after every change: a thread's copies made before are dropped at its next lookup.
  std::atomic<std::uint64_t> version_{0};
  const std::uint64_t instance_;  // tells apart caches in a thread's copies
};

}  // namespace glmgate
