// PostgresStore's AccountStore: accounts, the ledger, the instances' holds (reservations) and
// webhook secrets. A balance and its ledger row change in one statement, the account's row lock
// ordering the writers of one account: its ledger IDs follow the order its balance changed.
#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"
#include "core/clock.hpp"

namespace glmgate {

void PostgresStore::insert_account(const AccountRecord& a) {
  auto c = pool_.acquire();
  const std::string taken = "an account named \"" + a.name + "\" already exists";
  PgResult r;
  try {
    // A name may be neither another's name nor another's ID (find_account takes both).
    r = c->query(
        "WITH p AS (UPDATE change_counter SET position = position + 1 WHERE NOT EXISTS (SELECT "
        "1 FROM accounts WHERE name = $2::text OR id = $2::text OR id = $1::text) RETURNING "
        "position) INSERT INTO accounts (id, name, balance, spent, created_at, rev) SELECT "
        "$1::text, $2::text, 0, 0, $3::bigint, p.position FROM p",
        PgParams().text(a.id).text(a.name).integer(a.created_at));
  } catch (const StoreConflict&) {
    throw StoreConflict(taken);  // another writer took it meanwhile
  }
  if (r.affected() == 0) throw StoreConflict(taken);
}

std::optional<AccountRecord> PostgresStore::find_account(const std::string& id_or_name) {
  auto c = pool_.acquire();
  auto r = c->query("SELECT " + std::string(kPgAccountColumns) +
                        " FROM accounts WHERE id = $1 OR name = $1 ORDER BY id = $1 DESC LIMIT 1",
                    PgParams().text(id_or_name));
  if (r.rows() == 0) return std::nullopt;
  return read_account(r, 0);
}

std::vector<AccountRecord> PostgresStore::list_accounts() {
  auto c = pool_.acquire();
  return read_rows(c->query("SELECT " + std::string(kPgAccountColumns) +
                            " FROM accounts ORDER BY created_at, id COLLATE \"C\""),
                   read_account);
}

LedgerEntry PostgresStore::append_ledger(const LedgerEntry& entry) {
  LedgerEntry row = entry;
  if (row.created_at == 0) row.created_at = unix_ms_now();
  // A charge is the wallet's own: the change feed does not report it (no position).
  const bool reported = row.kind != ledger_kind::kCharge;
  PgParams p;
  p.text(row.account_id).integer(row.amount).text(row.kind).text(row.request_id).text(row.note);
  p.text(row.origin).integer(row.created_at).boolean(reported);
  auto c = pool_.acquire();
  // One statement: the balance (locking the account's row), then the change position when the
  // account exists, then the row.
  auto r = c->query(
      "WITH a AS (UPDATE accounts SET balance = balance + $2::bigint WHERE id = $1::text "
      "RETURNING balance), p AS (UPDATE change_counter SET position = position + 1 WHERE "
      "$8::boolean AND EXISTS (SELECT 1 FROM a) RETURNING position) "
      "INSERT INTO ledger (account_id, kind, amount, balance_after, request_id, note, origin, "
      "created_at, rev) SELECT $1::text, $3::text, $2::bigint, a.balance, $4::text, $5::text, "
      "$6::text, $7::bigint, (SELECT position FROM p) FROM a RETURNING id, balance_after",
      p);
  if (r.rows() == 0) throw StoreConflict("no account has the id \"" + entry.account_id + "\"");
  row.id = r.integer(0, 0);
  row.balance_after = r.integer(0, 1);
  return row;
}

std::vector<LedgerEntry> PostgresStore::ledger(const std::string& account_id) {
  auto c = pool_.acquire();
  // The account's ledger rows and the charges kept in its usage rows (migration 0006), in the
  // ledger's ID order.
  static const std::string kQuery = "SELECT " + std::string(kPgLedgerColumns) +
                                    " FROM ledger WHERE account_id = $1 UNION ALL SELECT " +
                                    std::string(kPgUsageChargeColumns) +
                                    " FROM usage WHERE account_id = $1 AND ledger_id IS NOT NULL "
                                    "ORDER BY 1";
  return read_rows(c->query(kQuery, PgParams().text(account_id)), read_ledger);
}

// Through ledger_account (account_id, id), backwards, skipping the few charges the ledger table
// keeps.
std::vector<LedgerEntry> PostgresStore::ledger_page(const std::string& account_id,
                                                    std::int64_t before_id, std::int64_t limit) {
  auto c = pool_.acquire();
  return read_rows(
      c->query("SELECT " + std::string(kPgLedgerColumns) +
                   " FROM ledger WHERE account_id = $1 AND id < $2::bigint AND kind <> 'charge' "
                   "ORDER BY id DESC LIMIT $3::bigint",
               PgParams()
                   .text(account_id)
                   .integer(before_id > 0 ? before_id : INT64_MAX)
                   .integer(limit)),
      read_ledger);
}

// Through the ledger_task index (its predicate repeated). A task's charge is always a ledger row
// (contracts/store/batch_rows.hpp).
std::vector<LedgerEntry> PostgresStore::charges_for(const std::string& request_id) {
  auto c = pool_.acquire();
  return read_rows(c->query("SELECT " + std::string(kPgLedgerColumns) +
                                " FROM ledger WHERE kind = 'charge' AND left(request_id, 5) = "
                                "'task_' AND request_id = $1 ORDER BY id",
                            PgParams().text(request_id)),
                   read_ledger);
}

void PostgresStore::clear_reserved(const std::string& instance) {
  auto c = pool_.acquire();
  c->query("DELETE FROM reservations WHERE instance = $1", PgParams().text(instance));
}

void PostgresStore::set_webhook_secret(const std::string& account_id, const std::string& secret) {
  auto c = pool_.acquire();
  auto r = c->query("UPDATE accounts SET webhook_secret = $2 WHERE id = $1",
                    PgParams().text(account_id).text(secret));
  if (r.affected() == 0) throw StoreConflict("no account has the id \"" + account_id + "\"");
}

std::string PostgresStore::webhook_secret(const std::string& account_id) {
  auto c = pool_.acquire();
  auto r =
      c->query("SELECT webhook_secret FROM accounts WHERE id = $1", PgParams().text(account_id));
  return r.rows() > 0 ? r.text(0, 0) : std::string();
}

}  // namespace glmgate
