// Taking over a task whose claim ran out: the server that held it stopped or died
// (contracts/store/task_store.hpp). A run it had started is run again from the start when it was
// never charged; when it was (the charge committed but the task's end did not), the charge is
// refunded and the task marked failed, so it is never charged twice. Blocking: on the blocking
// pool, or before the server serves.
#pragma once

#include <cstdint>

#include "contracts/store/account_store.hpp"
#include "contracts/store/task_store.hpp"

namespace glmgate {

// Settles a task that has not ended and was claimed from an earlier claim, or is in progress: its
// status becomes "queued" (to run again), or "failed" when its run was charged (refunded,
// written, its webhook pending when it has a callback). Any other claim is left as it is.
void recover_claimed(ClaimedTask& claimed, TaskStore& tasks, AccountStore& ledger,
                     std::int64_t retention_ms);

}  // namespace glmgate
