// SqliteStore's BatchStore: the batching writer's commit, the hot write path (every request's
// usage row goes through here). A call's charge and its output are kept in the call's usage row
// where they can be (one row per request instead of three: the ledger row, the outputs row and
// their index entries were a third of the bytes and ~20% of the instructions a request cost);
// rows go in multi-row INSERTs of prepared, cached statements. The contract is in
// contracts/store/batch_store.hpp.
#include <map>

#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"
#include "contracts/store/batch_rows.hpp"
#include "core/yield_point.hpp"

namespace glmgate {

// A usage row of the batch, with its call's charge (the balance after it) and its call's output
// when the row keeps them.
struct UsageRow {
  const UsageRecord* record;
  std::int64_t ledger_id = 0;  // 0: not a charge
  NanoUsd balance_after = 0;
  const StoredOutput* output = nullptr;
};

namespace {

// A charge that becomes a ledger row, with the figures the commit adds (no copy of its strings).
struct ChargeRow {
  const LedgerEntry* entry;
  NanoUsd balance_after;
  std::int64_t created_at;
};

void bind_charge_row(SqliteStatement& s, int offset, const ChargeRow& row) {
  bind_ledger_row(s, offset, *row.entry, row.balance_after, row.created_at, 0);
}

void bind_text_or_null(SqliteStatement& s, int index, std::string_view text,
                       std::string_view null_value) {
  if (text == null_value)
    s.bind_null(index);
  else
    s.bind_view(index, text);
}

void bind_usage_insert_row(SqliteStatement& s, int offset, const UsageRow& row) {
  bind_usage_row(s, offset, *row.record);
  offset += kUsageParams;
  if (row.ledger_id != 0)
    s.bind(offset + 1, row.ledger_id).bind(offset + 2, row.balance_after);
  else
    s.bind_null(offset + 1).bind_null(offset + 2);
  offset += 2;
  const StoredOutput* o = row.output;
  if (!o) {
    for (int i = 1; i <= kUsageOutputParams; ++i)
      s.bind_null(offset + i);
    return;
  }
  s.bind_view(offset + 1, o->id);
  bind_text_or_null(s, offset + 2, o->status, "completed");
  s.bind_view(offset + 3, o->body);
  bind_text_or_null(s, offset + 4, o->context, "");
  bind_text_or_null(s, offset + 5, o->previous_id, "");
  if (o->created_at == row.record->created_at)
    s.bind_null(offset + 6);
  else
    s.bind(offset + 6, o->created_at);
  s.bind(offset + 7, o->expires_at);
}

void bind_output_pointer_row(SqliteStatement& s, int offset, const StoredOutput* const& o) {
  bind_output_row(s, offset, *o);
}

}  // namespace

void SqliteStore::commit(const WriteBatch& batch) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  std::vector<UsageRow> usage_rows;
  usage_rows.reserve(batch.calls.size());
  for (const auto& call : batch.calls)
    usage_rows.push_back({&call.usage});
  apply_charges(batch, usage_rows);
  OutputPairing outputs = pair_outputs(batch);
  for (std::size_t i = 0; i < usage_rows.size(); ++i)
    usage_rows[i].output = outputs.kept[i];
  insert_rows("INSERT OR FAIL INTO usage (" + std::string(kUsageColumns) +
                  ", ledger_id, balance_after, " + std::string(kUsageOutputInsertColumns) + ")",
              kUsageParams + 2 + kUsageOutputParams, usage_rows, bind_usage_insert_row);
  {
    std::vector<const UsageRecord*> records;
    records.reserve(usage_rows.size());
    for (const auto& row : usage_rows)
      records.push_back(row.record);
    add_to_rollups(records);
  }
  // OR IGNORE: an ID already stored (it cannot be: each call draws a new one) must not fail the
  // batch, which the writer would then retry forever.
  insert_rows("INSERT OR IGNORE INTO outputs (" + std::string(kOutputColumns) + ")", kOutputParams,
              outputs.own, bind_output_pointer_row);
  insert_rows("INSERT OR REPLACE INTO outputs (" + std::string(kOutputColumns) + ")", kOutputParams,
              batch.task_outputs, bind_output_row);
  if (!batch.tasks.empty()) {
    SqliteStatement& s = cached_statement("tasks", task_upsert_sql);
    for (const auto& t : batch.tasks) {
      s.reset();
      bind_task(s, t);
      s.step();
      yield_point();
    }
  }
  if (!batch.reserved.amounts.empty()) write_reserved(batch.reserved);
  shrink_charged_leases(batch);
  tx.commit();
}

