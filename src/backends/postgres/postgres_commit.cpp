// PostgresStore's BatchStore: the batching writer's commit, the hot write path (every request's
// usage record goes through here). A batch is one transaction sent in one round trip (libpq's
// pipeline): BEGIN, a statement per kind of row that the batch holds, COMMIT. Each statement takes
// all its rows at once, as one binary array per column (unnest), so its cost does not grow with
// round trips. A call's charge and its output are kept in the call's usage row where they can be
// (contracts/store/batch_rows.hpp, migration 0006). The calls' statement locks the batch's
// accounts, numbers the charges and runs their balances, writes the usage rows, then one balance
// update per account for the sum of its charges in the batch (an account's row is locked once per
// batch, not once per request) and the charges no row keeps as ledger rows. A statement's calls
// that are all new and pay only their own charges (the common case) go in the lean statement of
// postgres_calls.hpp instead, which gets the running balances, totals and rollups from this
// process. The contract is in contracts/store/batch_store.hpp.
//
// A commit whose outcome was lost with the connection (COMMIT sent, no answer) is retried by the
// writer with the same records, and what came since: a record already stored (same request ID
// and time: the usage_record index) is skipped, and so is its call's charge, so a retried batch
// never charges twice (see calls_sql). Charges of no call (WriteBatch::charges) have no record to
// tell them by, as in SQLite.
#include <algorithm>
#include <deque>
#include <map>
#include <type_traits>

#include "backends/postgres/postgres_calls.hpp"
#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"
#include "contracts/store/batch_rows.hpp"
#include "core/clock.hpp"
#include "core/yield_point.hpp"

