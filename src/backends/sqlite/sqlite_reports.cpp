// SqliteStore's usage rollups (kept by the batch commit) and the console's reads: the charts'
// series and per-account totals from the rollups, and the request log by keyset with a scan
// budget (contracts/store/usage_store.hpp).
#include <map>
#include <tuple>

#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"

namespace glmgate {

namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 86'400'000;

struct RollupSums {
  std::int64_t requests = 0, errors = 0, prompt = 0, cached = 0, completion = 0, reasoning = 0;
  std::int64_t cost = 0, latency = 0, ttft = 0;
};

using RollupKey = std::tuple<std::string_view, std::int64_t, std::string_view>;

std::map<RollupKey, RollupSums> fold(const std::vector<const UsageRecord*>& records,
                                     std::int64_t bucket_ms) {
  std::map<RollupKey, RollupSums> out;
  for (const UsageRecord* u : records) {
    RollupSums& s = out[{u->account_id, u->created_at - u->created_at % bucket_ms, u->model}];
    ++s.requests;
    s.errors += u->status >= 400 ? 1 : 0;
    s.prompt += u->usage.prompt_tokens;
    s.cached += u->usage.cached_tokens;
    s.completion += u->usage.completion_tokens;
    s.reasoning += u->usage.reasoning_tokens;
    s.cost += u->cost;
    s.latency += u->latency_us;
    s.ttft += u->ttft_us;
  }
  return out;
}

std::string upsert_sql(std::string_view table) {
  const std::string t(table);
  return "INSERT INTO " + t +
         " (account_id, bucket, model, requests, errors, prompt_tokens, cached_tokens, "
         "completion_tokens, reasoning_tokens, cost, latency_us, ttft_us) VALUES (?1, ?2, ?3, ?4, "
         "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (account_id, bucket, model) DO UPDATE SET "
         "requests = requests + excluded.requests, errors = errors + excluded.errors, "
         "prompt_tokens = prompt_tokens + excluded.prompt_tokens, cached_tokens = cached_tokens + "
         "excluded.cached_tokens, completion_tokens = completion_tokens + "
         "excluded.completion_tokens, reasoning_tokens = reasoning_tokens + "
         "excluded.reasoning_tokens, cost = cost + excluded.cost, latency_us = latency_us + "
         "excluded.latency_us, ttft_us = ttft_us + excluded.ttft_us";
}

// The usage row's columns and its row ID, for the request log.
const std::string& page_columns() {
  static const std::string columns = std::string(kUsageColumns) + ", id";
  return columns;
}

}  // namespace

void SqliteStore::add_to_rollups(const std::vector<const UsageRecord*>& records) {
  if (records.empty()) return;
  for (const auto& [table, bucket] :
       {std::pair{"usage_hourly", kHourMs}, {"usage_daily", kDayMs}}) {
    SqliteStatement& s =
        cached_statement(std::string("rollup ") + table, [t = table] { return upsert_sql(t); });
    for (const auto& [key, sums] : fold(records, bucket)) {
      s.reset();
      s.bind_view(1, std::get<0>(key)).bind(2, std::get<1>(key)).bind_view(3, std::get<2>(key));
      s.bind(4, sums.requests).bind(5, sums.errors).bind(6, sums.prompt).bind(7, sums.cached);
      s.bind(8, sums.completion).bind(9, sums.reasoning).bind(10, sums.cost);
      s.bind(11, sums.latency).bind(12, sums.ttft);
      s.step();
    }
  }
}

std::vector<UsageSeriesPoint> SqliteStore::usage_series(const UsageSeriesQuery& q) {
  const std::int64_t bucket = q.by_day ? kDayMs : kHourMs;
  const std::string table = q.by_day ? "usage_daily" : "usage_hourly";
  return with_reports([&](SqliteDb& db) {
    auto s = db.prepare(
        "SELECT bucket, model, sum(requests), sum(errors), sum(prompt_tokens), sum(cached_tokens), "
        "sum(completion_tokens), sum(reasoning_tokens), sum(cost), sum(latency_us), sum(ttft_us) "
        "FROM " +
        table + " WHERE bucket >= ?1 AND bucket < ?2" +
        (q.account_id ? " AND account_id = ?3" : "") + " GROUP BY bucket, model ORDER BY 1, 2");
    s.bind(1, q.since_ms - q.since_ms % bucket).bind(2, q.until_ms);
    if (q.account_id) s.bind(3, *q.account_id);
    std::vector<UsageSeriesPoint> out;
    while (s.step()) {
      UsageSeriesPoint p;
      p.bucket_ms = s.integer(0);
      p.model = s.text(1);
      p.requests = s.integer(2);
      p.errors = s.integer(3);
      p.usage.prompt_tokens = s.integer(4);
      p.usage.cached_tokens = s.integer(5);
      p.usage.completion_tokens = s.integer(6);
      p.usage.reasoning_tokens = s.integer(7);
      p.cost = s.integer(8);
      p.latency_us = s.integer(9);
      p.ttft_us = s.integer(10);
      out.push_back(std::move(p));
    }
    return out;
  });
}

