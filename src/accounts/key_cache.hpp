// KeyCache: every key of the store in memory, looked up by the SHA-256 of the presented secret,
// so authentication never touches the disk. Sharded maps under shared mutexes: lookups from any
// I/O thread take a shard's shared lock for the length of one hash-map probe (never across a
// co_await); the refresher thread applies changes under the exclusive lock.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "accounts/api_key.hpp"
#include "store/store.hpp"

namespace glmgate {

struct KeyInfo {
  std::string id;
  std::string name;
  std::string prefix;
  std::string account_id;  // empty: an admin key of no account (not billed)
  bool admin = false;
  std::int64_t rpm = 0;  // 0: the account's tier or the default
  std::int64_t tpm = 0;
  std::int64_t max_concurrency = 0;
};

// The cached form of a stored key.
std::shared_ptr<const KeyInfo> key_info(const KeyRecord& record);

class KeyCache {
 public:
  // The active key whose secret is `secret`, or null (unknown or revoked).
  std::shared_ptr<const KeyInfo> find(std::string_view secret) const;

  // Applies created, changed or revoked keys; returns the highest rev seen.
  void apply(const std::vector<KeyRecord>& changes);
  std::int64_t rev() const { return rev_; }
  std::size_t size() const;

 private:
  struct HashOf {
    std::size_t operator()(const KeyHash& h) const {
      std::size_t v;
      std::memcpy(&v, h.data(), sizeof v);  // the digest is already uniformly random
      return v;
    }
  };
  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<KeyHash, std::shared_ptr<const KeyInfo>, HashOf> keys;
  };
  static constexpr std::size_t kShards = 64;

  std::array<Shard, kShards> shards_;
  std::int64_t rev_ = 0;  // written by the refresher thread only
};

}  // namespace glmgate
