// AccountStore: accounts, their balances and the ledger (every change to a balance), the open
// holds each server instance records, and an account's webhook signing secret.
//
// Threading: every call blocks and is safe from any thread and from several processes sharing
// one store. Never on an I/O thread: the request path holds and settles credits in a Wallet
// (contracts/wallet.hpp), whose charges reach the ledger through the batch commit
// (contracts/store/batch_store.hpp).
// Invariant: an account's balance equals the sum of its ledger rows, after every call and every
// commit, whoever wrote them: a balance changes only together with its ledger row, in one
// transaction.
// Ordering: ledger rows are listed in the order their balance changes happened (LedgerEntry::id
// increases with it), and each row's balance_after is the balance right after it. Grants,
// adjustments and refunds (append_ledger) take a change position, so the change feed reports them
// to other writers; charges do not (the wallet that made them holds them already).
// Holds: each server instance records the open holds of its wallet under its own instance name
// (WriteBatch::reserved); AccountRecord::reserved is their sum over instances, for reports. An
// instance that restarts clears its own (its holds died with its memory) and never another's. A
// store that serves several instances (serves_several()) counts an instance's holds on an account
// only while its lease on the account lives (lease_store.hpp): a killed one's stop counting.
// Errors: contracts/store/store_error.hpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "contracts/records.hpp"

namespace glmgate {

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // A new account, balance 0. `account.rev` is ignored. StoreConflict when the name (or the ID)
  // is taken, or the name is another account's ID.
  virtual void insert_account(const AccountRecord& account) = 0;
  // By ID ("acct_…") or by name; an ID wins over a name.
  virtual std::optional<AccountRecord> find_account(const std::string& id_or_name) = 0;
  // Oldest first.
  virtual std::vector<AccountRecord> list_accounts() = 0;

  // Changes the account's balance by `entry.amount` and appends the ledger row, in one
  // transaction; returns the row with its id, balance_after and created_at (now when 0).
  // StoreConflict for an unknown account (nothing written).
  virtual LedgerEntry append_ledger(const LedgerEntry& entry) = 0;
  // The account's ledger, oldest first: every row appended and every charge committed.
  virtual std::vector<LedgerEntry> ledger(const std::string& account_id) = 0;
  // The account's grants, adjustments and refunds (not the calls' charges: the request log lists
  // those), newest first, with IDs below `before_id` when it is not 0; at most `limit`.
  virtual std::vector<LedgerEntry> ledger_page(const std::string& account_id,
                                               std::int64_t before_id, std::int64_t limit) = 0;
  // The charges of a background task's run (its request ID starts with "task_"), oldest first.
  // What a recovery after a restart looks for: a run whose charge committed ended.
  virtual std::vector<LedgerEntry> charges_for(const std::string& request_id) = 0;

  // Forgets the holds `instance` recorded (it restarted: they died with it). Another instance's
  // are untouched.
  virtual void clear_reserved(const std::string& instance) = 0;

  // The account's webhook signing secret ("whsec_…"), or empty. StoreConflict: no such account.
  virtual void set_webhook_secret(const std::string& account_id, const std::string& secret) = 0;
  virtual std::string webhook_secret(const std::string& account_id) = 0;
};

}  // namespace glmgate
