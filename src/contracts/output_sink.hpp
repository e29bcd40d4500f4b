// OutputSink: where a generated output goes to be kept for retrieval by ID.
//
// Threading: keep() is called from I/O threads and the task runner and must not block (a durable
// implementation queues it for the batching writer); enabled() is constant.
// Ordering: a call's output is kept when the call settles, before its answer's last byte (so that
// a GET right after finds it), and before its usage record goes to the UsageSink; keep() returns
// an OutputSlot that the caller hands to UsageSink::record with that record, so that the sink can
// commit both as one call.
// Errors: none reach the caller.
#pragma once

#include <cstdint>
#include <optional>

#include "contracts/records.hpp"

namespace glmgate {

// Where a kept output waits in the sink (the batching writer's queue and its place there): opaque
// to the caller, who only passes it back. The default names nothing.
struct OutputSlot {
  std::uint64_t batch = 0;
  std::int64_t index = -1;
};

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // False when outputs are not kept (retention 0): the pipeline then builds none.
  virtual bool enabled() const = 0;
  // Keeps a generated output; `task`, when given, is the task state that commits with it (a
  // task's output returns no slot: no usage record names it).
  virtual OutputSlot keep(StoredOutput output, std::optional<TaskRecord> task) = 0;
};

}  // namespace glmgate
