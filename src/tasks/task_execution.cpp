// One run of a task; see task_execution.hpp.
#include "tasks/task_execution.hpp"

#include <spdlog/spdlog.h>

#include "core/random.hpp"
#include "tasks/task_exchange.hpp"
#include "tasks/task_record.hpp"

namespace glmgate {

boost::asio::awaitable<std::optional<StoredOutput>> execute_task(const Pipeline& pipeline,
                                                                 LiveTask& live,
                                                                 std::shared_ptr<const KeyInfo> key,
                                                                 TaskRecord& record) {
  HttpRequest request;
  request.method = "POST";
  request.path = request.target = record.path;
  request.headers.push_back({"content-type", "application/json"});
  request.body = record.body;
  TaskExchange exchange(std::move(request), task_request_id(record.id));
  TaskRun run;
  // A background response is kept under its task's ID, which the client already has.
  run.output_id = record.path == "/v1/responses" ? record.id : output_id(live.surface->id_prefix());
  live.exchange = &exchange;
  live.run = &run;
  try {
    co_await pipeline.run_task(*live.surface, exchange, std::move(key), run);
  } catch (const std::exception& e) {
    spdlog::error("task {} failed: {}", record.id, e.what());
  }
  live.exchange = nullptr;
  live.run = nullptr;
  const auto& response = exchange.response();
  if (exchange.cancelled()) {
    record.status = task_status::kCancelled;
  } else if (response && response->status == 200) {
    record.status = task_status::kCompleted;
    record.http_status = 200;
    record.result = response->body;
    if (run.output) record.output_id = run.output->id;
  } else {
    record.status = task_status::kFailed;
    record.http_status = response ? response->status : 500;
    record.result = response ? response->body
                             : task_error_body("server_error", "task_failed",
                                               "The task failed inside the gateway.");
  }
  co_return std::move(run.output);
}

}  // namespace glmgate
