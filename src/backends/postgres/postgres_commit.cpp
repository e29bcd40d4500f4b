// PostgresStore's BatchStore: the batching writer's commit, the hot write path (every request's
// usage record goes through here). A batch is one transaction sent in one round trip (libpq's
// pipeline): BEGIN, a statement per kind of row that the batch holds, COMMIT. Each statement takes
// all its rows at once, as one array per column (unnest), so its cost does not grow with round
// trips. The calls' statement writes the usage records, then one balance update per account for
// the sum of its charges in the batch (an account's row is locked once per batch, not once per
// request), then the charges as ledger rows with their running balances. The contract is in
// contracts/store/batch_store.hpp.
//
// A commit whose outcome was lost with the connection (COMMIT sent, no answer) is retried by the
// writer with the same records: a record already stored (same request ID and time: the usage_record
// index) is skipped, and so is its call's charge, so a retried batch never charges twice. Charges
// of no call (WriteBatch::charges) have no record to tell them by, as in SQLite.
#include <deque>
#include <map>

#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"
#include "core/clock.hpp"
#include "core/yield_point.hpp"

namespace glmgate {

namespace {

// How many times a batch that lost a deadlock (two writers locking the same accounts in another
// order) or a serialization failure runs again before the writer hears of it.
constexpr int kAttempts = 3;

constexpr std::string_view kChargeTypes[] = {"text", "bigint", "text", "text",  "bigint",
                                             "text", "text",   "text", "bigint"};

// $1-$20 the usage records (kPgUsageColumns); $21-$29 the charges: the key of the call's record
// they go with (request ID and time; NULL for a charge of no call), then account, kind, amount,
// request, note, origin, time. Written for hash joins: a batch has thousands of rows, and it is
// planned for its own arrays (sent unprepared, so PostgreSQL sees their sizes).
std::string calls_sql() {
  const std::string usage(kPgUsageColumns);
  // The records not stored yet (a retried batch's are), in the batch's order.
  return "WITH recorded AS (INSERT INTO usage (" + usage + ") SELECT " + usage + " FROM " +
         pg_unnest(kPgUsageTypes, 1) + " WITH ORDINALITY AS u (" + usage +
         ", n) ORDER BY n ON CONFLICT (request_id, created_at) DO NOTHING RETURNING request_id, "
         "created_at), "
         "c AS (SELECT * FROM " +
         pg_unnest(kChargeTypes, static_cast<int>(std::size(kPgUsageTypes)) + 1) +
         " WITH ORDINALITY AS c (call_request, call_created, account_id, kind, amount, request_id, "
         "note, origin, created_at, n)), "
         // The charges to apply: those of no call, and those whose call's record is new.
         "due AS (SELECT c.* FROM c LEFT JOIN recorded r ON r.request_id = c.call_request AND "
         "r.created_at = c.call_created WHERE c.call_request IS NULL OR r.request_id IS NOT NULL), "
         "totals AS (SELECT account_id, sum(amount)::bigint AS total FROM due GROUP BY account_id "
         "ORDER BY account_id), "
         // Each instance's charges shrink its lease on the account (lease_store.hpp), never
         // below 0; a data-modifying WITH runs whether or not the rest reads it.
         "shrunk AS (UPDATE leases l SET amount = GREATEST(0, l.amount + s.total) FROM (SELECT "
         "account_id, origin, sum(amount)::bigint AS total FROM due WHERE amount < 0 GROUP BY "
         "account_id, origin) s WHERE l.account_id = s.account_id AND l.instance = s.origin), "
         // One update per account; an unknown account's charges join nothing below: dropped.
         "balances AS (UPDATE accounts a SET balance = a.balance + t.total, spent = a.spent - "
         "t.total FROM totals t WHERE a.id = t.account_id RETURNING a.id, a.balance - t.total AS "
         "balance_before) "
         // Each charge's balance after it: the balance before the batch plus the running sum, in
         // the batch's order (the IDs follow it too).
         "INSERT INTO ledger (account_id, kind, amount, balance_after, request_id, note, origin, "
         "created_at) SELECT d.account_id, d.kind, d.amount, b.balance_before + sum(d.amount) "
         "OVER (PARTITION BY d.account_id ORDER BY d.n), d.request_id, d.note, d.origin, "
         "d.created_at FROM due d JOIN balances b ON b.id = d.account_id ORDER BY d.n";
}

// A charge, with the key of its call's record (`call`: null for a charge of no call).
void append_charge(std::vector<PgArray>& columns, const UsageRecord* call, const LedgerEntry& e,
                   std::int64_t now) {
  if (call) {
    columns[0].text(call->request_id);
    columns[1].integer(call->created_at);
  } else {
    columns[0].null();
    columns[1].null();
  }
  columns[2].text(e.account_id);
  columns[3].text(e.kind);
  columns[4].integer(e.amount);
  columns[5].text(e.request_id);
  columns[6].text(e.note);
  columns[7].text(e.origin);
  columns[8].integer(e.created_at != 0 ? e.created_at : now);
}

PgParams calls_params(const WriteBatch& batch) {
  std::vector<PgArray> usage(std::size(kPgUsageTypes));
  std::vector<PgArray> charges(std::size(kChargeTypes));
  const std::int64_t now = unix_ms_now();
  for (const auto& c : batch.calls) {
    append_usage(usage, c.usage);
    if (c.charge) append_charge(charges, &c.usage, *c.charge, now);
    yield_point();
  }
  for (const auto& c : batch.charges)
    append_charge(charges, nullptr, c, now);
  PgParams p;
  add_columns(p, usage);
  add_columns(p, charges);
  return p;
}

// The rows of `rows` as one array per column, keeping only the last of each ID when `last_wins`
// (an upsert may touch a row once per statement).
template <class Row, class Append>
PgParams rows_params(const std::vector<Row>& rows, std::size_t columns, Append append,
                     bool last_wins) {
  std::map<std::string_view, std::size_t> last;
  if (last_wins)
    for (std::size_t i = 0; i < rows.size(); ++i)
      last[rows[i].id] = i;
  std::vector<PgArray> arrays(columns);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (last_wins && last[rows[i].id] != i) continue;
    append(arrays, rows[i]);
    yield_point();
  }
  PgParams p;
  add_columns(p, arrays);
  return p;
}

// The instance's holds: each account's amount replaces its own, 0 removes it.
PgParams reserved_params(const ReservedAmounts& reserved) {
  std::map<std::string_view, NanoUsd> amounts;  // the last amount of an account named twice
  for (const auto& [account, amount] : reserved.amounts)
    amounts[account] = amount;
  PgArray accounts, values;
  for (const auto& [account, amount] : amounts) {
    accounts.text(account);
    values.integer(amount);
  }
  PgParams p;
  p.text(reserved.instance).text(accounts.take()).text(values.take()).integer(unix_ms_now());
  return p;
}

}  // namespace

