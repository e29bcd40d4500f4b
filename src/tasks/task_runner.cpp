// TaskRunner; see task_runner.hpp.
#include "tasks/task_runner.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include "core/random.hpp"
#include "tasks/response_views.hpp"
#include "tasks/task_exchange.hpp"
#include "tasks/task_execution.hpp"
#include "tasks/task_record.hpp"
#include "tasks/task_recovery.hpp"
#include "tasks/task_submission.hpp"

namespace glmgate {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {
// How often this host's interface addresses are read again (for callback checks).
constexpr auto kHostRefresh = std::chrono::seconds(60);
}  // namespace

TaskRunner::TaskRunner(TaskParts parts)
    : parts_(std::move(parts)),
      webhooks_([this] {
        WebhookOptions options = parts_.webhooks;
        options.host = &host_;
        return options;
      }()),
      queue_(io_, parts_.concurrency,
             {[this](Live& live) {
                bool ended = false;
                {
                  std::lock_guard lock(mutex_);
                  ended = live.ended;
                }
                if (ended && live.slot_granted) parts_.pipeline.release_slot(*live.key);
                if (ended) live.slot_granted = false;
                return ended;
              },
              [this](Live& live) { return take_slot(live); },
              [this](std::shared_ptr<Live> live) {
                asio::co_spawn(io_, run(std::move(live)), asio::detached);
              }}) {}

bool TaskRunner::take_slot(Live& live) {
  if (!live.key) return true;
  if (live.slot_granted) {
    live.slot_granted = false;
    live.holds_slot = true;
    return true;
  }
  if (live.asking_slot) return false;
  Admission slot = parts_.pipeline.hold_slot(*live.key);
  if (slot.is_pending()) {
    std::shared_ptr<Live> held;
    {
      std::lock_guard lock(mutex_);
      if (auto it = live_.find(live.record.id); it != live_.end()) held = it->second;
    }
    if (held) {
      live.asking_slot = true;
      asio::co_spawn(io_, ask_slot(std::move(held)), asio::detached);
    }
    return false;  // the queue looks again shortly
  }
  live.holds_slot = static_cast<bool>(slot);
  return live.holds_slot;
}

asio::awaitable<void> TaskRunner::ask_slot(std::shared_ptr<Live> live) {
  const bool granted = co_await parts_.pipeline.hold_slot_shared(*live->key);
  live->asking_slot = false;
  bool ended = false;
  {
    std::lock_guard lock(mutex_);
    ended = live->ended;
  }
  // Cancelled meanwhile: the queue may have dropped it already, so the slot goes back here.
  if (granted && ended) parts_.pipeline.release_slot(*live->key);
  live->slot_granted = granted && !ended;
}

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
  recovered_ = recover_tasks(parts_.store, parts_.store, parts_.retention_ms);
}

void TaskRunner::start() {
  host_.refresh();  // before the first submit can be checked
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      io_.get_executor());
  std::vector<std::shared_ptr<Live>> resumed;
  for (auto& t : recovered_) {
    if (t.status == task_status::kQueued) {
      auto live = std::make_shared<Live>();
      live->surface = parts_.surface_for(t.path);
      // Blocking is fine here: the server does not serve yet.
      if (auto stored = parts_.store.find_key(t.key_id); stored && !stored->revoked)
        live->key = key_info(*stored);
      live->record = std::move(t);
      {
        std::lock_guard lock(mutex_);
        live_[live->record.id] = live;
      }
      resumed.push_back(std::move(live));
    } else {
      asio::co_spawn(io_, notify(std::move(t)), asio::detached);
    }
  }
  if (!recovered_.empty()) spdlog::info("{} tasks resumed after a restart", recovered_.size());
  recovered_.clear();
  asio::post(io_, [this, resumed = std::move(resumed)] {
    for (const auto& live : resumed)
      queue_.push(live);
    refresh_host_addresses();
  });
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "glmgate-tasks");
    io_.run();
  });
}

void TaskRunner::stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  io_.stop();
  thread_.join();
}

