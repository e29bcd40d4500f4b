// Start-up recovery of tasks a dead process left behind. A task queued or running then is run
// again from the start when its run was never charged; when it was (the charge committed but the
// task's end did not), the charge is refunded and the task marked failed, so it is never charged
// twice. Ended tasks whose webhook was still pending are returned to be delivered. Blocking; runs
// before the server serves.
#pragma once

#include <vector>

#include "contracts/store/account_store.hpp"
#include "contracts/store/task_store.hpp"

namespace glmgate {

// The tasks to resume: status "queued" to run again, the others to notify. `ledger`: a charged
// run's charges, and their refunds.
std::vector<TaskRecord> recover_tasks(TaskStore& tasks, AccountStore& ledger,
                                      std::int64_t retention_ms);

}  // namespace glmgate