// Each instance's charges on an account shrink its lease there (contracts/store/lease_store.hpp):
// one update per account and origin of the batch.
void SqliteStore::shrink_charged_leases(const WriteBatch& batch) {
  std::map<std::pair<std::string_view, std::string_view>, NanoUsd> totals;
  auto add = [&totals](const LedgerEntry& c) {
    if (c.amount < 0) totals[{c.account_id, c.origin}] += c.amount;  // never grows one
  };
  for (const auto& call : batch.calls)
    if (call.charge) add(*call.charge);
  for (const auto& c : batch.charges)
    add(c);
  if (totals.empty()) return;
  SqliteStatement& shrink = cached_statement("lease charge", [] {
    return std::string(
        "UPDATE leases SET amount = MAX(0, amount + ?3) WHERE account_id = ?1 AND instance = ?2");
  });
  for (const auto& [owner, total] : totals) {
    shrink.reset();
    shrink.bind_view(1, owner.first).bind_view(2, owner.second).bind(3, total);
    shrink.step();
  }
}

// One balance update per account, then each charge's running balance: the calls' charges in
// their order, then the batch's other charges. A call's charge that its usage row can keep is
// kept there (ledger_id and balance_after set); any other becomes a ledger row. A background
// task's charge stays a ledger row, where its recovery after a restart looks for it
// (charges_for, the ledger_task index).
void SqliteStore::apply_charges(const WriteBatch& batch, std::vector<UsageRow>& usage_rows) {
  std::map<std::string, NanoUsd> totals;
  for (const auto& call : batch.calls)
    if (call.charge) totals[call.charge->account_id] += call.charge->amount;
  for (const auto& c : batch.charges)
    totals[c.account_id] += c.amount;
  if (totals.empty()) return;
  SqliteStatement& update = cached_statement("charge", [] {
    return "UPDATE accounts SET balance = balance + ?1, spent = spent - ?1 WHERE id = ?2 "
           "RETURNING balance";
  });
  std::map<std::string, NanoUsd> running;  // the balance before this batch's charges
  for (const auto& [id, total] : totals) {
    update.reset();
    update.bind(1, total).bind(2, id);
    if (!update.step()) continue;  // an unknown account cannot hold a reservation
    running[id] = update.integer(0) - total;
    while (update.step()) {
    }
  }
  std::vector<std::pair<const LedgerEntry*, UsageRow*>> kept;  // charges kept in usage rows
  std::vector<const LedgerEntry*> own_rows;                    // charges as ledger rows
  kept.reserve(batch.calls.size());
  for (std::size_t i = 0; i < batch.calls.size(); ++i) {
    const auto& charge = batch.calls[i].charge;
    if (!charge || !running.count(charge->account_id)) continue;
    if (row_keeps(batch.calls[i].usage, *charge))
      kept.emplace_back(&*charge, &usage_rows[i]);
    else
      own_rows.push_back(&*charge);
  }
  for (const auto& c : batch.charges)
    if (running.count(c.account_id)) own_rows.push_back(&c);
  // The kept charges take the next IDs of the ledger's AUTOINCREMENT sequence, so a listing of
  // both kinds by ID is unique and in the order the balance changed; the ledger rows inserted
  // below then come after them.
  std::int64_t next_id = reserve_ledger_ids(static_cast<std::int64_t>(kept.size()));
  for (auto& [charge, row] : kept) {
    NanoUsd& balance = running[charge->account_id];
    balance += charge->amount;
    row->ledger_id = next_id++;
    row->balance_after = balance;
  }
  std::vector<ChargeRow> ledger_rows;
  ledger_rows.reserve(own_rows.size());
  for (const LedgerEntry* c : own_rows) {
    NanoUsd& balance = running[c->account_id];
    balance += c->amount;
    ledger_rows.push_back({c, balance, c->created_at != 0 ? c->created_at : sqlite_now_ms()});
  }
  insert_rows("INSERT OR FAIL INTO ledger (" + std::string(kLedgerInsertColumns) + ")",
              kLedgerInsertParams, ledger_rows, bind_charge_row);
}

