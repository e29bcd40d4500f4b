// One run of a task: its request through the pipeline, as the key that queued it, on the
// surface of its path, with a TaskExchange in place of a client; the outcome written into the
// task's record. Runs on the runner's thread; `live` points at the run's exchange and state while
// it is in flight, so that a cancel (posted to that thread) can stop it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "gateway/pipeline.hpp"
#include "tasks/live_task.hpp"

namespace glmgate {

// Sets `record`'s status (completed, failed, cancelled), http_status, result and output_id;
// returns the output to commit with the task's end, if the run kept one.
boost::asio::awaitable<std::optional<StoredOutput>> execute_task(const Pipeline& pipeline,
                                                                 LiveTask& live,
                                                                 std::shared_ptr<const KeyInfo> key,
                                                                 TaskRecord& record);

}  // namespace glmgate
