// Store: the durable state behind glmgate (keys, accounts, ledger, usage records, settings).
// Every call blocks on disk, so it is used only by the CLI, the admin API's blocking pool and
// background threads, never on an I/O thread. Implementations are safe to call from several
// threads and from several processes sharing one store.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "contracts/records.hpp"

namespace glmgate {

// A request the store refuses (unknown account, duplicate name); the message says why.
struct StoreConflict : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The batching writer's unit: committed in one transaction, all or nothing.
struct WriteBatch {
  std::vector<UsageRecord> usage;
  std::vector<LedgerEntry> charges;                       // kind "charge", negative amounts
  std::vector<std::pair<std::string, NanoUsd>> reserved;  // account id -> open reservations
  std::vector<StoredOutput> outputs;                      // new IDs (each call draws one): inserted
  std::vector<StoredOutput> task_outputs;  // a task's, written again if it runs again: replaced
  std::vector<TaskRecord> tasks;           // state changes (replace by id)

  bool empty() const {
    return usage.empty() && charges.empty() && reserved.empty() && outputs.empty() &&
           task_outputs.empty() && tasks.empty();
  }
};

class Store {
 public:
  virtual ~Store() = default;

  // Keys.
  virtual void insert_key(const KeyRecord& key) = 0;
  virtual std::vector<KeyRecord> list_keys(const std::optional<std::string>& account_id) = 0;
  // False when no key has that id. Revoking twice is fine.
  virtual bool revoke_key(const std::string& id) = 0;
  virtual std::optional<KeyRecord> find_key(const std::string& id) = 0;
  virtual std::int64_t count_keys() = 0;

  // Accounts. Throws StoreConflict when the name is taken.
  virtual void insert_account(const AccountRecord& account) = 0;
  // By id ("acct_…") or by name.
  virtual std::optional<AccountRecord> find_account(const std::string& id_or_name) = 0;
  virtual std::vector<AccountRecord> list_accounts() = 0;

  // Changes the account's balance by `entry.amount` and appends the ledger row, in one
  // transaction; returns the row with its id and balance_after. Throws StoreConflict for an
  // unknown account.
  virtual LedgerEntry append_ledger(const LedgerEntry& entry) = 0;
  // The account's ledger, oldest first.
  virtual std::vector<LedgerEntry> ledger(const std::string& account_id) = 0;

  virtual void commit(const WriteBatch& batch) = 0;
  virtual std::vector<UsageRecord> usage(const UsageQuery& query) = 0;
  virtual std::vector<UsageSummary> usage_summary(const UsageQuery& query) = 0;
  virtual std::vector<FreeCallCount> free_calls_used() = 0;

  // Stored outputs. Reads return expired rows too until the sweep removes them.
  virtual std::optional<StoredOutput> find_output(const std::string& id) = 0;
  // False when no output of that account has the id.
  virtual bool delete_output(const std::string& id, const std::string& account_id) = 0;
  // Deletes up to `limit` outputs and ended tasks that expired before `now_ms`; returns how many.
  virtual std::int64_t sweep_expired(std::int64_t now_ms, std::int64_t limit) = 0;

  // Tasks. insert_task is durable when it returns.
  virtual void insert_task(const TaskRecord& task) = 0;
  virtual std::optional<TaskRecord> find_task(const std::string& id) = 0;
  // Tasks queued or in progress, and ended tasks whose webhook is still pending.
  virtual std::vector<TaskRecord> open_tasks() = 0;
  // The charge rows of a task run (its request ID starts with "task_"; others are not indexed).
  virtual std::vector<LedgerEntry> charges_for(const std::string& request_id) = 0;

  // The account's webhook signing secret ("whsec_…"), or empty.
  virtual void set_webhook_secret(const std::string& account_id, const std::string& secret) = 0;
  virtual std::string webhook_secret(const std::string& account_id) = 0;

  // Settings shared by the CLI and the server ("paused").
  virtual void set_setting(const std::string& name, const std::string& value) = 0;
  virtual std::optional<std::string> setting(const std::string& name) = 0;

  // Everything changed since `cursor`, read in one transaction so that a new account's balance
  // and the ledger rows after the cursor never count a row twice. Ledger rows written by
  // `own_origin` are skipped (the server applied them in memory before writing them).
  virtual SyncChanges sync(const SyncCursor& cursor, const std::string& own_origin) = 0;
  // Forgets open reservations left by a server that died (they live only in its memory).
  virtual void clear_reserved() = 0;
};

// Opens the store named by a config `store` value ("sqlite:PATH"), creating the file, its
// directory and the schema when missing. Throws std::runtime_error with a readable message.
std::unique_ptr<Store> open_store(const std::string& spec);

}  // namespace glmgate
