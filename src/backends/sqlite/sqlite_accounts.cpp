// SqliteStore's AccountStore: accounts, the ledger, the instances' holds (reservations) and webhook
// secrets. A call's charge is usually kept in its usage row (sqlite_commit.cpp), so the ledger is
// read from both tables.
#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"

namespace glmgate {

void SqliteStore::insert_account(const AccountRecord& a) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  auto q = db_.prepare("SELECT 1 FROM accounts WHERE name = ?1 OR id = ?1 OR id = ?2");
  q.bind(1, a.name).bind(2, a.id);
  if (q.step()) throw StoreConflict("an account named \"" + a.name + "\" already exists");
  auto s = db_.prepare(
      "INSERT INTO accounts (id, name, balance, reserved, spent, created_at, rev) VALUES "
      "(?, ?, 0, 0, 0, ?, ?)");
  s.bind(1, a.id).bind(2, a.name).bind(3, a.created_at).bind(4, next_change());
  s.step();
  tx.commit();
}

std::optional<AccountRecord> SqliteStore::find_account(const std::string& id_or_name) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kAccountColumns) +
                       " FROM accounts WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC");
  s.bind(1, id_or_name);
  if (!s.step()) return std::nullopt;
  return read_account(s);
}

std::vector<AccountRecord> SqliteStore::list_accounts() {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kAccountColumns) +
                       " FROM accounts ORDER BY created_at, id");
  return read_rows(s, read_account);
}

LedgerEntry SqliteStore::append_ledger(const LedgerEntry& entry) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  auto row = apply_ledger(entry);
  if (!row) throw StoreConflict("no account has the id \"" + entry.account_id + "\"");
  tx.commit();
  return *row;
}

std::optional<LedgerEntry> SqliteStore::apply_ledger(const LedgerEntry& entry) {
  auto update =
      db_.prepare("UPDATE accounts SET balance = balance + ?1 WHERE id = ?2 RETURNING balance");
  update.bind(1, entry.amount).bind(2, entry.account_id);
  if (!update.step()) return std::nullopt;
  LedgerEntry row = entry;
  row.balance_after = update.integer(0);
  while (update.step()) {
  }
  if (row.created_at == 0) row.created_at = sqlite_now_ms();
  auto insert = db_.prepare("INSERT INTO ledger (" + std::string(kLedgerInsertColumns) +
                            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  // A charge is the wallet's own: the change feed does not report it (no position).
  std::int64_t rev = row.kind == ledger_kind::kCharge ? 0 : next_change();
  bind_ledger_row(insert, 0, row, row.balance_after, row.created_at, rev);  // `row` outlives it
  insert.step();
  row.id = db_.last_insert_rowid();
  return row;
}

std::vector<LedgerEntry> SqliteStore::ledger(const std::string& account_id) {
  std::lock_guard lock(mutex_);
  // The account's ledger rows and the charges kept in its usage rows, in the ledger's ID order.
  auto s = db_.prepare("SELECT " + std::string(kLedgerColumns) +
                       " FROM ledger WHERE account_id = ?1 UNION ALL SELECT " +
                       std::string(kUsageChargeColumns) +
                       " FROM usage WHERE account_id = ?1 AND ledger_id IS NOT NULL ORDER BY 1");
  s.bind(1, account_id);
  return read_rows(s, read_ledger);
}

// Through ledger_account (account_id, id), backwards; the few charges the ledger table keeps (a
// task's) are skipped as it walks.
std::vector<LedgerEntry> SqliteStore::ledger_page(const std::string& account_id,
                                                  std::int64_t before_id, std::int64_t limit) {
  return with_reports([&](SqliteDb& db) {
    auto s = db.prepare("SELECT " + std::string(kLedgerColumns) +
                        " FROM ledger WHERE account_id = ?1 AND id < ?2 AND kind <> 'charge' "
                        "ORDER BY id DESC LIMIT ?3");
    s.bind(1, account_id).bind(2, before_id > 0 ? before_id : INT64_MAX).bind(3, limit);
    return read_rows(s, read_ledger);
  });
}

// A background task's charge stays a ledger row (see apply_charges), so this reads only the
// ledger table, through ledger_task.
std::vector<LedgerEntry> SqliteStore::charges_for(const std::string& request_id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT " + std::string(kLedgerColumns) +
                       " FROM ledger WHERE request_id = ?1 AND request_id GLOB 'task_*' AND kind = "
                       "'charge' ORDER BY id");
  s.bind(1, request_id);
  return read_rows(s, read_ledger);
}

void SqliteStore::clear_reserved(const std::string& instance) {
  std::lock_guard lock(mutex_);
  db_.prepare("DELETE FROM reservations WHERE instance = ?").bind(1, instance).step();
}

void SqliteStore::set_webhook_secret(const std::string& account_id, const std::string& secret) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("UPDATE accounts SET webhook_secret = ? WHERE id = ?");
  s.bind(1, secret).bind(2, account_id);
  s.step();
  if (db_.changes() == 0) throw StoreConflict("no account has the id \"" + account_id + "\"");
}

std::string SqliteStore::webhook_secret(const std::string& account_id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare("SELECT webhook_secret FROM accounts WHERE id = ?");
  s.bind(1, account_id);
  return s.step() ? s.text(0) : std::string();
}

}  // namespace glmgate
