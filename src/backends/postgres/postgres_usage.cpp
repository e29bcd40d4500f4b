// PostgresStore's UsageStore: reports over the usage table (which the batch commit writes).
#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"

namespace glmgate {

namespace {

// The WHERE clause and parameters the usage queries share ($1 the account, $2 the start).
struct UsageFilter {
  std::string where;
  PgParams params;
  explicit UsageFilter(const UsageQuery& q) {
    if (q.account_id) {
      params.text(*q.account_id);
      where += " AND account_id = $" + std::to_string(params.size());
    }
    if (q.since_ms) {
      params.integer(*q.since_ms);
      where += " AND created_at >= $" + std::to_string(params.size()) + "::bigint";
    }
    if (!where.empty()) where = " WHERE" + where.substr(4);
  }
};

}  // namespace

std::vector<UsageRecord> PostgresStore::usage(const UsageQuery& q) {
  UsageFilter f(q);
  f.params.integer(q.limit);
  auto c = pool_.acquire();
  return read_rows(
      c->query("SELECT " + std::string(kPgUsageColumns) + " FROM usage" + f.where +
                   " ORDER BY id DESC LIMIT $" + std::to_string(f.params.size()) + "::bigint",
               f.params),
      read_usage_row);
}

std::vector<UsageSummary> PostgresStore::usage_summary(const UsageQuery& q) {
  UsageFilter f(q);
  const std::string day =
      q.by_day ? "to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')" : "''";
  const std::string model = q.by_model ? "model COLLATE \"C\"" : "''";
  auto c = pool_.acquire();
  auto r = c->query("SELECT " + day + ", " + model +
                        ", count(*), sum(prompt_tokens), sum(cached_tokens), "
                        "sum(completion_tokens), sum(reasoning_tokens), sum(cost) FROM usage" +
                        f.where + " GROUP BY 1, 2 ORDER BY 1, 2",
                    f.params);
  std::vector<UsageSummary> out;
  for (int i = 0; i < r.rows(); ++i) {
    UsageSummary u;
    u.day = r.text(i, 0);
    u.model = r.text(i, 1);
    u.requests = r.integer(i, 2);
    u.usage.prompt_tokens = r.integer(i, 3);
    u.usage.cached_tokens = r.integer(i, 4);
    u.usage.completion_tokens = r.integer(i, 5);
    u.usage.reasoning_tokens = r.integer(i, 6);
    u.cost = r.integer(i, 7);
    if (u.requests > 0) out.push_back(std::move(u));
  }
  return out;
}

std::vector<FreeCallCount> PostgresStore::free_calls_used() {
  auto c = pool_.acquire();
  auto r = c->query(
      "SELECT account_id, model, count(*) FROM usage WHERE free GROUP BY account_id, model");
  std::vector<FreeCallCount> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.text(i, 1), r.integer(i, 2)});
  return out;
}

}  // namespace glmgate
