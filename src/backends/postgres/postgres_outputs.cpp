// PostgresStore's OutputStore. Outputs are written by the batch commit (postgres_commit.cpp),
// which usually keeps a call's output in its usage row (migration 0006), so an output is looked
// up, deleted and expired in both tables; a task's output, and an output no call's row could
// keep, have rows of their own. A sweep takes the expired rows no other instance's sweep holds
// (SKIP LOCKED), so instances that share a store sweep side by side.
#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"

namespace glmgate {

std::optional<StoredOutput> PostgresStore::find_output(const std::string& id) {
  static const std::string kQuery =
      "SELECT " + std::string(kPgOutputColumns) + " FROM outputs WHERE id = $1 UNION ALL SELECT " +
      std::string(kPgUsageOutputColumns) + " FROM usage WHERE output_id = $1 LIMIT 1";
  auto c = pool_.acquire();
  auto r = c->query(kQuery, PgParams().text(id));
  if (r.rows() == 0) return std::nullopt;
  return read_output(r, 0);
}

bool PostgresStore::delete_output(const std::string& id, const std::string& account_id) {
  static const std::string kDelete =
      "WITH o AS (DELETE FROM outputs WHERE id = $1 AND account_id = $2 RETURNING 1), u AS (" +
      std::string(kPgClearUsageOutput) +
      " WHERE output_id = $1 AND account_id = $2 RETURNING 1) SELECT (SELECT count(*) FROM o) + "
      "(SELECT count(*) FROM u)";
  auto c = pool_.acquire();
  return c->query(kDelete, PgParams().text(id).text(account_id)).integer(0, 0) > 0;
}

std::int64_t PostgresStore::sweep_outputs(std::int64_t now, std::int64_t limit) {
  static const std::string kSweep =
      "WITH o AS (DELETE FROM outputs WHERE id IN (SELECT id FROM outputs WHERE expires_at > 0 "
      "AND expires_at < $1::bigint LIMIT $2::bigint FOR UPDATE SKIP LOCKED) RETURNING 1), u AS (" +
      std::string(kPgClearUsageOutput) +
      " WHERE id IN (SELECT id FROM usage WHERE output_expires_at > 0 AND output_expires_at < "
      "$1::bigint LIMIT $2::bigint FOR UPDATE SKIP LOCKED) RETURNING 1) SELECT (SELECT count(*) "
      "FROM o) + (SELECT count(*) FROM u)";
  auto c = pool_.acquire();
  return c->query(kSweep, PgParams().integer(now).integer(limit)).integer(0, 0);
}

}  // namespace glmgate
