// PostgresStore's usage rollups (kept by the calls' statement of the batch commit) and the
// console's reads: the charts' series and per-account totals from the rollups, and the request
// log by keyset with a scan budget (contracts/store/usage_store.hpp).
#include <algorithm>
#include <cstdint>

#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"

namespace glmgate {

namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 86'400'000;

// The sums of a rollup row, as the columns of `rolled` below name them.
constexpr std::string_view kSums[] = {
    "requests",         "errors", "prompt_tokens", "cached_tokens", "completion_tokens",
    "reasoning_tokens", "cost",   "latency_us",    "ttft_us"};

// A WITH item adding `rolled` (the new records by account, hour and model) to `table`, whose key
// is `key` (`bucket` names the bucket's start; `shard`, where there, the writer's shard: see
// migration 0011), rows in key order so that concurrent writers lock them alike.
std::string rollup(std::string_view name, std::string_view table, std::string_view key,
                   std::int64_t bucket_ms) {
  const std::string b = std::to_string(bucket_ms);
  std::string sql =
      std::string(name) + " AS (INSERT INTO " + std::string(table) + " AS r (" + std::string(key);
  for (auto column : kSums)
    sql += ", " + std::string(column);
  sql += ") SELECT " + std::string(key);
  for (auto column : kSums)
    sql += ", sum(" + std::string(column) + ")::bigint";
  sql += " FROM (SELECT *, hour - hour % " + b +
         " AS bucket, (pg_backend_pid() % 16)::smallint AS shard FROM rolled) x GROUP BY " +
         std::string(key) + " ORDER BY " + std::string(key) + " ON CONFLICT (" + std::string(key) +
         ") DO UPDATE SET ";
  for (auto column : kSums)
    sql += std::string(column == kSums[0] ? "" : ", ") + std::string(column) + " = r." +
           std::string(column) + " + excluded." + std::string(column);
  return sql + ")";
}

// The usage columns as read from `u`.
std::string prefixed_usage_columns() {
  std::string out;
  std::string_view columns = kPgUsageColumns;
  for (std::size_t at = 0, next; at < columns.size(); at = next + 2) {
    next = std::min(columns.find(", ", at), columns.size());
    out += (out.empty() ? "u." : ", u.") + std::string(columns.substr(at, next - at));
  }
  return out;
}

}  // namespace

std::string pg_rollups(std::string_view source) {
  return "rolled AS (SELECT account_id, created_at - created_at % " + std::to_string(kHourMs) +
         " AS hour, model, count(*) AS requests, count(*) FILTER (WHERE status >= 400) AS errors, "
         "sum(prompt_tokens) AS prompt_tokens, sum(cached_tokens) AS cached_tokens, "
         "sum(completion_tokens) AS completion_tokens, sum(reasoning_tokens) AS "
         "reasoning_tokens, sum(cost) AS cost, sum(latency_us) AS latency_us, sum(ttft_us) AS "
         "ttft_us FROM " +
         std::string(source) + " GROUP BY 1, 2, 3), " + pg_rollup_upserts();
}

std::string pg_rollup_upserts() {
  constexpr std::string_view kAccountModel = "account_id, bucket, model";
  constexpr std::string_view kModel = "bucket, model, shard";
  return rollup("hourly", "usage_hourly", kAccountModel, kHourMs) + ", " +
         rollup("daily", "usage_daily", kAccountModel, kDayMs) + ", " +
         rollup("account_daily", "usage_account_daily", "account_id, bucket", kDayMs) + ", " +
         rollup("model_hourly", "usage_model_hourly", kModel, kHourMs) + ", " +
         rollup("model_daily", "usage_model_daily", kModel, kDayMs);
}

