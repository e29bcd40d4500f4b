// TaskStore: background tasks (POST /v1/tasks, background responses): their request until they
// end, their state, and their result.
//
// Threading: every call blocks and is safe from any thread; never on an I/O thread (the task
// runner calls it on the blocking pool).
// Durability: insert_task is durable when it returns (a task is accepted only then). State changes
// that go with an output or a charge are written by the batch commit instead, in the same
// transaction as those (contracts/store/batch_store.hpp).
// Idempotence: insert_task replaces a task of the same ID (a state change, or a run after a
// restart); a sweep deletes each task once.
// Errors: contracts/store/store_error.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "contracts/records.hpp"

namespace glmgate {

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // Inserts the task, or replaces the one with its ID.
  virtual void insert_task(const TaskRecord& task) = 0;
  virtual std::optional<TaskRecord> find_task(const std::string& id) = 0;
  // Tasks queued or in progress, and ended tasks whose webhook is still pending, oldest first.
  virtual std::vector<TaskRecord> open_tasks() = 0;
  // Deletes up to `limit` ended tasks with no pending webhook that expired before `now_ms`, in one
  // transaction; returns how many.
  virtual std::int64_t sweep_tasks(std::int64_t now_ms, std::int64_t limit) = 0;
};

}  // namespace glmgate
