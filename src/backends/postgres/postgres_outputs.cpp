// PostgresStore's OutputStore and TaskStore. Outputs are written by the batch commit
// (postgres_commit.cpp); a sweep takes the expired rows no other instance's sweep holds (SKIP
// LOCKED), so instances that share a store sweep side by side.
#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"

namespace glmgate {

std::optional<StoredOutput> PostgresStore::find_output(const std::string& id) {
  auto c = pool_.acquire();
  auto r = c->query("SELECT " + std::string(kPgOutputColumns) + " FROM outputs WHERE id = $1",
                    PgParams().text(id));
  if (r.rows() == 0) return std::nullopt;
  return read_output(r, 0);
}

bool PostgresStore::delete_output(const std::string& id, const std::string& account_id) {
  auto c = pool_.acquire();
  return c->query("DELETE FROM outputs WHERE id = $1 AND account_id = $2",
                  PgParams().text(id).text(account_id))
             .affected() > 0;
}

std::int64_t PostgresStore::sweep_outputs(std::int64_t now, std::int64_t limit) {
  auto c = pool_.acquire();
  return c
      ->query(
          "DELETE FROM outputs WHERE id IN (SELECT id FROM outputs WHERE expires_at > 0 AND "
          "expires_at < $1::bigint LIMIT $2::bigint FOR UPDATE SKIP LOCKED)",
          PgParams().integer(now).integer(limit))
      .affected();
}

void PostgresStore::insert_task(const TaskRecord& task) {
  static const std::string kUpsert = pg_upsert_rows("tasks", kPgTaskColumns, kPgTaskTypes);
  std::vector<PgArray> columns(std::size(kPgTaskTypes));
  append_task(columns, task);
  PgParams p;
  add_columns(p, columns);
  auto c = pool_.acquire();
  c->query(kUpsert, p);
}

std::optional<TaskRecord> PostgresStore::find_task(const std::string& id) {
  auto c = pool_.acquire();
  auto r = c->query("SELECT " + std::string(kPgTaskColumns) + " FROM tasks WHERE id = $1",
                    PgParams().text(id));
  if (r.rows() == 0) return std::nullopt;
  return read_task(r, 0);
}

// Through tasks_open (its predicate repeated).
std::vector<TaskRecord> PostgresStore::open_tasks() {
  auto c = pool_.acquire();
  return read_rows(c->query("SELECT " + std::string(kPgTaskColumns) +
                            " FROM tasks WHERE status IN ('queued', 'in_progress') OR webhook = "
                            "'pending' ORDER BY created_at"),
                   read_task);
}

std::int64_t PostgresStore::sweep_tasks(std::int64_t now, std::int64_t limit) {
  auto c = pool_.acquire();
  return c
      ->query(
          "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE expires_at > 0 AND "
          "expires_at < $1::bigint AND status NOT IN ('queued', 'in_progress') AND webhook <> "
          "'pending' LIMIT $2::bigint FOR UPDATE SKIP LOCKED)",
          PgParams().integer(now).integer(limit))
      .affected();
}

}  // namespace glmgate
