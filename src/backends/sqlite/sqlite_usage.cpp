// SqliteStore's UsageStore: reports over the usage table (which the batch commit writes).
#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"

namespace glmgate {

namespace {

// WHERE clause and bindings shared by the usage queries.
struct UsageFilter {
  std::string where;
  explicit UsageFilter(const UsageQuery& q) {
    if (q.account_id) where += " AND account_id = ?1";
    if (q.since_ms) where += " AND created_at >= ?2";
    if (!where.empty()) where = " WHERE" + where.substr(4);
  }
  static void bind(SqliteStatement& s, const UsageQuery& q) {
    if (q.account_id) s.bind(1, *q.account_id);
    if (q.since_ms) s.bind(2, *q.since_ms);
  }
};

}  // namespace

std::vector<UsageRecord> SqliteStore::usage(const UsageQuery& q) {
  std::lock_guard lock(mutex_);
  UsageFilter f(q);
  auto s = db_.prepare("SELECT " + std::string(kUsageColumns) + " FROM usage" + f.where +
                       " ORDER BY id DESC LIMIT ?3");
  UsageFilter::bind(s, q);
  s.bind(3, q.limit);
  return read_rows(s, read_usage_row);
}

std::vector<UsageSummary> SqliteStore::usage_summary(const UsageQuery& q) {
  std::lock_guard lock(mutex_);
  UsageFilter f(q);
  std::string day = q.by_day ? "strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')" : "''";
  std::string model = q.by_model ? "model" : "''";
  auto s = db_.prepare("SELECT " + day + " AS d, " + model +
                       " AS m, COUNT(*), SUM(prompt_tokens), SUM(cached_tokens), "
                       "SUM(completion_tokens), SUM(reasoning_tokens), SUM(cost) FROM usage" +
                       f.where + " GROUP BY d, m ORDER BY d, m");
  UsageFilter::bind(s, q);
  std::vector<UsageSummary> out;
  while (s.step()) {
    UsageSummary u;
    u.day = s.text(0);
    u.model = s.text(1);
    u.requests = s.integer(2);
    u.usage.prompt_tokens = s.integer(3);
    u.usage.cached_tokens = s.integer(4);
    u.usage.completion_tokens = s.integer(5);
    u.usage.reasoning_tokens = s.integer(6);
    u.cost = s.integer(7);
    if (u.requests > 0) out.push_back(std::move(u));
  }
  return out;
}

std::vector<FreeCallCount> SqliteStore::free_calls_used() {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(
      "SELECT account_id, model, COUNT(*) FROM usage WHERE free = 1 GROUP BY account_id, model");
  std::vector<FreeCallCount> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.integer(2)});
  return out;
}

}  // namespace glmgate
