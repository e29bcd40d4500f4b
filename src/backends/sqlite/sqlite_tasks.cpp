// SqliteStore's TaskStore: tasks and their claims. A claim is one UPDATE ... RETURNING inside a
// write transaction (BEGIN IMMEDIATE takes the database's write lock before the candidates are
// read), so claimers on other connections, or in other processes, never take one task twice.
#include <algorithm>
#include <tuple>

#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"

namespace glmgate {

namespace {

// After kTaskColumns in a claim's RETURNING: ClaimedTask's two flags.
constexpr std::string_view kClaimColumns = ", claims, cancel_requested";

// Claims the tasks `which` selects (parameters: ?3 now, ?4 the limit, ?5 an ID) for ?1 until ?2,
// oldest first.
std::vector<ClaimedTask> claim_where(SqliteDb& db, std::string_view which,
                                     const std::string& instance, std::int64_t limit,
                                     std::int64_t now_ms, std::int64_t lease_ms,
                                     const std::string& id = {}) {
  SqliteTransaction tx(db);
  auto s = db.prepare(
      "UPDATE tasks SET claimed_by = ?1, claim_expires_at = ?2, claims = claims + 1 WHERE id IN "
      "(SELECT id FROM tasks WHERE claim_expires_at <= ?3 AND " +
      std::string(which) + " ORDER BY created_at, id LIMIT ?4) RETURNING " +
      std::string(kTaskColumns) + std::string(kClaimColumns));
  s.bind(1, instance).bind(2, now_ms + lease_ms).bind(3, now_ms).bind(4, limit);
  if (!id.empty()) s.bind(5, id);
  std::vector<ClaimedTask> out;
  while (s.step()) {
    ClaimedTask c;
    c.task = read_task(s);
    c.taken_over = s.integer(14) > 1;
    c.cancel_requested = s.integer(15) != 0;
    out.push_back(std::move(c));
  }
  tx.commit();
  std::sort(out.begin(), out.end(), [](const ClaimedTask& a, const ClaimedTask& b) {
    return std::tie(a.task.created_at, a.task.id) < std::tie(b.task.created_at, b.task.id);
  });
  return out;
}

}  // namespace

void SqliteStore::insert_task(const TaskRecord& task) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(task_upsert_sql());
  bind_task(s, task);
  s.step();
}

void SqliteStore::insert_claimed_task(const TaskRecord& task, const std::string& instance,
                                      std::int64_t now_ms, std::int64_t lease_ms) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("INSERT INTO tasks (" + std::string(kTaskColumns) +
                       ", claimed_by, claim_expires_at, claims) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                       "?, ?, ?, ?, ?, ?, ?, 1)");
  bind_task(s, task);
  s.bind(15, instance).bind(16, now_ms + lease_ms);
  s.step();
}

std::optional<TaskRecord> SqliteStore::find_task(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kTaskColumns) + " FROM tasks WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_task(s);
}

std::vector<TaskRecord> SqliteStore::open_tasks() {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kTaskColumns) +
                       " FROM tasks WHERE status IN ('queued', 'in_progress') OR webhook = "
                       "'pending' ORDER BY created_at");
  return read_rows(s, read_task);
}

std::int64_t SqliteStore::sweep_tasks(std::int64_t now, std::int64_t limit) {
  std::lock_guard lock(mutex_);
  auto tasks = db_.prepare(
      "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE expires_at > 0 AND "
      "expires_at < ? AND status NOT IN ('queued', 'in_progress') AND webhook != 'pending' "
      "LIMIT ?)");
  tasks.bind(1, now).bind(2, limit);
  tasks.step();
  return db_.changes();
}

std::vector<ClaimedTask> SqliteStore::claim_runs(const std::string& instance, std::size_t limit,
                                                 std::int64_t now_ms, std::int64_t lease_ms) {
  if (limit == 0) return {};
  std::lock_guard lock(mutex_);
  return claim_where(db_, "status IN ('queued', 'in_progress')", instance,
                     static_cast<std::int64_t>(limit), now_ms, lease_ms);
}

std::vector<ClaimedTask> SqliteStore::claim_deliveries(const std::string& instance,
                                                       std::size_t limit, std::int64_t now_ms,
                                                       std::int64_t lease_ms) {
  if (limit == 0) return {};
  std::lock_guard lock(mutex_);
  return claim_where(db_, "webhook = 'pending' AND status NOT IN ('queued', 'in_progress')",
                     instance, static_cast<std::int64_t>(limit), now_ms, lease_ms);
}

std::optional<ClaimedTask> SqliteStore::claim_task(const std::string& id,
                                                   const std::string& instance, std::int64_t now_ms,
                                                   std::int64_t lease_ms) {
  std::lock_guard lock(mutex_);
  auto claimed =
      claim_where(db_, "id = ?5 AND (status IN ('queued', 'in_progress') OR webhook = 'pending')",
                  instance, 1, now_ms, lease_ms, id);
  if (claimed.empty()) return std::nullopt;
  return std::move(claimed.front());
}

ClaimRenewal SqliteStore::renew_claims(const std::string& instance,
                                       const std::vector<std::string>& ids, std::int64_t now_ms,
                                       std::int64_t lease_ms) {
  ClaimRenewal out;
  if (ids.empty()) return out;
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  auto s = db_.prepare(
      "UPDATE tasks SET claim_expires_at = ?3 WHERE id = ?4 AND claimed_by = ?1 AND "
      "claim_expires_at > ?2 RETURNING cancel_requested");
  for (const auto& id : ids) {
    s.bind(1, instance).bind(2, now_ms).bind(3, now_ms + lease_ms).bind(4, id);
    if (s.step()) {
      out.held.push_back(id);
      if (s.integer(0) != 0) out.cancelled.push_back(id);
    }
    s.reset();  // every change is made by the first step; the statement must end before COMMIT
  }
  tx.commit();
  return out;
}

void SqliteStore::drop_claims(const std::string& instance) {
  std::lock_guard lock(mutex_);
  db_.prepare("UPDATE tasks SET claim_expires_at = 0 WHERE claimed_by = ? AND claim_expires_at > 0")
      .bind(1, instance)
      .step();
}

bool SqliteStore::request_cancel(const std::string& id) {
  std::lock_guard lock(mutex_);
  db_.prepare(
         "UPDATE tasks SET cancel_requested = 1 WHERE id = ? AND status IN ('queued', "
         "'in_progress')")
      .bind(1, id)
      .step();
  return db_.changes() > 0;
}

}  // namespace glmgate
