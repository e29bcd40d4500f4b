// Wallet: an account's prepaid credits on the request path. A call holds an upper bound of its
// cost before the upstream is asked, then either settles once with what it really cost or
// releases the hold when nothing is owed.
//
// Asking: try_hold() answers at once when it can (the in-process book always does); when it
// answers `pending` (a shared backend that needs a round trip), await hold(), which never does.
// The pipeline awaits only then, so an in-process wallet costs no coroutine frame. See
// contracts/decision.hpp for the four answers.
// Errors: refused with 402 insufficient_quota when the account cannot cover the bound, 403 when
// the key has no account (or the account is not known yet); `unavailable` (503) when a shared
// backend cannot be reached, and then nothing is held.
// Settling: settle() and release() never wait and cannot fail: a shared backend applies them in
// the background, exactly once per reservation (keyed by the request ID), and keeps them across
// its own outages. A charge settle() computes is handed back as a ledger row, for the usage sink
// to commit with the call's record.
// Threading: called from I/O threads and the task runner; nothing blocks. Every hold is settled
// or released exactly once, on every path; doing both, or either twice, is the caller's bug.
// Concurrent holds never overspend: they are checked and taken atomically per account.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "contracts/decision.hpp"
#include "contracts/key_info.hpp"
#include "contracts/records.hpp"
#include "core/money.hpp"

namespace glmgate {

struct Reservation {
  NanoUsd amount = 0;
  bool metered = false;  // false: a key without an account (the operator's admin key)
  bool free = false;     // holds one of the account's free calls for the model
  bool shared = false;   // that free call was taken from the count all instances share
};

struct Settlement {
  NanoUsd charged = 0;
  bool free = false;  // the call used a free call and was recorded at cost 0
  // The ledger row of a charge, for the usage sink to commit together with the call's usage
  // record: a crash between two commits must not leave a charge without its record.
  std::optional<LedgerEntry> entry;
};

using HoldDecision = Decision<Reservation>;

class Wallet {
 public:
  virtual ~Wallet() = default;
  // Holds `amount` of the account's credits for a call to `model`, or says why not, at once;
  // `pending` when only hold() can tell.
  virtual HoldDecision try_hold(const KeyInfo& key, const std::string& model, NanoUsd amount) = 0;
  // The same after a round trip to a shared backend; never `pending`. The arguments must outlive
  // the await (the pipeline awaits at once). An in-process wallet need not override it.
  virtual boost::asio::awaitable<HoldDecision> hold(const KeyInfo& key, const std::string& model,
                                                    NanoUsd amount) {
    co_return try_hold(key, model, amount);
  }
  // Charges `cost` and frees the rest of the hold.
  virtual Settlement settle(const KeyInfo& key, const std::string& model,
                            const Reservation& reservation, NanoUsd cost,
                            const std::string& request_id) = 0;
  // Frees the whole hold: the call failed and owes nothing (a free call's slot is given back).
  virtual void release(const KeyInfo& key, const std::string& model,
                       const Reservation& reservation) = 0;
  // Cumulative charges of the account, for usage tiers; a value a moment old will do (a shared
  // backend answers from its local copy).
  virtual NanoUsd spent(const std::string& account_id) const = 0;
};

}  // namespace glmgate
