// PostgresStore's ChangeFeed and SettingsStore. Positions come from the one-row change_counter
// table. A writer of a reported change (a key, an account, a grant, a setting) takes the next one
// with UPDATE ... RETURNING in the statement that writes the change, the last (here: only)
// statement of its transaction, and holds the row's lock until it commits; the next writer waits
// for that commit before it takes the next position. So positions become visible in the order they
// are handed out, unlike a sequence's (a transaction that drew 7 could commit after a reader saw 8
// and moved past 7), and a reader's snapshot that sees position P sees every change up to P. The
// lock is held from that last statement to the commit only, and no writer of the request path's
// rows (charges, records, outputs) takes it.
#include <thread>

#include "backends/postgres/postgres_rows.hpp"
#include "backends/postgres/postgres_store.hpp"
#include "backends/postgres/postgres_url.hpp"

namespace glmgate {

Changes PostgresStore::changes_since(const ChangeCursor& cursor, std::string_view own_origin) {
  PgParams after;
  after.integer(cursor.position);
  PgParams ledger_params;
  ledger_params.integer(cursor.position).text(std::string(own_origin));
  static const std::string kAccounts =
      "SELECT " + std::string(kPgAccountColumns) + " FROM accounts WHERE rev > $1 ORDER BY rev";
  static const std::string kKeys =
      "SELECT " + std::string(kPgKeyColumns) + " FROM api_keys WHERE rev > $1 ORDER BY rev";
  // Through ledger_changes, which holds only the rows with a position (no charge).
  static const std::string kLedger = "SELECT " + std::string(kPgLedgerColumns) +
                                     " FROM ledger WHERE rev > $1 AND origin <> $2 ORDER BY rev";
  // One snapshot for all of it, read in one round trip.
  std::vector<PgCall> calls = {
      {"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", nullptr, false},
      {"SELECT position FROM change_counter"},
      {kAccounts, &after},
      {kKeys, &after},
      {"SELECT name, value FROM settings WHERE rev > $1 ORDER BY rev", &after},
  };
  // From the first cursor every account is in this snapshot, its balance the sum of all its
  // ledger rows: listing them would only load the whole history for the caller to skip.
  if (cursor.position > 0) calls.push_back({kLedger, &ledger_params});
  calls.push_back({"COMMIT", nullptr, false});

  auto c = pool_.acquire();
  auto results = c->pipeline(calls);
  Changes out;
  out.cursor.position = results[1].integer(0, 0);
  out.accounts = read_rows(results[2], read_account);
  out.keys = read_rows(results[3], read_key);
  for (int i = 0; i < results[4].rows(); ++i)
    out.settings.push_back({results[4].text(i, 0), results[4].text(i, 1)});
  if (cursor.position > 0) out.ledger = read_rows(results[5], read_ledger);
  return out;
}

void PostgresStore::set_setting(const std::string& name, const std::string& value) {
  auto c = pool_.acquire();
  c->query(
      "WITH p AS (UPDATE change_counter SET position = position + 1 RETURNING position) "
      "INSERT INTO settings (name, value, rev) SELECT $1::text, $2::text, p.position FROM p "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value, rev = excluded.rev",
      PgParams().text(name).text(value));
}

std::optional<std::string> PostgresStore::setting(const std::string& name) {
  auto c = pool_.acquire();
  auto r = c->query("SELECT value FROM settings WHERE name = $1", PgParams().text(name));
  if (r.rows() == 0) return std::nullopt;
  return r.text(0, 0);
}

bool PostgresStore::wait_for_change(std::chrono::milliseconds timeout) {
  try {
    if (!listener_) {
      listener_ = std::make_unique<PgConnection>(url_, redact_postgres_url(url_));
      // Every change position taken notifies (migrations/0003: a trigger on change_counter),
      // delivered when its transaction commits.
      listener_->exec("LISTEN glmgate_changes");
      return true;  // changes made while nobody listened: the reader reads the feed once
    }
    return listener_->await_notification(timeout);
  } catch (const std::exception&) {
    listener_.reset();  // made again next time; meanwhile the poll interval serves
    std::this_thread::sleep_for(timeout);
    return false;
  }
}

}  // namespace glmgate
