// The calls' rows and the lean calls' statement (postgres_calls.hpp).
#include "backends/postgres/postgres_calls.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <span>
#include <tuple>
#include <utility>

#include "backends/postgres/postgres_rows.hpp"
#include "contracts/store/usage_rollup_fold.hpp"
#include "core/yield_point.hpp"

namespace glmgate {

namespace {

// After a usage record's columns: the output its row keeps (kPgUsageOutputInsertColumns; all
// NULL: none).
constexpr std::string_view kKeptTypes[] = {"text", "text",   "text",  "text",
                                           "text", "bigint", "bigint"};

// Each row's charge, after the row's columns: its origin, its account (a position in the
// accounts' array, from 1) and the sum of its account's charges in the statement up to and
// including it; all NULL for a row that keeps no charge.
constexpr std::string_view kChargeTypes[] = {"text", "integer", "bigint"};

// Rollup rows: account, hour, model, then the sums (pg_rollup_upserts()).
constexpr std::string_view kRolledTypes[] = {"text",   "bigint", "text",   "bigint",
                                             "bigint", "bigint", "bigint", "bigint",
                                             "bigint", "bigint", "bigint", "bigint"};

// The accounts its charges name, each with the sum of its charges in the statement.
constexpr std::string_view kAccountTypes[] = {"text", "bigint"};
// The leases they shrink: account, instance, sum of its charges there.
constexpr std::string_view kShrinkTypes[] = {"text", "text", "bigint"};

// The statement's parameters after the rows' arrays, numbered from 1.
constexpr int kRowColumns =
    static_cast<int>(std::size(kPgUsageTypes) + std::size(kKeptTypes) + std::size(kChargeTypes));
constexpr int kAccounts = kRowColumns + 1;  // kAccountTypes
constexpr int kShrink = kAccounts + static_cast<int>(std::size(kAccountTypes));
constexpr int kRolled = kShrink + static_cast<int>(std::size(kShrinkTypes));

}  // namespace

std::vector<std::string_view> pg_call_row_types() {
  std::vector<std::string_view> types(std::begin(kPgUsageTypes), std::end(kPgUsageTypes));
  types.insert(types.end(), std::begin(kKeptTypes), std::end(kKeptTypes));
  return types;
}

std::vector<PgArray> pg_kept_arrays() {
  return pg_arrays(kKeptTypes);
}

void append_kept_output(std::vector<PgArray>& kept, const UsageRecord& u, const StoredOutput* o) {
  if (!o) {
    for (auto& column : kept)
      column.null();
    return;
  }
  auto text_or_null = [](PgArray& a, const std::string& v, std::string_view null_value) {
    if (v == null_value)
      a.null();
    else
      a.text(v);
  };
  kept[0].text(o->id);
  text_or_null(kept[1], o->status, "completed");
  kept[2].text(o->body);
  text_or_null(kept[3], o->context, "");
  text_or_null(kept[4], o->previous_id, "");
  if (o->created_at == u.created_at)
    kept[5].null();
  else
    kept[5].integer(o->created_at);
  kept[6].integer(o->expires_at);
}

std::string pg_prefixed(std::string_view columns, std::string_view prefix) {
  std::string out;
  for (std::size_t at = 0, next; at < columns.size(); at = next + 2) {
    next = std::min(columns.find(", ", at), columns.size());
    out += (out.empty() ? "" : ", ") + std::string(prefix) +
           std::string(columns.substr(at, next - at));
  }
  return out;
}

std::string pg_lean_calls_sql() {
  const std::string usage(kPgUsageColumns);
  const std::string kept(kPgUsageOutputInsertColumns);
  auto types = pg_call_row_types();
  types.insert(types.end(), std::begin(kChargeTypes), std::end(kChargeTypes));
  // A row's balance before its account's charges in this statement (NULL: no charge, or an
  // unknown account's, which is dropped as the general statement drops it). Each (SELECT b FROM
  // bal) is computed once per statement.
  const std::string balance = "(SELECT b FROM bal)[u.charge_account]";
  const std::string rolled =
      "rolled AS (SELECT * FROM " + pg_unnest(kRolledTypes, kRolled) +
      " AS rolled (account_id, hour, model, requests, errors, prompt_tokens, cached_tokens, "
      "completion_tokens, reasoning_tokens, cost, latency_us, ttft_us)), ";
  const std::string account_ids = pg_unnest(std::span(kAccountTypes).first(1), kAccounts);
  return
      // The accounts' rows, locked in ID order (two writers never deadlock on them), and their
      // balances then, in the order of the accounts' array.
      "WITH locked AS MATERIALIZED (SELECT id, balance FROM accounts WHERE id = ANY($" +
      std::to_string(kAccounts) +
      "::text[]) ORDER BY id FOR UPDATE), "
      "bal AS MATERIALIZED (SELECT array_agg(l.balance ORDER BY x.i) AS b FROM " +
      account_ids +
      " WITH ORDINALITY AS x (id, i) LEFT JOIN locked l ON l.id = x.id), "
      // The rows in the batch's order (a plain scan of the arrays): a kept charge's ledger ID is
      // drawn as its row is written, once the accounts are locked (the balance is read first),
      // so IDs follow the order each balance changed, across writers too.
      "recorded AS (INSERT INTO usage (" +
      usage + ", ledger_id, balance_after, charge_origin, " + kept + ") SELECT " +
      pg_prefixed(usage, "u.") + ", CASE WHEN " + balance +
      " IS NOT NULL THEN nextval((SELECT pg_get_serial_sequence('ledger', 'id')::regclass)) END, " +
      balance + " + u.charge_sum, CASE WHEN " + balance +
      " IS NOT NULL THEN u.charge_origin END, " + pg_prefixed(kept, "u.") + " FROM " +
      pg_unnest(types, 1) + " AS u (" + usage + ", " + kept +
      ", charge_origin, charge_account, charge_sum)), " + rolled + pg_rollup_upserts() +
      ", "
      // Each instance's charges shrink its lease on the account (lease_store.hpp), never below 0.
      "shrunk AS (UPDATE leases l SET amount = GREATEST(0, l.amount + s.total) FROM " +
      pg_unnest(kShrinkTypes, kShrink) +
      " AS s (account_id, origin, total) WHERE l.account_id = s.account_id AND l.instance = "
      "s.origin) "
      // One update per known account.
      "UPDATE accounts a SET balance = a.balance + t.total, spent = a.spent - t.total FROM " +
      pg_unnest(kAccountTypes, kAccounts) +
      " AS t (account_id, total) JOIN locked l ON l.id = t.account_id WHERE a.id = t.account_id";
}

std::optional<LeanCalls> pg_lean_calls_params(const WriteBatch& batch, const OutputPairing& outputs,
                                              std::size_t begin, std::size_t end, bool last) {
  if (last && !batch.charges.empty()) return std::nullopt;
  for (std::size_t i = begin; i < end; ++i) {
    const CallWrite& c = batch.calls[i];
    if (c.charge && !row_keeps(c.usage, *c.charge)) return std::nullopt;
  }
  std::vector<PgArray> usage = pg_arrays(kPgUsageTypes);
  std::vector<PgArray> kept = pg_kept_arrays();
  std::vector<PgArray> charges = pg_arrays(kChargeTypes);
  std::map<std::string_view, std::size_t> position;  // account -> its place in `accounts`
  std::vector<std::string_view> accounts;
  std::vector<std::int64_t> totals;
  std::map<std::pair<std::string_view, std::string_view>, std::int64_t> shrink;
  RollupFold rolled;
  for (std::size_t i = begin; i < end; ++i) {
    const CallWrite& c = batch.calls[i];
    const UsageRecord& u = c.usage;
    append_usage(usage, u);
    append_kept_output(kept, u, outputs.kept[i]);
    fold_hour(rolled, u);
    if (c.charge) {
      const LedgerEntry& e = *c.charge;
      auto [at, added] = position.try_emplace(e.account_id, accounts.size());
      if (added) {
        accounts.push_back(e.account_id);
        totals.push_back(0);
      }
      totals[at->second] += e.amount;
      if (e.amount < 0) shrink[{e.account_id, e.origin}] += e.amount;
      charges[0].text(e.origin);
      charges[1].integer(static_cast<std::int64_t>(at->second) + 1);
      charges[2].integer(totals[at->second]);
    } else {
      for (auto& column : charges)
        column.null();
    }
    yield_point();
  }
  std::vector<PgArray> sums = pg_arrays(kRolledTypes);
  for (const auto& [key, s] : rolled) {
    sums[0].text(std::get<0>(key));
    sums[1].integer(std::get<1>(key));
    sums[2].text(std::get<2>(key));
    std::size_t n = 3;
    for (std::int64_t v : {s.requests, s.errors, s.prompt, s.cached, s.completion, s.reasoning,
                           s.cost, s.latency, s.ttft})
      sums[n++].integer(v);
  }
  std::vector<PgArray> account_rows = pg_arrays(kAccountTypes);
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    account_rows[0].text(accounts[i]);
    account_rows[1].integer(totals[i]);
  }
  std::vector<PgArray> shrink_rows = pg_arrays(kShrinkTypes);
  for (const auto& [key, total] : shrink) {
    shrink_rows[0].text(key.first);
    shrink_rows[1].text(key.second);
    shrink_rows[2].integer(total);
  }
  PgParams p;
  for (auto* columns : {&usage, &kept, &charges, &account_rows, &shrink_rows, &sums})
    add_columns(p, *columns);
  return LeanCalls{std::move(p), accounts.size()};
}

}  // namespace glmgate
