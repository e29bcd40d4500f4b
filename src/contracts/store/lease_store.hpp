// LeaseStore: slices of an account's balance that one server instance may spend without asking
// the store, so that several instances share one balance without a database round trip per
// request (docs/ARCHITECTURE.md, "Money across instances"). An instance's wallet grows its lease
// when its open holds need more, spends it locally, and gives back what it does not need.
//
// Invariant: on every account, the live leases (expires_at > now) add up to at most the balance
// at the moment one of them last grew: growing is checked and taken under the account's lock. A
// charge an instance commits (BatchStore: a ledger row whose origin is the instance's name)
// shrinks that instance's lease on the account by the charge in the same transaction, so the
// leases stay within the balance as both fall. A grant raises the balance alone. An adjustment
// down may leave the leases above the balance until they are spent, given back or expire; that
// is the one way an account can go below zero, by at most its live leases.
// Expiry: a lease lives until its expires_at; renew_leases() moves an instance's forward. The
// leases of an instance killed without giving them back return to the account when they expire
// (the caller's ttl). An instance takes a new name each time it starts, so it never touches a
// lease of another process. A lease that expired is dead: renewing does not revive it, and
// growing it again starts from 0.
// Demand: an instance that cannot grow its lease by what it needs records a demand on the
// account; every other instance sees it in its next renew_leases() and gives back what it does
// not hold. A demand lasts until its instance grows its lease on the account or a ttl passes.
// Threading: every call blocks and is safe from any thread and several processes; never on an
// I/O thread (the wallet calls it from a thread of its own). Times are unix milliseconds from
// the caller's clock, so that tests can move them.
// Errors: contracts/store/store_error.hpp; StoreConflict for an account that does not exist.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/money.hpp"

namespace glmgate {

struct LeaseGrant {
  NanoUsd added = 0;      // 0, or between need and want
  NanoUsd available = 0;  // the balance less every live lease, after the call
};

struct Lease {
  std::string instance;
  NanoUsd amount = 0;
  std::int64_t expires_at = 0;
};

struct LeaseRenewal {
  std::vector<std::string> live;      // accounts on which the instance still holds a lease
  std::vector<std::string> demanded;  // accounts on which another instance asks for credit
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Adds to `instance`'s lease on the account as much of `want` as is free, and nothing when
  // less than `need` is free (need <= want); the lease then lives until now_ms + ttl_ms, and the
  // instance's demand on the account, if any, is cleared when it grew.
  virtual LeaseGrant grow_lease(const std::string& account_id, const std::string& instance,
                                NanoUsd need, NanoUsd want, std::int64_t now_ms,
                                std::int64_t ttl_ms) = 0;
  // Gives back up to `amount` of the instance's lease (never below 0).
  virtual void shrink_lease(const std::string& account_id, const std::string& instance,
                            NanoUsd amount) = 0;
  // Moves every live lease of the instance to expire at now_ms + ttl_ms; says which are live and
  // where others ask for credit (demands younger than ttl_ms).
  virtual LeaseRenewal renew_leases(const std::string& instance, std::int64_t now_ms,
                                    std::int64_t ttl_ms) = 0;
  // Records that `instance` needs credit on the account that other leases hold.
  virtual void demand_credit(const std::string& account_id, const std::string& instance,
                             std::int64_t now_ms) = 0;
  // Gives back every lease and demand of the instance (a clean exit).
  virtual void drop_leases(const std::string& instance) = 0;
  // The account's leases, live and expired, for reports and tests.
  virtual std::vector<Lease> leases(const std::string& account_id) = 0;
};

}  // namespace glmgate
