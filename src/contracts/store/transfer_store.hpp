// TransferStore: every row of an install as the store keeps it — IDs, times, running balances,
// revocations, task states, outputs with their expiry — listed a page at a time and written as
// it is into another store, for `glmgate store copy` (cli/store_transfer.hpp), which moves an
// install from one backend to another (SQLite to PostgreSQL, or back). Accounts, keys, webhook
// secrets and settings are read through their own contracts (list_accounts, list_keys,
// webhook_secret, export_settings here); what those cannot carry is here.
//
// Listing: each export_* lists every row of its kind once, a page of up to `limit` rows at a
// time, in an order of the backend's choosing (a backend that keeps a row inside another, as
// SQLite keeps a call's charge and output in its usage row, lists it as a row of its kind too).
// The caller passes back the cursor each page returned until one comes back `done`; a page may
// hold fewer rows than `limit`, or none, before that. Pages are separate reads: rows written
// meanwhile may be missed or listed, which the copy's verification then finds (copy from a store
// no server is writing).
// Writing: import_rows() writes a batch of rows as they are, in one transaction: every ID, time,
// balance (an account's balance and spend, a ledger row's balance after it), revocation and state
// as given. It applies nothing (no balance changes, nothing is charged): the caller gives each
// account the balance its ledger rows add up to, as the source had it, and the copy verifies
// that. The rows must be new to the store: an ID, a key's hash, an account's name, or a usage
// record's request and time that is taken throws StoreConflict and writes nothing. Accounts,
// keys and non-charge ledger rows take a change position, so the change feed and a server that
// starts on the store read them as ever; rows the store inserts later get IDs after every
// imported one. Leases, credit demands and open holds are not exported: they belong to running
// servers, and a stopped server's are dead.
// Counting: count_rows() is how many rows of each kind the store holds, counted as the listings
// list them; ledger_sums() each account's ledger sum, for the copy's check that balance = ledger
// sum.
// Threading: every call blocks; any thread. Errors: contracts/store/store_error.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "contracts/records.hpp"
#include "contracts/store/change_feed.hpp"

namespace glmgate {

// Where a listing stands. Opaque to the caller, who passes back what the last page returned; the
// default is the beginning.
struct ExportCursor {
  int part = 0;            // the backend's table being listed
  std::int64_t after = 0;  // the last integer ID listed in it
  std::string after_id;    // or text ID
  bool done = false;       // nothing is left to list
};

template <class Row>
struct ExportPage {
  std::vector<Row> rows;
  ExportCursor next;
};

// A usage record with the ID the store keeps it under (its place in usage listings).
struct UsageEntry {
  std::int64_t id = 0;
  UsageRecord record;
};

struct StoreCounts {
  std::int64_t accounts = 0;
  std::int64_t keys = 0;
  std::int64_t revoked_keys = 0;
  std::int64_t ledger = 0;  // every row, charges included
  std::int64_t usage = 0;
  std::int64_t outputs = 0;
  std::int64_t tasks = 0;
  std::int64_t settings = 0;
  std::int64_t webhook_secrets = 0;  // accounts that have one

  bool empty() const {
    return accounts == 0 && keys == 0 && ledger == 0 && usage == 0 && outputs == 0 && tasks == 0 &&
           settings == 0;
  }
  bool operator==(const StoreCounts&) const = default;
};

struct LedgerSum {
  std::string account_id;
  NanoUsd sum = 0;
  std::int64_t rows = 0;
};

// Rows to write as they are (import_rows). `AccountRecord::reserved` and every `rev` are ignored.
struct ImportBatch {
  std::vector<AccountRecord> accounts;
  std::vector<KeyRecord> keys;
  std::vector<LedgerEntry> ledger;
  std::vector<UsageEntry> usage;
  std::vector<StoredOutput> outputs;
  std::vector<TaskRecord> tasks;
};

class TransferStore {
 public:
  virtual ~TransferStore() = default;

  virtual StoreCounts count_rows() = 0;
  // Every account that has ledger rows.
  virtual std::vector<LedgerSum> ledger_sums() = 0;

  virtual ExportPage<LedgerEntry> export_ledger(const ExportCursor& cursor, std::int64_t limit) = 0;
  virtual ExportPage<UsageEntry> export_usage(const ExportCursor& cursor, std::int64_t limit) = 0;
  virtual ExportPage<StoredOutput> export_outputs(const ExportCursor& cursor,
                                                  std::int64_t limit) = 0;
  virtual ExportPage<TaskRecord> export_tasks(const ExportCursor& cursor, std::int64_t limit) = 0;
  // Every setting, by name.
  virtual std::vector<Setting> export_settings() = 0;

  virtual void import_rows(const ImportBatch& batch) = 0;
};

}  // namespace glmgate
