// LiveTask: a task the runner holds the claim of, from its queueing (or claim) until its end is
// on disk, and who may touch which part of it. Internal to tasks/.
#pragma once

#include <memory>

#include "contracts/key_info.hpp"
#include "contracts/records.hpp"

namespace glmgate {

class Surface;
class TaskExchange;
struct TaskRun;

struct LiveTask {
  // Under the runner's mutex.
  TaskRecord record;
  bool cancel_requested = false;
  bool ended = false;
  // Set before the task is shared; then read-only.
  const Surface* surface = nullptr;
  std::shared_ptr<const KeyInfo> key;  // whose --max-concurrency the run counts against
  // Runner thread only.
  bool holds_slot = false;
  bool lost = false;  // this server no longer holds its claim: another may run it; write nothing
  // A shared limiter is being asked for the key's slot (asking), or gave it before the queue
  // started the task (slot_granted: the queue's next look starts it, or releases it if ended).
  bool asking_slot = false;
  bool slot_granted = false;
  TaskExchange* exchange = nullptr;  // while the run is in flight
  TaskRun* run = nullptr;
};

}  // namespace glmgate
