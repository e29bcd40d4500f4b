// SqliteStore's KeyStore: the api_keys table. Every insert and revocation takes a change position
// (next_change) in its write transaction, which the change feed reads back.
#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"

namespace glmgate {

void SqliteStore::insert_key(const KeyRecord& key) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  if (!key.account_id.empty()) {
    auto q = db_.prepare("SELECT 1 FROM accounts WHERE id = ?");
    q.bind(1, key.account_id);
    if (!q.step()) throw StoreConflict("no account has the id \"" + key.account_id + "\"");
  }
  {
    auto q = db_.prepare("SELECT 1 FROM api_keys WHERE id = ? OR hash = ?");
    q.bind(1, key.id).bind(2, key.hash);
    if (q.step()) throw StoreConflict("a key with the id \"" + key.id + "\" or its hash exists");
  }
  auto s = db_.prepare(
      "INSERT INTO api_keys (id, name, prefix, hash, revoked, admin, account_id, created_at, "
      "rev, rpm, tpm, max_concurrency, expires_at, session_id, user_id) VALUES (?, ?, ?, ?, ?, ?, "
      "?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, key.id).bind(2, key.name).bind(3, key.prefix).bind(4, key.hash);
  s.bind(5, std::int64_t{key.revoked}).bind(6, std::int64_t{key.admin});
  s.bind(7, key.account_id).bind(8, key.created_at).bind(9, next_change());
  s.bind(10, key.rpm).bind(11, key.tpm).bind(12, key.max_concurrency);
  s.bind(13, key.expires_at_ms).bind(14, key.session_id).bind(15, key.user_id);
  s.step();
  tx.commit();
}

std::vector<KeyRecord> SqliteStore::list_keys(const std::optional<std::string>& account_id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kKeyColumns) + " FROM api_keys" +
                       (account_id ? " WHERE account_id = ?" : "") + " ORDER BY created_at, id");
  if (account_id) s.bind(1, *account_id);
  return read_rows(s, read_key);
}

// By the ID's own index (sqlite_autoindex_api_keys_1), or the account's keys sorted.
std::vector<KeyRecord> SqliteStore::list_keys_page(const std::optional<std::string>& account_id,
                                                   const std::string& after_id,
                                                   std::int64_t limit) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE id > ?1" +
                       (account_id ? " AND account_id = ?2" : "") +
                       " AND session_id = '' ORDER BY id LIMIT ?3");
  s.bind(1, after_id).bind(3, limit);
  if (account_id) s.bind(2, *account_id);
  return read_rows(s, read_key);
}

bool SqliteStore::revoke_key(const std::string& id) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  {
    auto q = db_.prepare("SELECT 1 FROM api_keys WHERE id = ?");
    q.bind(1, id);
    if (!q.step()) return false;
  }
  auto s = db_.prepare("UPDATE api_keys SET revoked = 1, rev = ? WHERE id = ?");
  s.bind(1, next_change()).bind(2, id);
  s.step();
  tx.commit();
  return true;
}

std::optional<KeyRecord> SqliteStore::find_key(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_key(s);
}

std::int64_t SqliteStore::expire_keys(std::int64_t now_ms, std::int64_t forget_before_ms) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  std::vector<std::string> due;
  {
    auto q = db_.prepare(
        "SELECT id FROM api_keys WHERE expires_at > 0 AND expires_at <= ? AND revoked = 0");
    q.bind(1, now_ms);
    while (q.step())
      due.push_back(q.text(0));
  }
  auto s = db_.prepare("UPDATE api_keys SET revoked = 1, rev = ? WHERE id = ?");
  for (const auto& id : due) {
    s.reset();
    s.bind(1, next_change()).bind(2, id);
    s.step();
  }
  auto forget =
      db_.prepare("DELETE FROM api_keys WHERE expires_at > 0 AND expires_at < ? AND revoked <> 0");
  forget.bind(1, forget_before_ms);
  forget.step();
  tx.commit();
  return static_cast<std::int64_t>(due.size());
}

std::int64_t SqliteStore::count_keys() {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT COUNT(*) FROM api_keys");
  s.step();
  return s.integer(0);
}

}  // namespace glmgate
