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
              }}),
      claims_(std::chrono::milliseconds(parts_.lease_ms)) {}

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
  // Under a name of its own (several servers on the store), nothing; alone on its store under the
  // same name each start, the claims of its previous process, which died with it.
  parts_.store.drop_claims(parts_.instance);
}

void TaskRunner::start() {
  host_.refresh();  // before the first submit can be checked
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      io_.get_executor());
  publish_room();
  asio::post(io_, [this] {
    refresh_host_addresses();
    poll();  // at once: what a server that stopped left is taken now
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

void TaskRunner::release_claims() {
  try {
    parts_.store.drop_claims(parts_.instance);
  } catch (const std::exception& e) {
    spdlog::warn("tasks: could not release this server's claims ({}); they run out in {} ms",
                 e.what(), parts_.lease_ms);
  }
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
  // A server with room claims the task as it writes it, and runs it; one without leaves it to the
  // next server (or itself) with room.
  const bool mine = free_slots_.fetch_sub(1) > 0;
  if (!mine) free_slots_.fetch_add(1);
  const auto claimed_at = HeldClaims::Clock::now();
  try {
    auto insert = [this, record, mine, now = unix_ms_now()] {
      if (mine)
        parts_.store.insert_claimed_task(record, parts_.instance, now, parts_.lease_ms);
      else
        parts_.store.insert_task(record);
    };
    co_await parts_.pool.run(std::move(insert));
  } catch (const std::exception& e) {
    if (mine) free_slots_.fetch_add(1);
    spdlog::error("could not queue task {}: {}", record.id, e.what());
    co_return ApiError::unavailable("The task could not be queued. Try again later.");
  }
  if (!mine) co_return record;
  auto live = std::make_shared<Live>();
  live->surface = parts_.surface_for(record.path);
  live->key = std::move(key);
  live->record = record;
  {
    std::lock_guard lock(mutex_);
    live_[record.id] = live;
  }
  asio::post(io_, [this, live = std::move(live), claimed_at]() mutable {
    claims_.hold(live, claimed_at);
    queue_.push(std::move(live));
    publish_room();
  });
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
  // A run that lost its claim stops and writes nothing: the server that took it writes its end.
  auto end_run = [this, &live] {
    if (live->holds_slot) parts_.pipeline.release_slot(*live->key);
    live->holds_slot = false;
    queue_.finished();
    publish_room();
    poke();  // its place may go to a task in the store
  };
  if (live->lost) {
    end_run();
    co_return;
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
    if (live->lost) {
      end_run();
      co_return;
    }
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
  end_run();
  if (!record.callback_url.empty()) co_await notify(std::move(live), std::move(record));
}

// The sender holds the task's claim until the outcome commits: a server that dies meanwhile
// leaves the webhook to another, which sends it with the same webhook-id.
asio::awaitable<void> TaskRunner::notify(std::shared_ptr<Live> live, TaskRecord record) {
  ++deliveries_;
  std::string secret;
  try {
    auto read = [this, id = record.account_id] { return parts_.store.webhook_secret(id); };
    secret = co_await parts_.pool.run(std::move(read));
  } catch (const std::exception& e) {
    spdlog::warn("task {}: no webhook secret: {}", record.id, e.what());
  }
  std::string payload = task_event_json(record);
  // Named, and holding no shared_ptr: GCC 12 destroys some temporaries of a co_await expression
  // twice, which for a lambda holding `live` dropped one reference too many (a use-after-free).
  const std::function<bool()> wanted = [task = live.get()] { return !task->lost; };
  bool ok =
      co_await webhooks_.deliver(record.callback_url, secret, webhook_id(record), payload, wanted);
  --deliveries_;
  if (live->lost) co_return;
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

void TaskRunner::committed(const WriteBatch& batch) {
  std::vector<std::string> ended, closed;
  for (const auto& t : batch.tasks) {
    if (!is_ended(t.status)) continue;
    ended.push_back(t.id);
    if (t.webhook != "pending") closed.push_back(t.id);
  }
  if (ended.empty()) return;
  // Not under the writer's commit: the runner's lock is never taken on the writer's thread.
  asio::post(io_, [this, ended = std::move(ended), closed = std::move(closed)] {
    for (const auto& id : closed)
      claims_.release(id);
    std::lock_guard lock(mutex_);
    for (const auto& id : ended)
      if (auto it = live_.find(id); it != live_.end() && it->second->ended) live_.erase(it);
  });
}

}  // namespace glmgate