std::vector<UsageSeriesPoint> PostgresStore::usage_series(const UsageSeriesQuery& q) {
  const std::int64_t bucket = q.by_day ? kDayMs : kHourMs;
  // One account's from its rows of the account-and-model rollup; every account's from the
  // rollup over all accounts (its shards summed).
  const std::string table =
      std::string(q.account_id ? "usage_" : "usage_model_") + (q.by_day ? "daily" : "hourly");
  PgParams p;
  p.integer(q.since_ms - q.since_ms % bucket).integer(q.until_ms);
  if (q.account_id) p.text(*q.account_id);
  auto c = pool_.acquire();
  auto r = c->query(
      "SELECT bucket, model COLLATE \"C\", sum(requests)::bigint, sum(errors)::bigint, "
      "sum(prompt_tokens)::bigint, sum(cached_tokens)::bigint, sum(completion_tokens)::bigint, "
      "sum(reasoning_tokens)::bigint, sum(cost)::bigint, sum(latency_us)::bigint, "
      "sum(ttft_us)::bigint FROM " +
          table + " WHERE bucket >= $1::bigint AND bucket < $2::bigint" +
          (q.account_id ? " AND account_id = $3" : "") + " GROUP BY 1, 2 ORDER BY 1, 2",
      p);
  std::vector<UsageSeriesPoint> out;
  for (int i = 0; i < r.rows(); ++i) {
    UsageSeriesPoint s;
    s.bucket_ms = r.integer(i, 0);
    s.model = r.text(i, 1);
    s.requests = r.integer(i, 2);
    s.errors = r.integer(i, 3);
    s.usage.prompt_tokens = r.integer(i, 4);
    s.usage.cached_tokens = r.integer(i, 5);
    s.usage.completion_tokens = r.integer(i, 6);
    s.usage.reasoning_tokens = r.integer(i, 7);
    s.cost = r.integer(i, 8);
    s.latency_us = r.integer(i, 9);
    s.ttft_us = r.integer(i, 10);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<AccountUsageTotal> PostgresStore::usage_by_account(std::int64_t since_ms,
                                                               std::int64_t until_ms,
                                                               std::int64_t limit) {
  auto c = pool_.acquire();
  auto r = c->query(
      "SELECT account_id, sum(requests)::bigint, sum(errors)::bigint, sum(prompt_tokens)::bigint, "
      "sum(cached_tokens)::bigint, sum(completion_tokens)::bigint, sum(reasoning_tokens)::bigint, "
      "sum(cost)::bigint FROM usage_account_daily WHERE bucket >= $1::bigint AND bucket < "
      "$2::bigint "
      "GROUP BY account_id ORDER BY 8 DESC, 2 DESC, account_id COLLATE \"C\" LIMIT $3::bigint",
      PgParams().integer(since_ms - since_ms % kDayMs).integer(until_ms).integer(limit));
  std::vector<AccountUsageTotal> out;
  for (int i = 0; i < r.rows(); ++i) {
    AccountUsageTotal t;
    t.account_id = r.text(i, 0);
    t.requests = r.integer(i, 1);
    t.errors = r.integer(i, 2);
    t.usage.prompt_tokens = r.integer(i, 3);
    t.usage.cached_tokens = r.integer(i, 4);
    t.usage.completion_tokens = r.integer(i, 5);
    t.usage.reasoning_tokens = r.integer(i, 6);
    t.cost = r.integer(i, 7);
    out.push_back(std::move(t));
  }
  return out;
}

// The scan walks usage_account (account_id, id) backwards for an account, the primary key for
// all. At most `scan` rows are read; the matching ones up to `limit` come back in full, with
// the last row read to resume from. `since` is tested on the rows read: the first one older ends
// the log (IDs follow time), so no filter ever turns the walk into a scan of the table. One
// round trip: the page's rows, each with the scan's figures (one row of NULLs and the figures
// when nothing matched).
UsagePage PostgresStore::usage_page(const UsagePageQuery& q) {
  PgParams p;
  auto param = [&p]() { return "$" + std::to_string(p.size()); };
  std::string where;
  if (q.account_id) {
    p.text(*q.account_id);
    where += " AND account_id = " + param();
  }
  if (q.before) {
    p.integer(q.before->id);
    where += " AND id < " + param() + "::bigint";
  }
  if (!where.empty()) where = " WHERE" + where.substr(4);
  std::string match = "true";
  if (!q.model.empty()) {
    p.text(q.model);
    match += " AND model = " + param();
  }
  if (!q.surface.empty()) {
    p.text(q.surface);
    match += " AND surface = " + param();
  }
  if (!q.key_id.empty()) {
    p.text(q.key_id);
    match += " AND key_id = " + param();
  }
  if (q.status_class == 1) match += " AND status < 400";
  if (q.status_class == 2) match += " AND status >= 400";
  std::string ended = "SELECT NULL::bigint AS n";
  if (q.since_ms) {
    p.integer(*q.since_ms);
    ended = "SELECT min(n) AS n FROM scan WHERE created_at < " + param() + "::bigint";
  }
  p.integer(q.scan);
  const std::string scan_limit = param() + "::bigint";
  p.integer(q.limit);
  const std::string page_limit = param() + "::bigint";
  const std::string sql =
      "WITH scan AS MATERIALIZED (SELECT id, created_at, (" + match +
      ") AS hit, row_number() OVER (ORDER BY id DESC) AS n FROM (SELECT id, created_at, model, "
      "surface, key_id, status FROM usage" +
      where + " ORDER BY id DESC LIMIT " + scan_limit + ") s), ended AS (" + ended +
      "), "
      "live AS (SELECT * FROM scan WHERE n < coalesce((SELECT n FROM ended), " +
      std::to_string(INT64_MAX) +
      ")), "
      "hits AS (SELECT id, n FROM live WHERE hit ORDER BY n LIMIT " +
      page_limit +
      "), "
      "figures AS (SELECT count(*) AS scanned, (SELECT n FROM ended) IS NOT NULL AS ended, "
      "coalesce((SELECT created_at FROM live ORDER BY n DESC LIMIT 1), 0) AS oldest_at, "
      "coalesce((SELECT id FROM live ORDER BY n DESC LIMIT 1), 0) AS oldest_id FROM live) "
      "SELECT " +
      prefixed_usage_columns() +
      ", coalesce(u.id, 0), f.scanned, f.ended, "
      "f.oldest_at, f.oldest_id FROM figures f LEFT JOIN (hits h JOIN usage u ON u.id = h.id) ON "
      "true ORDER BY h.n";
  auto c = pool_.acquire();
  auto r = c->query(sql, p);
  UsagePage page;
  for (int i = 0; i < r.rows(); ++i)
    if (r.integer(i, 20) != 0) page.records.push_back(read_usage_row(r, i));
  if (static_cast<std::int64_t>(page.records.size()) == q.limit) {
    page.next = UsageCursor{page.records.back().created_at, r.integer(r.rows() - 1, 20)};
    return page;
  }
  // Fewer matches than a page: the log ended (since), or the scan's budget ran out.
  const std::int64_t scanned = r.integer(0, 21);
  if (!r.boolean(0, 22) && scanned == q.scan) {
    page.next = UsageCursor{r.integer(0, 23), r.integer(0, 24)};
    page.scanned_to = r.integer(0, 23);
  }
  return page;
}

}  // namespace glmgate
