// PostgresStore's TaskStore: tasks and their claims. A claim picks its tasks with FOR UPDATE SKIP
// LOCKED, so instances claiming at once pass over each other's picks instead of waiting, and
// updates them in the same statement: under READ COMMITTED the lock re-reads a row that changed
// since the statement began and drops it when it no longer qualifies, so no task is claimed
// twice. A state write (insert_task, the batch commit) leaves the claim columns alone.
#include <algorithm>
#include <tuple>

#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"

namespace glmgate {

namespace {

// Claims the tasks `which` selects (parameters: $3 now, $4 the limit, then the caller's) for $1
// until $2, oldest first; `lock`: how rows another transaction holds are met.
std::vector<ClaimedTask> claim_where(PgPool& pool, std::string_view which, std::string_view lock,
                                     PgParams params) {
  const std::string sql =
      "WITH picked AS (SELECT id AS picked_id FROM tasks WHERE claim_expires_at <= $3::bigint "
      "AND " +
      std::string(which) + " ORDER BY created_at, id LIMIT $4::bigint " + std::string(lock) +
      ") UPDATE tasks SET claimed_by = $1::text, claim_expires_at = $2::bigint, claims = "
      "tasks.claims + 1 FROM picked WHERE tasks.id = picked.picked_id RETURNING " +
      std::string(kPgTaskColumns) + ", claims, cancel_requested";
  auto c = pool.acquire();
  auto r = c->query(sql, params);
  std::vector<ClaimedTask> out;
  for (int i = 0; i < r.rows(); ++i) {
    ClaimedTask claimed;
    claimed.task = read_task(r, i);
    claimed.taken_over = r.integer(i, 14) > 1;
    claimed.cancel_requested = r.boolean(i, 15);
    out.push_back(std::move(claimed));
  }
  std::sort(out.begin(), out.end(), [](const ClaimedTask& a, const ClaimedTask& b) {
    return std::tie(a.task.created_at, a.task.id) < std::tie(b.task.created_at, b.task.id);
  });
  return out;
}

PgParams claim_params(const std::string& instance, std::int64_t limit, std::int64_t now_ms,
                      std::int64_t lease_ms) {
  PgParams p;
  p.text(instance).integer(now_ms + lease_ms).integer(now_ms).integer(limit);
  return p;
}

}  // namespace

void PostgresStore::insert_task(const TaskRecord& task) {
  static const std::string kUpsert = pg_task_upsert();
  std::vector<PgArray> columns = pg_arrays(kPgTaskTypes);
  append_task(columns, task);
  PgParams p;
  add_columns(p, columns);
  auto c = pool_.acquire();
  c->query(kUpsert, p);
}

void PostgresStore::insert_claimed_task(const TaskRecord& task, const std::string& instance,
                                        std::int64_t now_ms, std::int64_t lease_ms) {
  static const std::string kInsert =
      "INSERT INTO tasks (" + std::string(kPgTaskColumns) +
      ", claimed_by, claim_expires_at, claims) SELECT u.*, $15::text, $16::bigint, 1 FROM " +
      pg_unnest(kPgTaskTypes, 1) + " AS u";
  std::vector<PgArray> columns = pg_arrays(kPgTaskTypes);
  append_task(columns, task);
  PgParams p;
  add_columns(p, columns);
  p.text(instance).integer(now_ms + lease_ms);
  auto c = pool_.acquire();
  c->query(kInsert, p);
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

std::vector<ClaimedTask> PostgresStore::claim_runs(const std::string& instance, std::size_t limit,
                                                   std::int64_t now_ms, std::int64_t lease_ms) {
  if (limit == 0) return {};
  return claim_where(pool_, "status IN ('queued', 'in_progress')", "FOR UPDATE SKIP LOCKED",
                     claim_params(instance, static_cast<std::int64_t>(limit), now_ms, lease_ms));
}

std::vector<ClaimedTask> PostgresStore::claim_deliveries(const std::string& instance,
                                                         std::size_t limit, std::int64_t now_ms,
                                                         std::int64_t lease_ms) {
  if (limit == 0) return {};
  return claim_where(pool_, "webhook = 'pending' AND status NOT IN ('queued', 'in_progress')",
                     "FOR UPDATE SKIP LOCKED",
                     claim_params(instance, static_cast<std::int64_t>(limit), now_ms, lease_ms));
}

// Waits for a row another transaction holds (a commit writing the task's state): one row, and the
// caller wants this task, not the next.
std::optional<ClaimedTask> PostgresStore::claim_task(const std::string& id,
                                                     const std::string& instance,
                                                     std::int64_t now_ms, std::int64_t lease_ms) {
  auto claimed = claim_where(
      pool_, "id = $5::text AND (status IN ('queued', 'in_progress') OR webhook = 'pending')",
      "FOR UPDATE", claim_params(instance, 1, now_ms, lease_ms).text(id));
  if (claimed.empty()) return std::nullopt;
  return std::move(claimed.front());
}

ClaimRenewal PostgresStore::renew_claims(const std::string& instance,
                                         const std::vector<std::string>& ids, std::int64_t now_ms,
                                         std::int64_t lease_ms) {
  ClaimRenewal out;
  if (ids.empty()) return out;
  PgArray wanted;
  for (const auto& id : ids)
    wanted.text(id);
  auto c = pool_.acquire();
  // Rows locked in byte order of their IDs, as the batch commit writes them (pg_upsert_rows): the
  // two never deadlock.
  auto r = c->query(
      "WITH mine AS (SELECT id AS mine_id FROM tasks WHERE id = ANY($4::text[]) AND claimed_by = "
      "$1::text AND claim_expires_at > $2::bigint ORDER BY id COLLATE \"C\" FOR UPDATE) UPDATE "
      "tasks SET claim_expires_at = $3::bigint FROM mine WHERE tasks.id = mine.mine_id RETURNING "
      "id, cancel_requested",
      PgParams().text(instance).integer(now_ms).integer(now_ms + lease_ms).array(wanted));
  for (int i = 0; i < r.rows(); ++i) {
    out.held.push_back(r.text(i, 0));
    if (r.boolean(i, 1)) out.cancelled.push_back(r.text(i, 0));
  }
  return out;
}

void PostgresStore::drop_claims(const std::string& instance) {
  auto c = pool_.acquire();
  c->query("UPDATE tasks SET claim_expires_at = 0 WHERE claimed_by = $1 AND claim_expires_at > 0",
           PgParams().text(instance));
}

bool PostgresStore::request_cancel(const std::string& id) {
  auto c = pool_.acquire();
  return c->query(
              "UPDATE tasks SET cancel_requested = true WHERE id = $1 AND status IN ('queued', "
              "'in_progress')",
              PgParams().text(id))
             .affected() > 0;
}

}  // namespace glmgate
