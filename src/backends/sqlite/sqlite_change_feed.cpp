// SqliteStore's ChangeFeed and SettingsStore. Positions come from the one-row change_counter
// table, bumped inside each writing transaction that makes a reported change: SQLite lets one
// write transaction run at a time (BEGIN IMMEDIATE takes the write lock before anything is read),
// so positions are handed out, and become visible, in commit order. A read of the feed is one
// snapshot: every change at or below the counter it reads has committed and is in it.
#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"

namespace glmgate {

std::int64_t SqliteStore::next_change() {
  auto s = db_.prepare("UPDATE change_counter SET position = position + 1 RETURNING position");
  if (!s.step()) throw std::runtime_error("sqlite: the change_counter row is missing");
  std::int64_t position = s.integer(0);
  while (s.step()) {
  }
  return position;
}

Changes SqliteStore::changes_since(const ChangeCursor& cursor, std::string_view own_origin) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_, false);  // one read snapshot for all of it
  Changes out;
  // The statement cached under `key` (prepared from `sql()`), with the cursor's position as ?1.
  const std::int64_t after = cursor.position;
  auto since = [&](const char* key, auto sql) -> SqliteStatement& {
    SqliteStatement& s = cached_statement(key, sql);
    s.reset();
    s.bind(1, after);
    return s;
  };
  {
    SqliteStatement& s = cached_statement(
        "feed position", [] { return std::string("SELECT position FROM change_counter"); });
    s.reset();
    s.step();
    out.cursor.position = s.integer(0);
    s.reset();  // not left open on its row
  }
  out.accounts = read_rows(since("feed accounts",
                                 [] {
                                   return "SELECT " + std::string(kAccountColumns) +
                                          " FROM accounts WHERE rev > ?1 ORDER BY rev";
                                 }),
                           read_account);
  out.keys = read_rows(since("feed keys",
                             [] {
                               return "SELECT " + std::string(kKeyColumns) +
                                      " FROM api_keys WHERE rev > ?1 ORDER BY rev";
                             }),
                       read_key);
  // From the first cursor every account is in this snapshot, its balance the sum of all its
  // ledger rows: listing them would only load the whole history for the caller to skip.
  // Through ledger_changes, which holds only the rows with a position (no charge).
  if (after > 0) {
    SqliteStatement& s = since("feed ledger", [] {
      return "SELECT " + std::string(kLedgerColumns) +
             " FROM ledger WHERE rev > ?1 AND origin <> ?2 ORDER BY rev";
    });
    s.bind(2, own_origin);
    out.ledger = read_rows(s, read_ledger);
  }
  SqliteStatement& settings = since("feed settings", [] {
    return std::string("SELECT name, value FROM settings WHERE rev > ?1 ORDER BY rev");
  });
  while (settings.step())
    out.settings.push_back({settings.text(0), settings.text(1)});
  tx.commit();
  return out;
}

void SqliteStore::set_setting(const std::string& name, const std::string& value) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  auto s = db_.prepare(
      "INSERT INTO settings (name, value, rev) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(name) DO UPDATE SET value = ?2, rev = ?3");
  s.bind(1, name).bind(2, value).bind(3, next_change());
  s.step();
  tx.commit();
}

std::optional<std::string> SqliteStore::setting(const std::string& name) {
  std::lock_guard lock(mutex_);
  return read_setting(name);
}

std::optional<std::string> SqliteStore::read_setting(const std::string& name) {
  auto s = db_.prepare("SELECT value FROM settings WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

}  // namespace glmgate
