// SqliteStore's usage rollups (kept by the batch commit) and the console's reads: the charts'
// series and per-account totals from the rollups, and the request log by keyset with a scan
// budget (contracts/store/usage_store.hpp).
#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"
#include "contracts/store/usage_rollup_fold.hpp"

namespace glmgate {

namespace {

constexpr std::int64_t kHourMs = kRollupHourMs;
constexpr std::int64_t kDayMs = 86'400'000;

// A rollup table: its bucket and which of account and model its key has (schemas 14 and 16).
struct Rollup {
  const char* table;
  std::int64_t bucket_ms;
  bool by_account;
  bool by_model;
};
constexpr Rollup kRollups[] = {{"usage_hourly", kHourMs, true, true},
                               {"usage_daily", kDayMs, true, true},
                               {"usage_account_daily", kDayMs, true, false},
                               {"usage_model_hourly", kHourMs, false, true},
                               {"usage_model_daily", kDayMs, false, true}};

// The records by account, hour and model: every rollup is a coarser fold of this one.
RollupFold fold_hours(const std::vector<const UsageRecord*>& records) {
  RollupFold out;
  for (const UsageRecord* u : records)
    fold_hour(out, *u);
  return out;
}

RollupFold fold(const RollupFold& hours, const Rollup& r) {
  RollupFold out;
  for (const auto& [key, sums] : hours) {
    const auto& [account, hour, model] = key;
    out[{r.by_account ? account : std::string_view(), hour - hour % r.bucket_ms,
         r.by_model ? model : std::string_view()}]
        .add(sums);
  }
  return out;
}

std::string upsert_sql(const Rollup& r) {
  const std::string key =
      std::string(r.by_account ? "account_id, " : "") + "bucket" + (r.by_model ? ", model" : "");
  const int parts = 1 + (r.by_account ? 1 : 0) + (r.by_model ? 1 : 0);
  std::string values;
  for (int i = 1; i <= parts + 9; ++i)
    values += (i > 1 ? ", ?" : "?") + std::to_string(i);
  return std::string("INSERT INTO ") + r.table + " (" + key +
         ", requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, "
         "cost, latency_us, ttft_us) VALUES (" +
         values + ") ON CONFLICT (" + key +
         ") DO UPDATE SET "
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
  const RollupFold hours = fold_hours(records);
  for (const Rollup& r : kRollups) {
    SqliteStatement& s =
        cached_statement(std::string("rollup ") + r.table, [&r] { return upsert_sql(r); });
    for (const auto& [key, sums] : fold(hours, r)) {
      s.reset();
      int at = 0;
      if (r.by_account) s.bind_view(++at, std::get<0>(key));
      s.bind(++at, std::get<1>(key));
      if (r.by_model) s.bind_view(++at, std::get<2>(key));
      for (std::int64_t v : {sums.requests, sums.errors, sums.prompt, sums.cached, sums.completion,
                             sums.reasoning, sums.cost, sums.latency, sums.ttft})
        s.bind(++at, v);
      s.step();
    }
  }
}

std::vector<UsageSeriesPoint> SqliteStore::usage_series(const UsageSeriesQuery& q) {
  const std::int64_t bucket = q.by_day ? kDayMs : kHourMs;
  // One account's from its rows of the account-and-model rollup; every account's from the
  // rollup over all accounts. Either has one row per bucket and model, read in key order: no
  // sums to take (SQLite's aggregates cost more than the read).
  const std::string table =
      std::string(q.account_id ? "usage_" : "usage_model_") + (q.by_day ? "daily" : "hourly");
  return with_reports([&](SqliteDb& db) {
    auto s = db.prepare(
        "SELECT bucket, model, requests, errors, prompt_tokens, cached_tokens, completion_tokens, "
        "reasoning_tokens, cost, latency_us, ttft_us FROM " +
        table + " WHERE " + (q.account_id ? "account_id = ?3 AND " : "") +
        "bucket >= ?1 AND bucket < ?2 ORDER BY bucket, model");
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

// The span's rows of the per-account daily rollup, read from its covering time index and
// summed here: SQLite's GROUP BY and sum() cost several times the read.
std::vector<AccountUsageTotal> SqliteStore::usage_by_account(std::int64_t since_ms,
                                                             std::int64_t until_ms,
                                                             std::int64_t limit) {
  std::unordered_map<std::string, AccountUsageTotal> by_account;
  with_reports([&](SqliteDb& db) {
    auto s = db.prepare(
        "SELECT account_id, requests, errors, prompt_tokens, cached_tokens, completion_tokens, "
        "reasoning_tokens, cost FROM usage_account_daily WHERE bucket >= ?1 AND bucket < ?2");
    s.bind(1, since_ms - since_ms % kDayMs).bind(2, until_ms);
    while (s.step()) {
      std::string id = s.text(0);
      AccountUsageTotal& t = by_account[id];
      if (t.account_id.empty()) t.account_id = std::move(id);
      t.requests += s.integer(1);
      t.errors += s.integer(2);
      t.usage.prompt_tokens += s.integer(3);
      t.usage.cached_tokens += s.integer(4);
      t.usage.completion_tokens += s.integer(5);
      t.usage.reasoning_tokens += s.integer(6);
      t.cost += s.integer(7);
    }
  });
  std::vector<AccountUsageTotal> out;
  out.reserve(by_account.size());
  for (auto& [id, t] : by_account)
    out.push_back(std::move(t));
  // By cost, then requests, then ID: as PostgreSQL's ORDER BY.
  const auto first = [](const AccountUsageTotal& a, const AccountUsageTotal& b) {
    return std::tie(b.cost, b.requests, a.account_id) < std::tie(a.cost, a.requests, b.account_id);
  };
  const auto keep =
      std::min<std::size_t>(out.size(), static_cast<std::size_t>(std::max<std::int64_t>(limit, 0)));
  std::partial_sort(out.begin(), out.begin() + keep, out.end(), first);
  out.resize(keep);
  return out;
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
