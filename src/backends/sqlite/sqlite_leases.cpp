// SqliteStore's LeaseStore. BEGIN IMMEDIATE takes the database's write lock before the balance
// and the leases are read, so a grow checks and takes its credit with no other writer between:
// the whole file is the account's lock. A charge's shrink is in the batch commit
// (sqlite_commit.cpp).
#include <algorithm>

#include "backends/sqlite/sqlite_rows.hpp"
#include "backends/sqlite/sqlite_store.hpp"

namespace glmgate {

LeaseGrant SqliteStore::grow_lease(const std::string& account_id, const std::string& instance,
                                   NanoUsd need, NanoUsd want, std::int64_t now_ms,
                                   std::int64_t ttl_ms) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  auto balance = db_.prepare("SELECT balance FROM accounts WHERE id = ?");
  balance.bind(1, account_id);
  if (!balance.step()) throw StoreConflict("no account has the id \"" + account_id + "\"");
  // Every live lease, the instance's own included: what it holds is not free for it either.
  auto leased = db_.prepare(
      "SELECT COALESCE(SUM(amount), 0) FROM leases WHERE account_id = ?1 AND expires_at > ?2");
  leased.bind(1, account_id).bind(2, now_ms);
  leased.step();
  LeaseGrant grant;
  grant.available = std::max<NanoUsd>(0, balance.integer(0) - leased.integer(0));
  if (grant.available < need || want <= 0) return grant;  // rolled back: nothing written
  grant.added = std::min(want, grant.available);
  grant.available -= grant.added;
  // An expired lease of the instance is dead: it starts again from what is added now.
  auto upsert = db_.prepare(
      "INSERT INTO leases (account_id, instance, amount, expires_at) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (account_id, instance) DO UPDATE SET amount = ?3 + CASE WHEN expires_at > ?5 "
      "THEN amount ELSE 0 END, expires_at = ?4");
  upsert.bind(1, account_id).bind(2, instance).bind(3, grant.added).bind(4, now_ms + ttl_ms);
  upsert.bind(5, now_ms);
  upsert.step();
  auto satisfied = db_.prepare("DELETE FROM lease_demands WHERE account_id = ?1 AND instance = ?2");
  satisfied.bind(1, account_id).bind(2, instance);
  satisfied.step();
  tx.commit();
  return grant;
}

void SqliteStore::shrink_lease(const std::string& account_id, const std::string& instance,
                               NanoUsd amount) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(
      "UPDATE leases SET amount = MAX(0, amount - ?3) WHERE account_id = ?1 AND instance = ?2");
  s.bind(1, account_id).bind(2, instance).bind(3, amount);
  s.step();
}

LeaseRenewal SqliteStore::renew_leases(const std::string& instance, std::int64_t now_ms,
                                       std::int64_t ttl_ms) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  LeaseRenewal out;
  auto renew = db_.prepare(
      "UPDATE leases SET expires_at = ?3 WHERE instance = ?1 AND expires_at > ?2 "
      "RETURNING account_id");
  renew.bind(1, instance).bind(2, now_ms).bind(3, now_ms + ttl_ms);
  while (renew.step())
    out.live.push_back(renew.text(0));
  // A dead lease is of no use to anyone: it goes, so the table holds only what may be live.
  auto dead = db_.prepare("DELETE FROM leases WHERE instance = ?1 AND expires_at <= ?2");
  dead.bind(1, instance).bind(2, now_ms);
  dead.step();
  auto demands = db_.prepare(
      "SELECT DISTINCT account_id FROM lease_demands WHERE instance <> ?1 AND at > ?2 "
      "ORDER BY account_id");
  demands.bind(1, instance).bind(2, now_ms - ttl_ms);
  while (demands.step())
    out.demanded.push_back(demands.text(0));
  auto stale = db_.prepare("DELETE FROM lease_demands WHERE at <= ?1");
  stale.bind(1, now_ms - ttl_ms);
  stale.step();
  tx.commit();
  std::sort(out.live.begin(), out.live.end());
  return out;
}

void SqliteStore::demand_credit(const std::string& account_id, const std::string& instance,
                                std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(
      "INSERT INTO lease_demands (account_id, instance, at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (account_id, instance) DO UPDATE SET at = ?3");
  s.bind(1, account_id).bind(2, instance).bind(3, now_ms);
  s.step();
}

void SqliteStore::drop_leases(const std::string& instance) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  db_.prepare("DELETE FROM leases WHERE instance = ?").bind(1, instance).step();
  db_.prepare("DELETE FROM lease_demands WHERE instance = ?").bind(1, instance).step();
  tx.commit();
}

std::vector<Lease> SqliteStore::leases(const std::string& account_id) {
  std::lock_guard lock(mutex_);
  auto s = db_.prepare(
      "SELECT instance, amount, expires_at FROM leases WHERE account_id = ? ORDER BY instance");
  s.bind(1, account_id);
  std::vector<Lease> out;
  while (s.step())
    out.push_back({s.text(0), s.integer(1), s.integer(2)});
  return out;
}

}  // namespace glmgate