void PostgresStore::commit(const WriteBatch& batch) {
  static const std::string kCalls = calls_sql();
  static const std::string kOutputs =
      pg_insert_rows("outputs", kPgOutputColumns, kPgOutputTypes, "ON CONFLICT (id) DO NOTHING");
  static const std::string kTaskOutputs =
      pg_upsert_rows("outputs", kPgOutputColumns, kPgOutputTypes);
  static const std::string kTasks = pg_task_upsert();
  static const std::string kReserved =
      "WITH r AS (SELECT * FROM unnest($2::text[], $3::bigint[]) AS r (account_id, amount)), "
      "gone AS (DELETE FROM reservations WHERE instance = $1::text AND account_id IN (SELECT "
      "account_id FROM r WHERE amount = 0)) "
      "INSERT INTO reservations (instance, account_id, amount, updated_at) SELECT $1::text, "
      "account_id, amount, $4::bigint FROM r WHERE amount <> 0 ON CONFLICT (instance, account_id) "
      "DO UPDATE SET amount = excluded.amount, updated_at = excluded.updated_at";

  if (batch.empty()) return;
  // Every parameter is built before a connection is leased: the lease is held for the round trip
  // alone.
  std::deque<PgParams> params;  // stays where it is as it grows
  std::vector<PgCall> calls;
  // Unprepared: each batch is planned for its own arrays' sizes.
  calls.push_back({"BEGIN", nullptr, false});
  auto add = [&](const std::string& sql, PgParams p) {
    params.push_back(std::move(p));
    calls.push_back({sql, &params.back(), false});
  };
  if (!batch.calls.empty() || !batch.charges.empty()) add(kCalls, calls_params(batch));
  // Outputs of calls keep their first version: an ID already stored (or twice in the batch) is
  // skipped. Task outputs and tasks replace theirs.
  if (!batch.outputs.empty())
    add(kOutputs, rows_params(batch.outputs, std::size(kPgOutputTypes), append_output, false));
  if (!batch.task_outputs.empty())
    add(kTaskOutputs,
        rows_params(batch.task_outputs, std::size(kPgOutputTypes), append_output, true));
  if (!batch.tasks.empty())
    add(kTasks, rows_params(batch.tasks, std::size(kPgTaskTypes), append_task, true));
  if (!batch.reserved.amounts.empty()) add(kReserved, reserved_params(batch.reserved));
  calls.push_back({"COMMIT", nullptr, false});
  for (int attempt = 1;; ++attempt) {
    try {
      auto c = pool_.acquire();
      c->pipeline(calls);
      return;
    } catch (const PgRetryable&) {
      if (attempt == kAttempts) throw;
    }
  }
}

}  // namespace glmgate
