// TaskStore: background tasks (POST /v1/tasks, background responses): their request until they
// end, their state, and their result; and which server instance works on each (claims), so that
// several instances sharing a store run every task once and send each webhook once.
//
// Threading: every call blocks and is safe from any thread and from several processes sharing
// one store; never on an I/O thread (the task runner calls it on the blocking pool).
// Durability: insert_task is durable when it returns (a task is accepted only then). State changes
// that go with an output or a charge are written by the batch commit instead, in the same
// transaction as those (contracts/store/batch_store.hpp).
// Idempotence: insert_task replaces a task of the same ID (a state change), except that an ended
// task stays ended: a replacement that would make it queued or in progress again is ignored (it
// can only come from a run that lost its claim); a sweep deletes each task once.
//
// Claims. A task is open while it is queued or in progress, or ended with its webhook pending.
// An instance works on an open task only while it holds the task's claim: its instance name and
// a lease until a time. A claim is live until its lease runs out; then it is dead, and another
// instance (or the same one) may claim the task. An instance renews its live claims every few
// seconds (its heartbeat); a renewal never revives a dead claim. Claiming is atomic across
// processes: however many instances claim at once, each open task has at most one live claim.
// Writing a task's state (insert_task, the batch commit) keeps its claim; a task that is no
// longer open cannot be claimed, so its last claim needs no release.
// - claim_runs: queued and in-progress tasks with no live claim, for the caller to run. A task in
//   progress with a dead claim was started by an instance that died (or stopped): the caller
//   finds out from its charges (AccountStore::charges_for) whether that run was charged.
// - claim_deliveries: ended tasks whose webhook is pending with no live claim: the sender died
//   before it recorded the outcome. Its successor sends the same event again, with the same
//   webhook-id: a webhook is sent once per event except when a sender dies in the middle of a
//   send, when it may arrive twice (at least once, as in every webhook system); receivers dedupe
//   by webhook-id.
// - ClaimedTask::taken_over: another claim on the task came before this one (the task may have
//   run, and been charged, under it); false for a task claimed for the first time.
// - Cancel from any instance: request_cancel() records the request on an open task; the holder
//   sees it in its next renewal (ClaimRenewal::cancelled) and stops the run, and a claimer sees it
//   in ClaimedTask::cancel_requested.
// Times are unix milliseconds from the caller's clock (tests move them); instances sharing a
// store need clocks that agree to well within a lease.
// Errors: contracts/store/store_error.hpp. A claim call that throws claimed nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "contracts/records.hpp"

namespace glmgate {

struct ClaimedTask {
  TaskRecord task;
  bool taken_over = false;        // another claim on it came before (see above)
  bool cancel_requested = false;  // request_cancel() was called on it
};

struct ClaimRenewal {
  std::vector<std::string> held;       // the given IDs whose claim the instance still holds
  std::vector<std::string> cancelled;  // those of `held` whose cancel was requested
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // Inserts the task (unclaimed), or replaces the one with its ID (its claim kept).
  virtual void insert_task(const TaskRecord& task) = 0;
  // Inserts a new task claimed by `instance` until now_ms + lease_ms (its first claim): the server
  // that accepts a task with room to run it keeps it. The ID must be new: an insert of an ID that
  // exists throws, writing nothing.
  virtual void insert_claimed_task(const TaskRecord& task, const std::string& instance,
                                   std::int64_t now_ms, std::int64_t lease_ms) = 0;
  virtual std::optional<TaskRecord> find_task(const std::string& id) = 0;
  // Tasks queued or in progress, and ended tasks whose webhook is still pending, oldest first
  // (for reports: the runner claims them instead).
  virtual std::vector<TaskRecord> open_tasks() = 0;
  // Deletes up to `limit` ended tasks with no pending webhook that expired before `now_ms`, in one
  // transaction; returns how many.
  virtual std::int64_t sweep_tasks(std::int64_t now_ms, std::int64_t limit) = 0;

  // Claims for `instance`, until now_ms + lease_ms, up to `limit` queued or in-progress tasks
  // without a live claim, oldest first.
  virtual std::vector<ClaimedTask> claim_runs(const std::string& instance, std::size_t limit,
                                              std::int64_t now_ms, std::int64_t lease_ms) = 0;
  // The same for up to `limit` ended tasks whose webhook is pending.
  virtual std::vector<ClaimedTask> claim_deliveries(const std::string& instance, std::size_t limit,
                                                    std::int64_t now_ms, std::int64_t lease_ms) = 0;
  // Claims the task `id` whatever its kind, if it is open and has no live claim (a cancel on an
  // instance that does not hold it).
  virtual std::optional<ClaimedTask> claim_task(const std::string& id, const std::string& instance,
                                                std::int64_t now_ms, std::int64_t lease_ms) = 0;
  // Moves the live claims of `instance` on the tasks `ids` to now_ms + lease_ms; says which it
  // still holds (the others it lost: its lease ran out) and which of them are to be cancelled.
  virtual ClaimRenewal renew_claims(const std::string& instance,
                                    const std::vector<std::string>& ids, std::int64_t now_ms,
                                    std::int64_t lease_ms) = 0;
  // Ends every claim of `instance` now, so that others may claim its tasks at once: a clean stop
  // (after its last commit), or a restart under the same name (one server on a store that admits
  // one: its previous process's claims died with it).
  virtual void drop_claims(const std::string& instance) = 0;
  // Records a cancel request on the task if it is queued or in progress; false otherwise (no such
  // task, or it ended). Idempotent.
  virtual bool request_cancel(const std::string& id) = 0;
};

}  // namespace glmgate
