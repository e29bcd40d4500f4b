// PostgresStore's usage rollups (kept by the calls' statement of the batch commit) and the
// console's reads: the charts' series and per-account totals from the rollups, and the request
// log by keyset with a scan budget (contracts/store/usage_store.hpp).
#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"

namespace glmgate {

namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 86'400'000;

std::string rollup(std::string_view name, std::string_view table, std::int64_t bucket_ms,
                   std::string_view source) {
  const std::string b = std::to_string(bucket_ms);
  const std::string t(table);
  auto add = [](const char* column) {
    return std::string(column) + " = r." + column + " + excluded." + column;
  };
  return std::string(name) + " AS (INSERT INTO " + t +
         " AS r (account_id, bucket, model, requests, errors, prompt_tokens, cached_tokens, "
         "completion_tokens, reasoning_tokens, cost, latency_us, ttft_us) SELECT account_id, "
         "created_at - created_at % " +
         b +
         ", model, count(*), count(*) FILTER (WHERE status >= "
         "400), sum(prompt_tokens)::bigint, sum(cached_tokens)::bigint, "
         "sum(completion_tokens)::bigint, sum(reasoning_tokens)::bigint, sum(cost)::bigint, "
         "sum(latency_us)::bigint, sum(ttft_us)::bigint FROM " +
         std::string(source) +
         " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 ON CONFLICT (account_id, bucket, model) DO UPDATE "
         "SET " +
         add("requests") + ", " + add("errors") + ", " + add("prompt_tokens") + ", " +
         add("cached_tokens") + ", " + add("completion_tokens") + ", " + add("reasoning_tokens") +
         ", " + add("cost") + ", " + add("latency_us") + ", " + add("ttft_us") + ")";
}

}  // namespace

std::string pg_rollups(std::string_view source) {
  return rollup("hourly", "usage_hourly", kHourMs, source) + ", " +
         rollup("daily", "usage_daily", kDayMs, source);
}

std::vector<UsageSeriesPoint> PostgresStore::usage_series(const UsageSeriesQuery& q) {
  const std::int64_t bucket = q.by_day ? kDayMs : kHourMs;
  const std::string table = q.by_day ? "usage_daily" : "usage_hourly";
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
      "sum(cost)::bigint FROM usage_daily WHERE bucket >= $1::bigint AND bucket < $2::bigint "
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
// the last row read to resume from.
UsagePage PostgresStore::usage_page(const UsagePageQuery& q) {
  // The rows to scan: the account's, older than the cursor, since the start.
  auto scan_where = [&q](PgParams& p) {
    std::string where;
    auto param = [&p]() { return "$" + std::to_string(p.size()); };
    if (q.account_id) {
      p.text(*q.account_id);
      where += " AND account_id = " + param();
    }
    if (q.before) {
      p.integer(q.before->id);
      where += " AND id < " + param() + "::bigint";
    }
    if (q.since_ms) {
      p.integer(*q.since_ms);
      where += " AND created_at >= " + param() + "::bigint";
    }
    return where.empty() ? where : " WHERE" + where.substr(4);
  };
  PgParams p;
  auto param = [&p]() { return "$" + std::to_string(p.size()); };
  const std::string where = scan_where(p);
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
  p.integer(q.scan);
  const std::string scan_limit = param() + "::bigint";
  p.integer(q.limit);
  const std::string page_limit = param() + "::bigint";
  // The scan's rows with their match, numbered; the matches up to the page's size in full, each
  // with the scan's size and its last row, whose position resumes the next page.
  const std::string sql =
      "WITH scan AS MATERIALIZED (SELECT id, created_at, (" + match +
      ") AS hit, row_number() OVER (ORDER BY id DESC) AS n FROM (SELECT * FROM usage" + where +
      " ORDER BY id DESC LIMIT " + scan_limit +
      ") s), "
      "hits AS (SELECT id, n FROM scan WHERE hit ORDER BY n LIMIT " +
      page_limit +
      ") "
      "SELECT " +
      std::string(kPgUsageColumns) +
      ", u.id, (SELECT count(*) FROM scan), "
      "(SELECT created_at FROM scan ORDER BY n DESC LIMIT 1), (SELECT id FROM scan ORDER BY n "
      "DESC LIMIT 1) FROM hits h JOIN usage u ON u.id = h.id ORDER BY h.n";
  auto c = pool_.acquire();
  auto r = c->query(sql, p);
  UsagePage page;
  for (int i = 0; i < r.rows(); ++i)
    page.records.push_back(read_usage_row(r, i));
  if (static_cast<std::int64_t>(page.records.size()) == q.limit) {
    page.next = UsageCursor{page.records.back().created_at, r.integer(r.rows() - 1, 20)};
    return page;
  }
  // Fewer matches than a page: was the scan cut short by its budget?
  std::int64_t scanned = 0, oldest_at = 0, oldest_id = 0;
  if (r.rows() > 0) {
    scanned = r.integer(0, 21);
    oldest_at = r.integer(0, 22);
    oldest_id = r.integer(0, 23);
  } else {  // no match at all: count the scan alone
    PgParams again;
    const std::string w = scan_where(again);
    again.integer(q.scan);
    auto s = c->query(
        "SELECT count(*), coalesce(min(created_at), 0), coalesce(min(id), 0) FROM "
        "(SELECT id, created_at FROM usage" +
            w + " ORDER BY id DESC LIMIT $" + std::to_string(again.size()) + "::bigint) s",
        again);
    scanned = s.integer(0, 0);
    oldest_at = s.integer(0, 1);
    oldest_id = s.integer(0, 2);
  }
  if (scanned == q.scan) {
    page.next = UsageCursor{oldest_at, oldest_id};
    page.scanned_to = oldest_at;
  }
  return page;
}

}  // namespace glmgate
