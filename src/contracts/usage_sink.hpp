// UsageSink: where every call's usage record (with its charge, and the output it kept) goes once
// the call ends.
//
// Threading: record() is called from I/O threads and the task runner and must not block: a
// durable implementation queues for a batching writer (accounts/batch_writer).
// Ordering and atomicity: a record and its charge are committed in one transaction, never one
// without the other; records of one call arrive once. `output` is what OutputSink::keep returned
// for the call's output (or the default): the sink commits the output with the record when it
// still holds it, else the output was committed already on its own.
// Errors: none reach the caller; a durable implementation retries a failed commit and says in its
// documentation what a crash can lose.
#pragma once

#include <optional>

#include "contracts/output_sink.hpp"
#include "contracts/records.hpp"

namespace glmgate {

class UsageSink {
 public:
  virtual ~UsageSink() = default;
  // `charge` is the call's ledger row (Settlement::entry), stored in the same transaction as the
  // record.
  virtual void record(UsageRecord record, std::optional<LedgerEntry> charge, OutputSlot output) = 0;
  // True while the sink holds as many unwritten records as it may (its store has been away for a
  // long time): the pipeline then refuses new calls with a 503 rather than serve calls it could
  // not record. An atomic read; any thread.
  virtual bool full() const { return false; }
};

}  // namespace glmgate
