// Store: the durable state behind glmgate (keys now; accounts, ledger and usage later). Every call
// blocks on disk, so it is used only by the CLI and by background threads, never on an I/O
// thread. Implementations are safe to call from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace glmgate {

struct KeyRecord {
  std::string id;  // "key_…", what the CLI and admin API name a key by
  std::string name;
  std::string prefix;  // the first characters of the secret, for listings
  std::string hash;    // hex SHA-256 of the secret; the secret itself is never stored
  bool revoked = false;
  bool admin = false;
  std::string account_id;       // empty until accounts exist
  std::int64_t created_at = 0;  // unix seconds
  std::int64_t rev = 0;         // store-wide change counter, for incremental cache refresh
};

class Store {
 public:
  virtual ~Store() = default;
  virtual void insert_key(const KeyRecord& key) = 0;
  virtual std::vector<KeyRecord> list_keys() = 0;
  // False when no key has that id. Revoking twice is fine.
  virtual bool revoke_key(const std::string& id) = 0;
  // Keys created or changed after `rev` (ordered by rev): the key cache's refresh query.
  virtual std::vector<KeyRecord> keys_changed_since(std::int64_t rev) = 0;
  virtual std::int64_t count_keys() = 0;
};

// Opens the store named by a config `store` value ("sqlite:PATH"), creating the file, its
// directory and the schema when missing. Throws std::runtime_error with a readable message.
std::unique_ptr<Store> open_store(const std::string& spec);

}  // namespace glmgate
