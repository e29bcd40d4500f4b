// BatchStore: the batching writer's commit (accounts/BatchWriter): every finished call's usage
// record, charge and output, task state changes and the writer's instance's open holds, written
// in one transaction.
//
// What a commit guarantees, whatever the batch holds:
// - All or nothing: the whole batch is written, or (on an exception) none of it, and the same
//   batch may be committed again.
// - A charge and its call commit together: a CallWrite carries the call's usage record with its
//   charge, so neither can be written without the other (a crash between two commits never
//   leaves a charge without its record). A charge is the call's when it names the record's account,
//   its request ID and minus its cost; one that does not is still written, as a ledger row of its
//   own (and so is every charge in WriteBatch::charges): a caller's mistake never breaks balance =
//   ledger sum.
// - An output and its call: CallWrite::output names the call's output in WriteBatch::outputs
//   (the writer pairs them when the call ends, its output having been queued before the answer's
//   last byte). A backend may keep both in one row; the pairing is checked (the output's ID must
//   be the record's output_id, each output paired once), and an output that fails the check, or
//   that no call names, is kept on its own. Either way find_output() returns it as given.
// - Balances: each charge changes its account's balance and spend, and is listed by ledger() with
//   the running balance after it, in the order of the batch: calls' charges first, then
//   `charges`. A charge on an unknown account is dropped (no hold could have covered it).
// - Outputs of calls (`outputs`, new IDs) are inserted once: an ID already stored keeps its first
//   output and does not fail the batch (which the writer would retry forever). Task outputs
//   (`task_outputs`) replace an output of the same ID: a task that runs again after a restart
//   writes its ID again. Task states (`tasks`) replace by ID, like TaskStore::insert_task.
// - Leases: a charge whose origin is an instance holding a lease on the charge's account shrinks
//   that lease by the charge (not below 0), in the same transaction
//   (contracts/store/lease_store.hpp).
// - Holds: `reserved` replaces the amounts its instance recorded for the accounts it names (0
//   removes one); other accounts' and other instances' are untouched (AccountStore).
// Threading: blocks; called by one writer thread at a time per process (the writer's, or a flush
// from a route on the blocking pool); several processes may commit to one store.
// Errors: contracts/store/store_error.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "contracts/records.hpp"

namespace glmgate {

// One finished call.
struct CallWrite {
  UsageRecord usage;
  std::optional<LedgerEntry> charge;  // what it paid, when it paid
  std::int64_t output = -1;           // its output: an index into WriteBatch::outputs; -1: none
};

// The open holds of one instance, by account.
struct ReservedAmounts {
  std::string instance;
  std::vector<std::pair<std::string, NanoUsd>> amounts;  // account ID -> open holds now
};

struct WriteBatch {
  std::vector<CallWrite> calls;
  std::vector<LedgerEntry> charges;        // charges of no call in this batch (kind "charge")
  std::vector<StoredOutput> outputs;       // calls' outputs (new IDs): inserted
  std::vector<StoredOutput> task_outputs;  // tasks' outputs: replaced
  std::vector<TaskRecord> tasks;           // state changes: replaced by ID
  ReservedAmounts reserved;

  bool empty() const {
    return calls.empty() && charges.empty() && outputs.empty() && task_outputs.empty() &&
           tasks.empty() && reserved.amounts.empty();
  }
};

class BatchStore {
 public:
  virtual ~BatchStore() = default;
  virtual void commit(const WriteBatch& batch) = 0;
};

}  // namespace glmgate
