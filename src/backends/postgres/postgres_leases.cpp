// PostgresStore's LeaseStore. A grow locks the account's row first (SELECT ... FOR UPDATE), then,
// in a statement of its own, reads the live leases: under READ COMMITTED each statement sees what
// committed before it began, so a grow that held the lock before this one is counted, and the
// leases never add up to more than the balance whatever the number of instances. A charge's
// shrink is in the batch commit (postgres_commit.cpp).
#include <algorithm>

#include "backends/postgres/postgres_store.hpp"

namespace glmgate {

LeaseGrant PostgresStore::grow_lease(const std::string& account_id, const std::string& instance,
                                     NanoUsd need, NanoUsd want, std::int64_t now_ms,
                                     std::int64_t ttl_ms) {
  auto c = pool_.acquire();
  PgTransaction tx(*c);
  auto balance = c->query("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE",
                          PgParams().text(account_id));
  if (balance.rows() == 0) throw StoreConflict("no account has the id \"" + account_id + "\"");
  // Every live lease, the instance's own included: what it holds is not free for it either.
  auto leased = c->query(
      "SELECT COALESCE(sum(amount), 0)::bigint FROM leases WHERE account_id = $1 AND "
      "expires_at > $2",
      PgParams().text(account_id).integer(now_ms));
  LeaseGrant grant;
  grant.available = std::max<NanoUsd>(0, balance.integer(0, 0) - leased.integer(0, 0));
  if (grant.available < need || want <= 0) return grant;  // rolled back: nothing written
  grant.added = std::min(want, grant.available);
  grant.available -= grant.added;
  // An expired lease of the instance is dead: it starts again from what is added now.
  c->query(
      "INSERT INTO leases (account_id, instance, amount, expires_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (account_id, instance) DO UPDATE SET amount = $3 + CASE WHEN "
      "leases.expires_at > $5 THEN leases.amount ELSE 0 END, expires_at = $4",
      PgParams()
          .text(account_id)
          .text(instance)
          .integer(grant.added)
          .integer(now_ms + ttl_ms)
          .integer(now_ms));
  c->query("DELETE FROM lease_demands WHERE account_id = $1 AND instance = $2",
           PgParams().text(account_id).text(instance));
  tx.commit();
  return grant;
}

void PostgresStore::shrink_lease(const std::string& account_id, const std::string& instance,
                                 NanoUsd amount) {
  auto c = pool_.acquire();
  c->query(
      "UPDATE leases SET amount = GREATEST(0, amount - $3) WHERE account_id = $1 AND "
      "instance = $2",
      PgParams().text(account_id).text(instance).integer(amount));
}

LeaseRenewal PostgresStore::renew_leases(const std::string& instance, std::int64_t now_ms,
                                         std::int64_t ttl_ms) {
  auto c = pool_.acquire();
  PgTransaction tx(*c);
  LeaseRenewal out;
  auto live = c->query(
      "UPDATE leases SET expires_at = $3 WHERE instance = $1 AND expires_at > $2 RETURNING "
      "account_id",
      PgParams().text(instance).integer(now_ms).integer(now_ms + ttl_ms));
  for (int i = 0; i < live.rows(); ++i)
    out.live.push_back(live.text(i, 0));
  // A dead lease is of no use to anyone: it goes, so the table holds only what may be live.
  c->query("DELETE FROM leases WHERE instance = $1 AND expires_at <= $2",
           PgParams().text(instance).integer(now_ms));
  auto demands = c->query(
      "SELECT account_id FROM lease_demands WHERE instance <> $1 AND at > $2 GROUP BY account_id "
      "ORDER BY account_id COLLATE \"C\"",
      PgParams().text(instance).integer(now_ms - ttl_ms));
  for (int i = 0; i < demands.rows(); ++i)
    out.demanded.push_back(demands.text(i, 0));
  c->query("DELETE FROM lease_demands WHERE at <= $1", PgParams().integer(now_ms - ttl_ms));
  tx.commit();
  // The holds an instance recorded count only under its live lease; the rows of one that died
  // with holds open go a lease after. Outside the renewal: instances that clean up at once wait
  // for each other's row locks here, not in the renewal.
  try {
    c->query(
        "DELETE FROM reservations r WHERE r.updated_at < $1 AND NOT EXISTS (SELECT 1 FROM leases "
        "l WHERE l.instance = r.instance AND l.expires_at > $2)",
        PgParams().integer(now_ms - ttl_ms).integer(now_ms));
  } catch (const std::exception&) {
    // Renewed all the same; the next round cleans up.
  }
  std::sort(out.live.begin(), out.live.end());
  return out;
}

void PostgresStore::demand_credit(const std::string& account_id, const std::string& instance,
                                  std::int64_t now_ms) {
  auto c = pool_.acquire();
  c->query(
      "INSERT INTO lease_demands (account_id, instance, at) VALUES ($1, $2, $3) ON CONFLICT "
      "(account_id, instance) DO UPDATE SET at = $3",
      PgParams().text(account_id).text(instance).integer(now_ms));
}

void PostgresStore::drop_leases(const std::string& instance) {
  auto c = pool_.acquire();
  PgTransaction tx(*c);
  c->query("DELETE FROM leases WHERE instance = $1", PgParams().text(instance));
  c->query("DELETE FROM lease_demands WHERE instance = $1", PgParams().text(instance));
  c->query("DELETE FROM reservations WHERE instance = $1", PgParams().text(instance));
  tx.commit();
}

std::vector<Lease> PostgresStore::leases(const std::string& account_id) {
  auto c = pool_.acquire();
  auto r = c->query(
      "SELECT instance, amount, expires_at FROM leases WHERE account_id = $1 ORDER BY instance "
      "COLLATE \"C\"",
      PgParams().text(account_id));
  std::vector<Lease> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.integer(i, 1), r.integer(i, 2)});
  return out;
}

}  // namespace glmgate
