// TaskRunner; see task_runner.hpp.
#include "tasks/task_runner.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/random.hpp"
#include "surfaces/openai/openai_surface.hpp"
#include "surfaces/responses/responses_request.hpp"
#include "surfaces/responses/responses_response.hpp"
#include "tasks/callback_target.hpp"
#include "tasks/task_exchange.hpp"
#include "tasks/task_record.hpp"
#include "tasks/task_recovery.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;

struct TaskRunner::Live {
  TaskRecord record;
  const Surface* surface = nullptr;
  bool cancel_requested = false;
  bool ended = false;
  // Task thread only, while the run is in flight.
  TaskExchange* exchange = nullptr;
  TaskRun* run = nullptr;
};

TaskRunner::TaskRunner(TaskParts parts) : parts_(std::move(parts)), webhooks_(parts_.webhooks) {}

TaskRunner::~TaskRunner() {
  stop();
}

void TaskRunner::save(const TaskRecord& record, std::optional<StoredOutput> output) {
  if (output)
    parts_.outputs.keep(std::move(*output), record);
  else
    parts_.writer.keep(std::nullopt, record);
}

void TaskRunner::recover() {
  recovered_ = recover_tasks(parts_.store, parts_.retention_ms);
}

void TaskRunner::start() {
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      io_.get_executor());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "glmgate-tasks");
    io_.run();
  });
  for (auto& t : recovered_) {
    if (t.status == task_status::kQueued) {
      auto live = std::make_shared<Live>();
      live->surface = parts_.surface_for(t.path);
      live->record = std::move(t);
      std::lock_guard lock(mutex_);
      live_[live->record.id] = live;
      waiting_.push_back(live);
    } else {
      asio::co_spawn(io_, notify(std::move(t)), asio::detached);
    }
  }
  if (!recovered_.empty()) spdlog::info("{} tasks resumed after a restart", recovered_.size());
  recovered_.clear();
  pump();
}

void TaskRunner::stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  io_.stop();
  thread_.join();
}

asio::awaitable<Result<TaskRecord>> TaskRunner::submit(std::shared_ptr<const KeyInfo> key,
                                                       const std::string& text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object())
    co_return ApiError::invalid_request("The request body must be a JSON object.");
  const auto& in = parsed.get_object();
  auto path = in.find("path");
  if (path == in.end() || !path->value().is_string())
    co_return ApiError::invalid_request(
        "`path` is required: the endpoint to run, e.g. "
        "/v1/chat/completions.",
        "path", "missing_required_parameter");
  auto body = in.find("body");
  if (body == in.end() || !body->value().is_object())
    co_return ApiError::invalid_request("`body` is required: the request to run, as an object.",
                                        "body", "missing_required_parameter");
  TaskRecord record;
  record.path = std::string(path->value().get_string());
  const Surface* surface = parts_.surface_for(record.path);
  if (!surface)
    co_return ApiError::invalid_request(
        "A task cannot run `" + record.path +
            "`: use /v1/chat/completions, /v1/messages, /v1/responses or "
            "/v1beta/models/{model}:generateContent.",
        "path", "invalid_value");
  if (auto s = body->value().get_object().find("stream");
      s != body->value().get_object().end() && s->value().is_bool() && s->value().get_bool())
    co_return ApiError::invalid_request("A task cannot stream; its result is kept for polling.",
                                        "body.stream", "invalid_value");
  if (auto cb = in.find("callback_url"); cb != in.end() && !cb->value().is_null()) {
    if (!cb->value().is_string())
      co_return ApiError::invalid_request("`callback_url` must be a string.", "callback_url");
    record.callback_url = std::string(cb->value().get_string());
    std::string why;
    auto target = parse_callback_url(record.callback_url, why);
    if (!target)
      co_return ApiError::invalid_request("`callback_url` " + why + ".", "callback_url",
                                          "invalid_value");
    boost::system::error_code bad;
    auto literal = asio::ip::make_address(target->host, bad);
    if (!bad && is_private_address(literal) && !parts_.webhooks.allow_private)
      co_return ApiError::invalid_request(
          "`callback_url` points to a private or loopback address, which this gateway does not "
          "call.",
          "callback_url", "invalid_value");
    if (key->account_id.empty())
      co_return ApiError::invalid_request("Keys without an account cannot take callbacks.",
                                          "callback_url", "invalid_value");
    record.webhook = "pending";
  }
  record.id = random_id("task_", 24);
  record.account_id = key->account_id;
  record.key_id = key->id;
  record.body = json::serialize(body->value());
  co_return co_await enqueue(std::move(record));
}

