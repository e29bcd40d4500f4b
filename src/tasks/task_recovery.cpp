// Task recovery; see task_recovery.hpp.
#include "tasks/task_recovery.hpp"

#include <spdlog/spdlog.h>

#include "core/clock.hpp"
#include "tasks/task_record.hpp"

namespace glmgate {

void recover_claimed(ClaimedTask& claimed, TaskStore& tasks, AccountStore& ledger,
                     std::int64_t retention_ms) {
  TaskRecord& t = claimed.task;
  // In progress without an earlier claim: a store copied from another (`store copy` keeps no
  // claims); its run may have been charged all the same.
  if (is_ended(t.status) || (!claimed.taken_over && t.status != task_status::kInProgress)) return;
  auto charges = ledger.charges_for(task_request_id(t.id));
  if (charges.empty()) {
    t.status = std::string(task_status::kQueued);  // never charged: run it again
    tasks.insert_task(t);
    spdlog::info("task {}: taken over from a server that stopped; run again", t.id);
    return;
  }
  for (const auto& c : charges) {
    LedgerEntry refund;
    refund.account_id = c.account_id;
    refund.kind = std::string(ledger_kind::kRefund);
    refund.amount = -c.amount;
    refund.request_id = c.request_id;
    refund.note = "task interrupted by a restart";
    refund.origin = "task-recovery";
    ledger.append_ledger(refund);
  }
  t.status = std::string(task_status::kFailed);
  t.http_status = 500;
  t.result = task_error_body("server_error", "task_interrupted",
                             "The task was interrupted by a restart of the gateway; its "
                             "charge was refunded.");
  t.body = summary_of(t);
  t.updated_at = unix_ms_now();
  if (retention_ms > 0) t.expires_at = t.updated_at + retention_ms;
  if (!t.callback_url.empty()) t.webhook = "pending";
  tasks.insert_task(t);
  spdlog::warn("task {} was charged but not finished by a server that stopped: refunded", t.id);
}

}  // namespace glmgate