// The first of `n` IDs reserved from the ledger's AUTOINCREMENT sequence (which SQLite never
// hands out again), inside the writer's transaction.
std::int64_t SqliteStore::reserve_ledger_ids(std::int64_t n) {
  if (n == 0) return 0;
  SqliteStatement& bump = cached_statement("ledger ids", [] {
    return "UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT COALESCE(MAX(id), 0) FROM ledger)) "
           "+ ?1 WHERE name = 'ledger' RETURNING seq";
  });
  bump.reset();
  bump.bind(1, n);
  if (bump.step()) {
    std::int64_t last = bump.integer(0);
    while (bump.step()) {
    }
    return last - n + 1;
  }
  // No ledger row was ever written: the sequence has no row yet.
  db_.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('ledger', ?1)").bind(1, n).step();
  return 1;
}

// Each account's amount replaces the instance's; 0 removes it.
void SqliteStore::write_reserved(const ReservedAmounts& reserved) {
  SqliteStatement& upsert = cached_statement("reserve", [] {
    return "INSERT INTO reservations (instance, account_id, amount, updated_at) VALUES "
           "(?1, ?2, ?3, ?4) ON CONFLICT (instance, account_id) DO UPDATE SET amount = ?3, "
           "updated_at = ?4";
  });
  SqliteStatement& remove = cached_statement("unreserve", [] {
    return "DELETE FROM reservations WHERE instance = ?1 AND account_id = ?2";
  });
  const std::int64_t now = sqlite_now_ms();
  for (const auto& [account_id, amount] : reserved.amounts) {
    SqliteStatement& s = amount != 0 ? upsert : remove;
    s.reset();
    s.bind_view(1, reserved.instance).bind_view(2, account_id);
    if (amount != 0) s.bind(3, amount).bind(4, now);
    s.step();
    yield_point();
  }
}

// Inserts `rows` 32 at a time ("VALUES (...), (...), ..."), the remainder 8 and then one at a
// time: a statement's fixed cost (opening cursors, finding the last rowid, halting, resetting) is
// then paid once per chunk rather than once per row, also for a small batch. `bind(statement,
// offset, row)` binds one row's `columns` values at parameters offset+1 ... offset+columns; the
// rows must outlive the statements (they may be bound without a copy). A multi-row statement that
// can abort halfway (the default ABORT on a NOT NULL column, a foreign key, REPLACE) keeps a
// statement journal, a copy of every page it touches, to undo its own rows: hence the writer's OR
// FAIL / OR IGNORE (its batch's transaction is rolled back on any error anyway).
template <class Row, class Bind>
void SqliteStore::insert_rows(const std::string& head, int columns, const std::vector<Row>& rows,
                              Bind bind) {
  std::size_t first = 0;
  for (std::size_t chunk : {32, 8, 1}) {
    if (rows.size() - first < chunk) continue;
    // A 32-row statement takes SQLite as long to compile as a few hundred rows take to insert.
    SqliteStatement& s = cached_statement(head + "|" + std::to_string(chunk), [&] {
      std::string one = "(?";
      for (int c = 1; c < columns; ++c)
        one += ", ?";
      one += ")";
      std::string sql = head + " VALUES " + one;
      for (std::size_t r = 1; r < chunk; ++r)
        sql += ", " + one;
      return sql;
    });
    for (; first + chunk <= rows.size(); first += chunk) {
      s.rewind();  // every parameter is bound again below
      for (std::size_t k = 0; k < chunk; ++k)
        bind(s, static_cast<int>(k) * columns, rows[first + k]);
      s.step();
      yield_point();  // the writer's batch: a request thread waits for one chunk at most
    }
  }
}

}  // namespace glmgate
