// KeyStore: the API keys (their SHA-256 hashes, never their secrets), by ID.
//
// Threading: every call blocks and is safe from any thread, and from several processes sharing
// one store (the CLI beside a server). Never on an I/O thread: the request path reads keys from
// accounts/KeyCache, which the change feed keeps in step.
// Ordering: every insert and revocation gives the key a new change position (KeyRecord::rev), so
// the change feed reports it once after it committed (contracts/store/change_feed.hpp).
// Idempotence: revoking a revoked key succeeds again (and reports it again); inserting an ID or a
// hash twice is a conflict.
// Errors: contracts/store/store_error.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "contracts/records.hpp"

namespace glmgate {

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // `key.rev` is ignored (the store assigns it). StoreConflict when `key.account_id` names no
  // account, or the ID or the hash is taken.
  virtual void insert_key(const KeyRecord& key) = 0;
  // All keys, or an account's, revoked ones included, oldest first.
  virtual std::vector<KeyRecord> list_keys(const std::optional<std::string>& account_id) = 0;
  // A page of keys by ID (IDs above `after_id`), all or an account's, revoked ones included and
  // chat keys (those of a console session) left out: the operator's listing of a store of a
  // million keys.
  virtual std::vector<KeyRecord> list_keys_page(const std::optional<std::string>& account_id,
                                                const std::string& after_id,
                                                std::int64_t limit) = 0;
  // False when no key has that id.
  virtual bool revoke_key(const std::string& id) = 0;
  virtual std::optional<KeyRecord> find_key(const std::string& id) = 0;
  // Revokes the keys whose expires_at_ms passed before `now_ms` (the change feed reports them),
  // and deletes expired keys revoked before `forget_before_ms`; returns how many it revoked.
  virtual std::int64_t expire_keys(std::int64_t now_ms, std::int64_t forget_before_ms) = 0;
  // Revoked keys included (first start: an admin key is made only when the store has none).
  virtual std::int64_t count_keys() = 0;
};

}  // namespace glmgate
