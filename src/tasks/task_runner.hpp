// TaskRunner: background generations, and the one object that ties their parts together. POST
// /v1/tasks (checked by task_submission) and Responses' background: true queue a task (written to
// the store before the client hears "queued", so a crash cannot lose it; the key's requests per
// minute are taken then); the runner's own thread starts them in the TaskQueue's order, runs
// each through the same pipeline as any request (task_execution), keeps the output and the
// task's end in one writer commit, and then reports to the task's callback URL by signed webhook
// (webhook_sender). cancel() aborts a run and releases its reservation. recover() at start-up
// (task_recovery) runs again what a dead process left queued or running, or, when that run had
// already been charged, refunds it and marks it failed, so no task is lost or charged twice.
// Threading: the queue, the running count and each run's state belong to the runner's thread
// (other threads post to it). `mutex_` guards only the table of live tasks and their records,
// which I/O threads read; it is held for plain data operations, never across a call that can
// start a coroutine, run a callback or wait. Blocking store work runs on the blocking pool.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "accounts/batch_writer.hpp"
#include "contracts/store.hpp"
#include "core/blocking_pool.hpp"
#include "gateway/pipeline.hpp"
#include "outputs/output_service.hpp"
#include "tasks/callback_target.hpp"
#include "tasks/live_task.hpp"
#include "tasks/task_queue.hpp"
#include "tasks/webhook_sender.hpp"

namespace glmgate {

struct TaskParts {
  const Pipeline& pipeline;
  Store& store;
  OutputService& outputs;
  BatchWriter& writer;
  BlockingPool& pool;
  // The surface that serves a path, or null (paths a task cannot target).
  std::function<const Surface*(const std::string& path)> surface_for;
  std::size_t concurrency = 16;
  std::int64_t retention_ms = 0;  // ended tasks are swept after this; 0: kept
  WebhookOptions webhooks;
};

class TaskRunner final : public BackgroundQueue {
 public:
  explicit TaskRunner(TaskParts parts);
  ~TaskRunner() override;

  // Blocking, before start(): deals with what a previous process left unfinished.
  void recover();
  void start();
  // Stops the thread; runs in flight are abandoned uncharged and run again after a restart.
  void stop();

  // POST /v1/tasks: `body` is {path, body, callback_url}. A refusal's rate-limit headers (or an
  // admission's) go to `headers`.
  boost::asio::awaitable<Result<TaskRecord>> submit(std::shared_ptr<const KeyInfo> key,
                                                    const std::string& body, Headers& headers);
  boost::asio::awaitable<HttpResponse> submit_background(std::shared_ptr<const KeyInfo> key,
                                                         const Surface& surface,
                                                         const std::string& path,
                                                         const std::string& body,
                                                         const CanonicalRequest& request) override;
  // The task if `account_id` owns it.
  boost::asio::awaitable<std::optional<TaskRecord>> find(const std::string& id,
                                                         const std::string& account_id);
  // The task after the cancel; 404 / 400 errors when it cannot be cancelled.
  boost::asio::awaitable<Result<TaskRecord>> cancel(const std::string& id,
                                                    const std::string& account_id);
  // The writer calls this on its thread after each commit (ended tasks leave memory once on
  // disk); the work is posted to the runner's thread.
  void committed(const WriteBatch& batch);

  // This host's interface addresses, which callbacks may not target.
  const HostAddresses& host_addresses() const { return host_; }

 private:
  using Live = LiveTask;
  boost::asio::awaitable<Result<TaskRecord>> enqueue(TaskRecord record,
                                                     std::shared_ptr<const KeyInfo> key);
  void refresh_host_addresses();
  // The queue's hook: the task's key's concurrency slot, asked of a shared limiter in the
  // background (ask_slot) when it cannot answer at once.
  bool take_slot(Live& live);
  boost::asio::awaitable<void> ask_slot(std::shared_ptr<Live> live);
  boost::asio::awaitable<void> run(std::shared_ptr<Live> live);
  boost::asio::awaitable<void> notify(TaskRecord record);
  void save(const TaskRecord& record, std::optional<StoredOutput> output = std::nullopt);

  TaskParts parts_;
  HostAddresses host_;
  WebhookSender webhooks_;
  boost::asio::io_context io_{1};
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  // Runner thread only.
  TaskQueue queue_;
  boost::asio::steady_timer host_timer_{io_};
  // Shared with I/O threads, under mutex_.
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Live>> live_;  // queued, running, ended unsaved
  std::vector<TaskRecord> recovered_;
};

}  // namespace glmgate
