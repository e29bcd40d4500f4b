// KeyCache; see key_cache.hpp.
#include "accounts/key_cache.hpp"

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

std::shared_ptr<const KeyInfo> KeyCache::find(std::string_view secret) const {
  if (secret.size() > 256) return nullptr;
  KeyHash hash = sha256(secret);
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