// getifaddrs is a netlink round trip: on the runner's thread, never an I/O thread's.
void TaskRunner::refresh_host_addresses() {
  host_timer_.expires_after(kHostRefresh);
  host_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    host_.refresh();
    refresh_host_addresses();
  });
}

asio::awaitable<Result<TaskRecord>> TaskRunner::submit(std::shared_ptr<const KeyInfo> key,
                                                       const std::string& text, Headers& headers) {
  TaskSubmissionRules rules{parts_.surface_for, parts_.webhooks.allow_private, &host_};
  auto record = parse_task_submission(text, *key, rules);
  if (!record) co_return record.error();
  // Admitted like any request, when it is queued: a refused task is never queued or charged.
  std::optional<ApiError> refused = co_await parts_.pipeline.admit_queued(*key, headers);
  if (refused) co_return *refused;
  co_return co_await enqueue(std::move(*record), std::move(key));
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
  auto queued = co_await enqueue(std::move(record), std::move(key));
  if (!queued) co_return surface.render_error(queued.error());
  HttpResponse r;
  r.body = task_response_json(*queued);  // "queued", with the model and fields to echo
  co_return r;
}

asio::awaitable<Result<TaskRecord>> TaskRunner::enqueue(TaskRecord record,
                                                        std::shared_ptr<const KeyInfo> key) {
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
  live->key = std::move(key);
  live->record = record;
  {
    std::lock_guard lock(mutex_);
    live_[record.id] = live;
  }
  asio::post(io_, [this, live = std::move(live)]() mutable { queue_.push(std::move(live)); });
  co_return record;
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
  if (!cancelled) {
    try {
      stored_key = co_await parts_.pool.run(std::move(read_key));
    } catch (const std::exception& e) {
      spdlog::error("task {}: cannot read its key: {}", record.id, e.what());
    }
  }
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
    output = co_await execute_task(parts_.pipeline, *live, std::move(key), record);
  }
  record.body = summary_of(record);  // the input is not kept once the task has ended
  record.updated_at = unix_ms_now();
  if (parts_.retention_ms > 0) record.expires_at = record.updated_at + parts_.retention_ms;
  {
    std::lock_guard lock(mutex_);
    live->record = record;
    live->ended = true;
  }
  save(record, std::move(output));  // the output and the task's end commit together
  if (live->holds_slot) parts_.pipeline.release_slot(*live->key);
  live->holds_slot = false;
  queue_.finished();
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
        "Only a queued or in-progress task can be cancelled; this one is " + stored->status + ".");
  }
  bool queued_only = false;
  std::optional<TaskRecord> ended;
  TaskRecord shown;
  {
    std::lock_guard lock(mutex_);
    if (live->ended) {
      ended = live->record;
    } else {
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
    shown = live->record;
  }
  if (ended) {
    if (ended->status == task_status::kCancelled) co_return *ended;
    co_return ApiError::invalid_request(
        "Only a queued or in-progress task can be cancelled; this one is " + ended->status + ".");
  }
  if (queued_only) {
    // The runner drops it from its queue when it next looks (it is marked ended).
    save(shown);
    if (!shown.callback_url.empty()) asio::co_spawn(io_, notify(shown), asio::detached);
    co_return shown;
  }
  // Running: stop it on its own thread; the run ends as cancelled and releases its reservation.
  asio::post(io_, [live] {
    if (live->run) live->run->cancelled = true;
    if (live->exchange) live->exchange->cancel();
  });
  if (!is_ended(shown.status)) shown.status = task_status::kCancelled;
  co_return shown;
}

void TaskRunner::committed(const WriteBatch& batch) {
  std::vector<std::string> ended;
  for (const auto& t : batch.tasks)
    if (is_ended(t.status)) ended.push_back(t.id);
  if (ended.empty()) return;
  // Not under the writer's commit: the runner's lock is never taken on the writer's thread.
  asio::post(io_, [this, ended = std::move(ended)] {
    std::lock_guard lock(mutex_);
    for (const auto& id : ended)
      if (auto it = live_.find(id); it != live_.end() && it->second->ended) live_.erase(it);
  });
}

}  // namespace glmgate
