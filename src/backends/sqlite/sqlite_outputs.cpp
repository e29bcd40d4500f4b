// SqliteStore's OutputStore. A call's output is usually kept in its usage row
// (sqlite_commit.cpp), so an output is looked up, deleted and expired in both tables; a task's
// output, and an output whose call's row went in another batch, have rows of their own.
#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"

namespace glmgate {

std::optional<StoredOutput> SqliteStore::find_output(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kOutputColumns) +
                       " FROM outputs WHERE id = ?1 UNION ALL SELECT " +
                       std::string(kUsageOutputColumns) + " FROM usage WHERE output_id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_output(s);
}

bool SqliteStore::delete_output(const std::string& id, const std::string& account_id) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  auto s = db_.prepare("DELETE FROM outputs WHERE id = ?1 AND account_id = ?2");
  s.bind(1, id).bind(2, account_id);
  s.step();
  std::int64_t n = db_.changes();
  auto in_usage =
      db_.prepare(std::string(kClearUsageOutput) + " WHERE output_id = ?1 AND account_id = ?2");
  in_usage.bind(1, id).bind(2, account_id);
  in_usage.step();
  n += db_.changes();
  tx.commit();
  return n > 0;
}

std::int64_t SqliteStore::sweep_outputs(std::int64_t now, std::int64_t limit) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  auto outputs = db_.prepare(
      "DELETE FROM outputs WHERE id IN (SELECT id FROM outputs WHERE expires_at > 0 AND "
      "expires_at < ? LIMIT ?)");
  outputs.bind(1, now).bind(2, limit);
  outputs.step();
  std::int64_t n = db_.changes();
  auto in_usage = db_.prepare(std::string(kClearUsageOutput) +
                              " WHERE id IN (SELECT id FROM usage WHERE output_expires_at > 0 "
                              "AND output_expires_at < ? LIMIT ?)");
  in_usage.bind(1, now).bind(2, limit);
  in_usage.step();
  n += db_.changes();
  tx.commit();
  return n;
}

}  // namespace glmgate
