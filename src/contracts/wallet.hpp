// Wallet: an account's prepaid credits on the request path. A call holds an upper bound of its
// cost before the upstream is asked (reserve), and settles once with what it really cost.
//
// Threading: called from I/O threads and the task runner; must not block. The in-process
// implementation (accounts/account_book) answers at once from memory under the account's lock.
// Ordering and idempotence: every reservation is settled exactly once, on every path (a refused,
// failed or abandoned call settles with its cost or 0); settling twice is the caller's bug.
// Concurrent reservations never overspend: they are checked and taken atomically per account.
// Errors: reserve() returns 402 insufficient_quota when the account cannot cover the bound, 403
// when the key has no account (or the account is not known yet); settle() cannot fail: a charge
// it computes is handed back as a ledger row for the usage sink to commit with the call's record.
#pragma once

#include <optional>
#include <string>

#include "contracts/key_info.hpp"
#include "contracts/records.hpp"
#include "core/api_error.hpp"
#include "core/money.hpp"

namespace glmgate {

struct Reservation {
  NanoUsd amount = 0;
  bool metered = false;  // false: a key without an account (the operator's admin key)
  bool free = false;     // holds one of the account's free calls for the model
};

struct Settlement {
  NanoUsd charged = 0;
  bool free = false;  // the call used a free call and was recorded at cost 0
  // The ledger row of a charge, for the usage sink to commit together with the call's usage
  // record: a crash between two commits must not leave a charge without its record.
  std::optional<LedgerEntry> entry;
};

class Wallet {
 public:
  virtual ~Wallet() = default;
  // Holds an upper bound of the call's cost; 402 when the account cannot cover it.
  virtual Result<Reservation> reserve(const KeyInfo& key, const std::string& model,
                                      NanoUsd amount) = 0;
  // Charges `cost` (0 refunds in full) and releases the rest of the reservation.
  virtual Settlement settle(const KeyInfo& key, const std::string& model,
                            const Reservation& reservation, NanoUsd cost,
                            const std::string& request_id) = 0;
  // Cumulative charges of the account, for usage tiers.
  virtual NanoUsd spent(const std::string& account_id) const = 0;
};

}  // namespace glmgate