std::vector<AccountUsageTotal> SqliteStore::usage_by_account(std::int64_t since_ms,
                                                             std::int64_t until_ms,
                                                             std::int64_t limit) {
  return with_reports([&](SqliteDb& db) {
    auto s = db.prepare(
        "SELECT account_id, sum(requests), sum(errors), sum(prompt_tokens), sum(cached_tokens), "
        "sum(completion_tokens), sum(reasoning_tokens), sum(cost) FROM usage_daily WHERE bucket >= "
        "?1 AND bucket < ?2 GROUP BY account_id ORDER BY 8 DESC, 2 DESC, 1 LIMIT ?3");
    s.bind(1, since_ms - since_ms % kDayMs).bind(2, until_ms).bind(3, limit);
    std::vector<AccountUsageTotal> out;
    while (s.step()) {
      AccountUsageTotal t;
      t.account_id = s.text(0);
      t.requests = s.integer(1);
      t.errors = s.integer(2);
      t.usage.prompt_tokens = s.integer(3);
      t.usage.cached_tokens = s.integer(4);
      t.usage.completion_tokens = s.integer(5);
      t.usage.reasoning_tokens = s.integer(6);
      t.cost = s.integer(7);
      out.push_back(std::move(t));
    }
    return out;
  });
}

// The scan walks usage_account_time (account, created_at, rowid) backwards for an account, the
// row IDs backwards for all: no sort, no OFFSET. Filters are tested on the rows read, and the
// page stops at `limit` matches or `scan` rows, whichever comes first. `since` bounds the
// account's index range; walking the IDs, the first row older than it ends the log (IDs follow
// time), so no filter ever turns the walk into a scan of the table.
UsagePage SqliteStore::usage_page(const UsagePageQuery& q) {
  std::string where;
  if (q.account_id) where += " AND account_id = ?1";
  if (q.before)
    where +=
        q.account_id ? " AND (created_at < ?2 OR (created_at = ?2 AND id < ?3))" : " AND id < ?3";
  if (q.since_ms && q.account_id) where += " AND created_at >= ?4";
  if (!where.empty()) where = " WHERE" + where.substr(4);
  std::string match = "1";
  if (!q.model.empty()) match += " AND model = ?5";
  if (!q.surface.empty()) match += " AND surface = ?6";
  if (!q.key_id.empty()) match += " AND key_id = ?7";
  if (q.status_class == 1) match += " AND status < 400";
  if (q.status_class == 2) match += " AND status >= 400";
  const std::string order =
      q.account_id ? " ORDER BY created_at DESC, id DESC" : " ORDER BY id DESC";
  return with_reports([&](SqliteDb& db) {
    auto s = db.prepare("SELECT " + page_columns() + ", " + match + " FROM usage" + where + order +
                        " LIMIT ?8");
    if (q.account_id) s.bind(1, *q.account_id);
    if (q.before) s.bind(2, q.before->created_at).bind(3, q.before->id);
    if (q.since_ms && q.account_id) s.bind(4, *q.since_ms);
    if (!q.model.empty()) s.bind(5, q.model);
    if (!q.surface.empty()) s.bind(6, q.surface);
    if (!q.key_id.empty()) s.bind(7, q.key_id);
    s.bind(8, q.scan);
    UsagePage page;
    std::int64_t scanned = 0;
    UsageCursor last{};
    while (s.step()) {
      ++scanned;
      const UsageCursor row{s.integer(kUsageParams - 3), s.integer(kUsageParams)};
      if (q.since_ms && row.created_at < *q.since_ms) return page;  // the log ends here
      last = row;
      if (s.integer(kUsageParams + 1) == 0) continue;
      page.records.push_back(read_usage_row(s));
      if (static_cast<std::int64_t>(page.records.size()) == q.limit) {
        page.next = last;
        return page;
      }
    }
    if (scanned == q.scan) {  // the budget ran out: older rows may match
      page.next = last;
      page.scanned_to = last.created_at;
    }
    return page;
  });
}

}  // namespace glmgate