asio::awaitable<HttpResponse> TaskRunner::submit_background(std::shared_ptr<const KeyInfo> key,
                                                            const Surface& surface,
                                                            const std::string& path,
                                                            const std::string& body,
                                                            const CanonicalRequest& request) {
  TaskRecord record;
  record.id = output_id(surface.id_prefix());
  record.account_id = key->account_id;
  record.key_id = key->id;
  record.path = path;
  record.body = body;
  auto queued = co_await enqueue(std::move(record));
  if (!queued) co_return surface.render_error(queued.error());
  HttpResponse r;
  r.body = json::serialize(responses::response_object(queued->id, request.model,
                                                      queued->created_at / 1000, "queued", "",
                                                      json::array(), std::nullopt, request.echo));
  co_return r;
}

asio::awaitable<Result<TaskRecord>> TaskRunner::enqueue(TaskRecord record) {
  record.status = task_status::kQueued;
  record.created_at = record.updated_at = unix_ms_now();
  record.output_id.clear();
  try {
    auto insert = [this, record] { parts_.store.insert_task(record); };
    co_await parts_.pool.run(std::move(insert));
  } catch (const std::exception& e) {
    spdlog::error("could not queue task {}: {}", record.id, e.what());
    co_return ApiError::unavailable("The task could not be queued. Try again later.");
  }
  auto live = std::make_shared<Live>();
  live->surface = parts_.surface_for(record.path);
  live->record = record;
  {
    std::lock_guard lock(mutex_);
    live_[record.id] = live;
    waiting_.push_back(live);
  }
  pump();
  co_return record;
}

void TaskRunner::pump() {
  std::lock_guard lock(mutex_);
  while (running_ < parts_.concurrency && !waiting_.empty()) {
    auto live = std::move(waiting_.front());
    waiting_.pop_front();
    if (live->ended) continue;  // cancelled while it waited
    ++running_;
    asio::co_spawn(io_, run(std::move(live)), asio::detached);
  }
}

asio::awaitable<void> TaskRunner::run(std::shared_ptr<Live> live) {
  TaskRecord record;
  bool cancelled = false;
  {
    std::lock_guard lock(mutex_);
    cancelled = live->cancel_requested;
    if (!cancelled) {
      live->record.status = task_status::kInProgress;
      live->record.updated_at = unix_ms_now();
    }
    record = live->record;
  }
  std::optional<StoredOutput> output;
  // The key as the store has it now: a task runs as the key that queued it, unless revoked since.
  auto read_key = [this, id = record.key_id] { return parts_.store.find_key(id); };
  std::optional<KeyRecord> stored_key;
  if (!cancelled) stored_key = co_await parts_.pool.run(std::move(read_key));
  std::shared_ptr<const KeyInfo> key;
  if (stored_key && !stored_key->revoked) key = key_info(*stored_key);
  if (cancelled) {
    record.status = task_status::kCancelled;
  } else if (!key || !live->surface) {
    record.status = task_status::kFailed;
    record.http_status = 401;
    record.result = task_error_body("invalid_request_error", "invalid_api_key",
                                    "The API key that queued this task has been revoked.");
  } else {
    save(record);
    HttpRequest request;
    request.method = "POST";
    request.path = request.target = record.path;
    request.headers.push_back({"content-type", "application/json"});
    request.body = record.body;
    TaskExchange exchange(std::move(request), task_request_id(record.id));
    TaskRun task_run;
    task_run.output_id =
        record.path == "/v1/responses" ? record.id : output_id(live->surface->id_prefix());
    live->exchange = &exchange;
    live->run = &task_run;
    try {
      co_await parts_.pipeline.run_task(*live->surface, exchange, key, task_run);
    } catch (const std::exception& e) {
      spdlog::error("task {} failed: {}", record.id, e.what());
    }
    live->exchange = nullptr;
    live->run = nullptr;
    const auto& response = exchange.response();
    if (exchange.cancelled()) {
      record.status = task_status::kCancelled;
    } else if (response && response->status == 200) {
      record.status = task_status::kCompleted;
      record.http_status = 200;
      record.result = response->body;
      if (task_run.output) record.output_id = task_run.output->id;
    } else {
      record.status = task_status::kFailed;
      record.http_status = response ? response->status : 500;
      record.result = response ? response->body
                               : task_error_body("server_error", "task_failed",
                                                 "The task failed inside the gateway.");
    }
    output = std::move(task_run.output);
  }
  record.body = summary_of(record);  // the input is not kept once the task has ended
  record.updated_at = unix_ms_now();
  if (parts_.retention_ms > 0) record.expires_at = record.updated_at + parts_.retention_ms;
  {
    std::lock_guard lock(mutex_);
    live->record = record;
    live->ended = true;
    --running_;
  }
  save(record, std::move(output));  // the output and the task's end commit together
  pump();
  if (!record.callback_url.empty()) co_await notify(std::move(record));
}