namespace glmgate {

namespace {

// How many times a batch that lost a deadlock (two writers locking the same accounts in another
// order) or a serialization failure runs again before the writer hears of it.
constexpr int kAttempts = 3;

// The most calls one statement of the commit writes (see commit()).
constexpr std::size_t kCallsPerStatement = 2000;

// A charge: the row of the batch that keeps it (its ordinal; NULL: a ledger row of its own), the
// key of its call's record (request ID and time; NULL for a charge of no call), then account,
// kind, amount, request, note, origin, time.
constexpr std::string_view kChargeTypes[] = {"bigint", "text", "bigint", "text", "text",
                                             "bigint", "text", "text",   "text", "bigint"};
// $1-$27 the usage rows (kPgUsageColumns, then kKeptTypes); $28-$37 every charge of the batch
// (kChargeTypes) in the order it changes its account's balance: those the rows keep, then the
// others. Written for hash joins: a batch has thousands of rows, and it is planned for its own
// arrays (sent unprepared, so PostgreSQL sees their sizes).
//
// `skip_stored` false: every record is new, and the usage insert fails on one already stored
// (usage_record) without a conflict check of its own (which cost an index search per call). The
// commit then runs again with `skip_stored` true, which skips the records already stored and the
// charges of their calls. A record that a commit still in flight stores meanwhile (its client
// gone, the server not yet aware) is skipped too, after that commit ends, and its charge with
// it; only the running balances this batch shows then count that charge.
std::string calls_sql(bool skip_stored) {
  const std::string usage(kPgUsageColumns);
  const std::string kept(kPgUsageOutputInsertColumns);
  const auto types = pg_call_row_types();
  const std::string charges =
      "SELECT * FROM " + pg_unnest(kChargeTypes, static_cast<int>(types.size()) + 1) +
      " WITH ORDINALITY AS c (kept_by, call_request, call_created, account_id, kind, amount, "
      "request_id, note, origin, created_at, n)";
  std::string sql = "WITH u AS (SELECT * FROM " + pg_unnest(types, 1) + " WITH ORDINALITY AS u (" +
                    usage + ", " + kept + ", n)), ";
  if (skip_stored) {
    // The charges of calls stored already are left out before the balances are run: a batch
    // requeued with what came since shows each new charge's true running balance.
    sql += "c AS MATERIALIZED (SELECT * FROM (" + charges +
           ") c WHERE call_request IS NULL OR NOT EXISTS (SELECT 1 FROM usage s WHERE "
           "s.request_id = c.call_request AND s.created_at = c.call_created)), ";
  } else {
    sql += "c AS MATERIALIZED (" + charges + "), ";
  }
  sql +=
      // The accounts' rows, locked in ID order (two writers never deadlock on them), with their
      // balances then. An unknown account's charges join nothing below: dropped.
      "locked AS MATERIALIZED (SELECT id, balance FROM accounts WHERE id IN (SELECT account_id "
      "FROM c) ORDER BY id FOR UPDATE), "
      // Each charge's ledger ID, drawn in the batch's order once the accounts are locked (so IDs
      // follow the order each balance changed, across writers too), and its balance after it.
      // The sequence is named once per statement (a cast outside the subquery ran per row).
      "run AS MATERIALIZED (SELECT r.*, nextval((SELECT pg_get_serial_sequence('ledger', "
      "'id')::regclass)) AS ledger_id FROM (SELECT c.n, c.kept_by, c.call_request, "
      "c.call_created, c.account_id, c.amount, c.origin, l.balance + sum(c.amount) OVER "
      "(PARTITION BY c.account_id ORDER BY c.n) AS balance_after FROM c JOIN locked l ON l.id = "
      "c.account_id ORDER BY c.n) r), "
      // The records, in the batch's order, each with the charge and output its row keeps.
      "recorded AS (INSERT INTO usage (" +
      usage + ", ledger_id, balance_after, charge_origin, " + kept + ") SELECT " +
      pg_prefixed(usage, "u.") + ", r.ledger_id, r.balance_after, r.origin, " +
      pg_prefixed(kept, "u.") + " FROM u LEFT JOIN run r ON r.kept_by = u.n ORDER BY u.n";
  if (skip_stored) {
    sql +=
        " ON CONFLICT (request_id, created_at) DO NOTHING RETURNING request_id, " +
        std::string(kPgRollupReturning) +
        "), "
        // The charges to apply: those of no call, and those whose call's record is new.
        "due AS (SELECT r.* FROM run r LEFT JOIN recorded d ON d.request_id = r.call_request AND "
        "d.created_at = r.call_created WHERE r.call_request IS NULL OR d.request_id IS NOT "
        "NULL), ";
  } else {
    sql += " RETURNING " + std::string(kPgRollupReturning) + "), due AS (SELECT * FROM run), ";
  }
  // The records inserted, added to the rollups in the same statement: once each.
  sql += pg_rollups("recorded") + ", ";
  return sql +
         // Each instance's charges shrink its lease on the account (lease_store.hpp), never
         // below 0; a data-modifying WITH runs whether or not the rest reads it.
         "shrunk AS (UPDATE leases l SET amount = GREATEST(0, l.amount + s.total) FROM (SELECT "
         "account_id, origin, sum(amount)::bigint AS total FROM due WHERE amount < 0 GROUP BY "
         "account_id, origin) s WHERE l.account_id = s.account_id AND l.instance = s.origin), "
         // One update per account.
         "balances AS (UPDATE accounts a SET balance = a.balance + t.total, spent = a.spent - "
         "t.total FROM (SELECT account_id, sum(amount)::bigint AS total FROM due GROUP BY "
         "account_id) t WHERE a.id = t.account_id) "
         // The charges no row keeps, with the IDs and balances drawn for them.
         "INSERT INTO ledger (id, account_id, kind, amount, balance_after, request_id, note, "
         "origin, created_at) OVERRIDING SYSTEM VALUE SELECT d.ledger_id, c.account_id, c.kind, "
         "c.amount, d.balance_after, c.request_id, c.note, c.origin, c.created_at FROM due d JOIN "
         "c ON c.n = d.n WHERE d.kept_by IS NULL ORDER BY d.ledger_id";
}

// A charge; `row`: the ordinal (from 1) of the row that keeps it, 0 for none; `call`: its call's
// record, null for a charge of no call.
void append_charge(std::vector<PgArray>& columns, std::int64_t row, const UsageRecord* call,
                   const LedgerEntry& e, std::int64_t now) {
  if (row > 0)
    columns[0].integer(row);
  else
    columns[0].null();
  if (call) {
    columns[1].text(call->request_id);
    columns[2].integer(call->created_at);
  } else {
    columns[1].null();
    columns[2].null();
  }
  columns[3].text(e.account_id);
  columns[4].text(e.kind);
  columns[5].integer(e.amount);
  columns[6].text(e.request_id);
  columns[7].text(e.note);
  columns[8].text(e.origin);
  columns[9].integer(e.created_at != 0 ? e.created_at : now);
}

// The calls [begin, end) of the batch, with their charges; `last`: the batch's charges of no call
// too.
PgParams calls_params(const WriteBatch& batch, const OutputPairing& outputs, std::size_t begin,
                      std::size_t end, bool last) {
  std::vector<PgArray> usage = pg_arrays(kPgUsageTypes);
  std::vector<PgArray> kept = pg_kept_arrays();
  std::vector<PgArray> charges = pg_arrays(kChargeTypes);
  const std::int64_t now = unix_ms_now();
  std::vector<std::size_t> own;  // the calls whose charges no row keeps
  for (std::size_t i = begin; i < end; ++i) {
    const CallWrite& c = batch.calls[i];
    append_usage(usage, c.usage);
    append_kept_output(kept, c.usage, outputs.kept[i]);
    if (c.charge && row_keeps(c.usage, *c.charge))
      append_charge(charges, static_cast<std::int64_t>(i - begin) + 1, &c.usage, *c.charge, now);
    else if (c.charge)
      own.push_back(i);
    yield_point();
  }
  for (std::size_t i : own)
    append_charge(charges, 0, &batch.calls[i].usage, *batch.calls[i].charge, now);
  if (last)
    for (const auto& c : batch.charges)
      append_charge(charges, 0, nullptr, c, now);
  PgParams p;
  add_columns(p, usage);
  add_columns(p, kept);
  add_columns(p, charges);
  return p;
}

// The rows of `rows` as one array per column, keeping only the last of each ID when `last_wins`
// (an upsert may touch a row once per statement).
template <class Row, class Append>
PgParams rows_params(const std::vector<Row>& rows, std::span<const std::string_view> types,
                     Append append, bool last_wins) {
  auto row = [&rows](std::size_t i) -> const auto& {
    if constexpr (std::is_pointer_v<Row>)
      return *rows[i];
    else
      return rows[i];
  };
  std::map<std::string_view, std::size_t> last;
  if (last_wins)
    for (std::size_t i = 0; i < rows.size(); ++i)
      last[row(i).id] = i;
  std::vector<PgArray> arrays = pg_arrays(types);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (last_wins && last[row(i).id] != i) continue;
    append(arrays, row(i));
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
  PgArray accounts(PgType::kText), values(PgType::kBigint);
  for (const auto& [account, amount] : amounts) {
    accounts.text(account);
    values.integer(amount);
  }
  PgParams p;
  p.text(reserved.instance).array(accounts).array(values).integer(unix_ms_now());
  return p;
}

}  // namespace

void PostgresStore::commit(const WriteBatch& batch) {
  static const std::string kCalls = calls_sql(false);
  static const std::string kCallsAgain = calls_sql(true);
  static const std::string kLean = pg_lean_calls_sql();
  // The most accounts a lean statement may name and still be sent prepared, with a generic plan:
  // its joins over the accounts' arrays are planned for a few, which is what a batch names.
  // Planning it for each batch's arrays was ~6% of PostgreSQL's CPU per call, most of it copying
  // the arrays into the plan as constants.
  constexpr std::size_t kGenericAccounts = 32;
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
  const OutputPairing outputs = pair_outputs(batch);
  // Every parameter is built before a connection is leased: the lease is held for the round trip
  // alone. `again`: after a record of the batch was found stored, every calls' statement is the
  // general one, skipping what is stored.
  std::deque<PgParams> params;  // stays where it is as it grows
  std::vector<PgCall> calls;
  auto build = [&](bool again) {
    params.clear();
    calls.clear();
    calls.push_back({"BEGIN", nullptr, false});
    bool generic = false;  // plan_cache_mode as set in this transaction
    auto add = [&](const std::string& sql, PgParams p, bool prepared = false) {
      // A prepared statement here is one whose plan does not depend on its arrays' sizes
      // (kGenericAccounts); every other is sent unprepared and planned for its own arrays.
      if (prepared != generic) {
        calls.push_back({prepared ? "SET LOCAL plan_cache_mode = force_generic_plan"
                                  : "SET LOCAL plan_cache_mode TO DEFAULT",
                         nullptr, false});
        generic = prepared;
      }
      params.push_back(std::move(p));
      calls.push_back({sql, &params.back(), prepared});
    };
    // The calls go in statements of at most kCallsPerStatement, in order, in the one transaction
    // (each runs its balances from where the one before left them). One statement of a whole
    // backlog cost more per call the larger it was (14,000 calls: 130 us each, against 29 at
    // 2,000): a writer that fell behind fell further behind. Each takes the lean statement where
    // it can (postgres_calls.hpp).
    const std::size_t n = batch.calls.size();
    for (std::size_t begin = 0; begin < n || (begin == 0 && !batch.charges.empty());
         begin += kCallsPerStatement) {
      const std::size_t end = std::min(n, begin + kCallsPerStatement);
      auto lean = again ? std::nullopt : pg_lean_calls_params(batch, outputs, begin, end, end == n);
      if (lean)
        add(kLean, std::move(lean->params), lean->accounts <= kGenericAccounts);
      else
        add(again ? kCallsAgain : kCalls, calls_params(batch, outputs, begin, end, end == n));
    }
    // Outputs of calls that no row keeps keep their first version: an ID already stored (or
    // twice in the batch) is skipped. Task outputs and tasks replace theirs.
    if (!outputs.own.empty())
      add(kOutputs, rows_params(outputs.own, kPgOutputTypes, append_output, false));
    if (!batch.task_outputs.empty())
      add(kTaskOutputs, rows_params(batch.task_outputs, kPgOutputTypes, append_output, true));
    if (!batch.tasks.empty())
      add(kTasks, rows_params(batch.tasks, kPgTaskTypes, append_task, true));
    if (!batch.reserved.amounts.empty()) add(kReserved, reserved_params(batch.reserved));
    calls.push_back({"COMMIT", nullptr, false});
  };
  build(false);
  bool again = false;
  for (int attempt = 1;; ++attempt) {
    try {
      auto c = pool_.acquire();
      c->pipeline(calls);
      return;
    } catch (const PgRetryable&) {
      if (attempt == kAttempts) throw;
    } catch (const PgUniqueViolation& e) {
      // Records stored already: this batch was committed before (its answer lost), or is being
      // committed by a connection that lost its client. Once more, skipping them (the lean
      // statement has no conflict check: the general one takes its calls).
      if (e.constraint != "usage_record" || again) throw;
      again = true;
      build(true);
    }
  }
}

}  // namespace glmgate
