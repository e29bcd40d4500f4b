// OutputSink: where a generated output goes to be kept for retrieval by ID.
//
// Threading: keep() is called from I/O threads and the task runner and must not block (a durable
// implementation queues it for the batching writer); enabled() is constant.
// Ordering: an output is kept before its call's usage record is handed to the UsageSink, and the
// slot keep() returns names where it waits, so that the writer can store both in one row.
// Errors: none reach the caller.
#pragma once

#include <optional>

#include "contracts/records.hpp"

namespace glmgate {

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // False when outputs are not kept (retention 0): the pipeline then builds none.
  virtual bool enabled() const = 0;
  // Keeps a generated output; `task`, when given, is the task state that commits with it.
  // Returns where the output waits to be written (see UsageRecord::output_slot).
  virtual OutputSlot keep(StoredOutput output, std::optional<TaskRecord> task) = 0;
};

}  // namespace glmgate