asio::awaitable<void> TaskRunner::notify(TaskRecord record) {
  std::string secret;
  try {
    auto read = [this, id = record.account_id] { return parts_.store.webhook_secret(id); };
    secret = co_await parts_.pool.run(std::move(read));
  } catch (const std::exception& e) {
    spdlog::warn("task {}: no webhook secret: {}", record.id, e.what());
  }
  std::string payload = task_event_json(record);
  bool ok = co_await webhooks_.deliver(record.callback_url, secret, payload);
  record.webhook = ok ? "delivered" : "failed";
  if (!ok) spdlog::warn("task {}: webhook to its callback URL was not delivered", record.id);
  save(record);
}

asio::awaitable<std::optional<TaskRecord>> TaskRunner::find(const std::string& id,
                                                            const std::string& account_id) {
  std::optional<TaskRecord> found;
  {
    std::lock_guard lock(mutex_);
    if (auto it = live_.find(id); it != live_.end()) found = it->second->record;
  }
  if (!found) {
    auto read = [this, id] { return parts_.store.find_task(id); };
    found = co_await parts_.pool.run(std::move(read));
  }
  if (!found || found->account_id != account_id) co_return std::nullopt;
  co_return found;
}

asio::awaitable<Result<TaskRecord>> TaskRunner::cancel(const std::string& id,
                                                       const std::string& account_id) {
  std::shared_ptr<Live> live;
  {
    std::lock_guard lock(mutex_);
    if (auto it = live_.find(id); it != live_.end() && it->second->record.account_id == account_id)
      live = it->second;
  }
  if (!live) {
    auto stored = co_await find(id, account_id);
    if (!stored) co_return ApiError::not_found("No task or response with id '" + id + "'.");
    if (stored->status == task_status::kCancelled) co_return *stored;
    co_return ApiError::invalid_request(
        "Only a queued or in-progress task can be cancelled; this "
        "one is " +
        stored->status + ".");
  }
  bool queued_only = false;
  {
    std::lock_guard lock(mutex_);
    if (live->ended) {
      if (live->record.status == task_status::kCancelled) co_return live->record;
      co_return ApiError::invalid_request(
          "Only a queued or in-progress task can be cancelled; "
          "this one is " +
          live->record.status + ".");
    }
    live->cancel_requested = true;
    queued_only = live->record.status == task_status::kQueued;
    if (queued_only) {
      live->record.status = task_status::kCancelled;
      live->record.body = summary_of(live->record);
      live->record.updated_at = unix_ms_now();
      if (parts_.retention_ms > 0)
        live->record.expires_at = live->record.updated_at + parts_.retention_ms;
      live->ended = true;
    }
  }
  if (queued_only) {
    TaskRecord record = live->record;
    save(record);
    if (!record.callback_url.empty()) asio::co_spawn(io_, notify(record), asio::detached);
    co_return record;
  }
  // Running: stop it on its own thread; the run ends as cancelled and releases its reservation.
  asio::post(io_, [live] {
    if (live->run) live->run->cancelled = true;
    if (live->exchange) live->exchange->cancel();
  });
  TaskRecord shown;
  {
    std::lock_guard lock(mutex_);
    shown = live->record;
  }
  if (!is_ended(shown.status)) shown.status = task_status::kCancelled;
  co_return shown;
}

void TaskRunner::committed(const WriteBatch& batch) {
  if (batch.tasks.empty()) return;
  std::lock_guard lock(mutex_);
  for (const auto& t : batch.tasks) {
    auto it = live_.find(t.id);
    if (it != live_.end() && it->second->ended && is_ended(t.status)) live_.erase(it);
  }
}

}  // namespace glmgate
