// KeyCache; see key_cache.hpp.
#include "accounts/key_cache.hpp"

#include <chrono>
#include <mutex>

namespace glmgate {

namespace {
bool parse_hex(std::string_view hex, KeyHash& out) {
  if (hex.size() != out.size() * 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}
}  // namespace

namespace {
std::atomic<std::uint64_t> next_instance{1};

// A thread's copies of the keys it found, for one cache at one version. Unknown secrets are not
// kept: guessing cannot fill it.
struct ThreadKeys {
  std::uint64_t instance = 0;
  std::uint64_t version = 0;
  std::unordered_map<KeyHash, std::shared_ptr<const KeyInfo>, KeyHashOf> keys;
};
thread_local ThreadKeys t_keys;
constexpr std::size_t kMaxThreadKeys = 4096;
}  // namespace

KeyCache::KeyCache() : instance_(next_instance.fetch_add(1)) {}

namespace {
// A chat key past its end is refused here at once; the sweeper revokes it in the store later.
bool expired(const std::shared_ptr<const KeyInfo>& key) {
  if (!key || key->expires_at_ms == 0) return false;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return now.count() >= key->expires_at_ms;
}
}  // namespace

std::shared_ptr<const KeyInfo> KeyCache::find(std::string_view secret) const {
  auto key = find_live_or_expired(secret);
  return expired(key) ? nullptr : key;
}

std::shared_ptr<const KeyInfo> KeyCache::find_live_or_expired(std::string_view secret) const {
  if (secret.size() > 256) return nullptr;
  KeyHash hash = sha256(secret);
  ThreadKeys& mine = t_keys;
  // Read before the shared map: a change applied after this read bumps the version past it, so
  // a copy taken from the map now is dropped at the next lookup.
  std::uint64_t version = version_.load(std::memory_order_acquire);
  if (mine.instance != instance_ || mine.version != version) {
    mine.keys.clear();
    mine.instance = instance_;
    mine.version = version;
  } else if (auto it = mine.keys.find(hash); it != mine.keys.end()) {
    return it->second;
  }
  auto shared = find_shared(hash);
  if (!shared) return nullptr;
  if (mine.keys.size() >= kMaxThreadKeys) mine.keys.clear();
  auto copy = std::make_shared<const KeyInfo>(*shared);
  mine.keys.emplace(hash, copy);
  return copy;
}

std::shared_ptr<const KeyInfo> KeyCache::find_shared(const KeyHash& hash) const {
  const Shard& shard = shards_[hash[31] % kShards];
  std::shared_lock lock(shard.mutex);
  auto it = shard.keys.find(hash);
  return it == shard.keys.end() ? nullptr : it->second;
}

std::shared_ptr<const KeyInfo> key_info(const KeyRecord& record) {
  auto info = std::make_shared<KeyInfo>();
  info->id = record.id;
  info->name = record.name;
  info->prefix = record.prefix;
  info->account_id = record.account_id;
  info->admin = record.admin;
  info->rpm = record.rpm;
  info->tpm = record.tpm;
  info->max_concurrency = record.max_concurrency;
  info->expires_at_ms = record.expires_at_ms;
  return info;
}

void KeyCache::apply(const std::vector<KeyRecord>& changes) {
  for (const auto& record : changes) {
    KeyHash hash;
    if (!parse_hex(record.hash, hash)) continue;
    Shard& shard = shards_[hash[31] % kShards];
    std::unique_lock lock(shard.mutex);
    if (record.revoked) {
      shard.keys.erase(hash);
    } else {
      auto info = key_info(record);
      shard.keys[hash] = std::move(info);
    }
    if (record.rev > rev_) rev_ = record.rev;
  }
  if (!changes.empty()) version_.fetch_add(1, std::memory_order_acq_rel);
}

std::size_t KeyCache::size() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::shared_lock lock(shard.mutex);
    n += shard.keys.size();
  }
  return n;
}

}  // namespace glmgate
