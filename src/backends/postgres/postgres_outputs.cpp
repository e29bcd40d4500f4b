// PostgresStore's OutputStore. Outputs are written by the batch commit
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

}  // namespace glmgate
