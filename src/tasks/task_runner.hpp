// TaskRunner: background generations. POST /v1/tasks and Responses' background: true queue a
// task (written to the store before the client hears "queued", so a crash cannot lose it); the
// runner's own I/O thread runs at most `concurrency` of them at once through the same pipeline
// as any request, keeps the output and the task's end in one writer commit, and then reports to
// the task's callback URL by signed webhook. cancel() aborts a run and releases its reservation.
// recover() at start-up runs again what a dead process left queued or running, or, when that run
// had already been charged, refunds it and marks it failed, so no task is lost or charged twice.
// Public calls are safe from any thread; blocking store work runs on the blocking pool.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "accounts/batch_writer.hpp"
#include "core/blocking_pool.hpp"
#include "gateway/pipeline.hpp"
#include "outputs/output_store.hpp"
#include "tasks/webhook_sender.hpp"

namespace glmgate {

struct TaskParts {
  const Pipeline& pipeline;
  Store& store;
  OutputStore& outputs;
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

  // POST /v1/tasks: `request` is the parsed body {path, body, callback_url}.
  boost::asio::awaitable<Result<TaskRecord>> submit(std::shared_ptr<const KeyInfo> key,
                                                    const std::string& body);
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
  // The writer calls this after each commit (ended tasks leave memory once on disk).
  void committed(const WriteBatch& batch);

 private:
  struct Live;
  boost::asio::awaitable<Result<TaskRecord>> enqueue(TaskRecord record);
  void pump();
  boost::asio::awaitable<void> run(std::shared_ptr<Live> live);
  boost::asio::awaitable<void> notify(TaskRecord record);
  void save(const TaskRecord& record, std::optional<StoredOutput> output = std::nullopt);

  TaskParts parts_;
  WebhookSender webhooks_;
  boost::asio::io_context io_{1};
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Live>> live_;  // queued, running, ended unsaved
  std::deque<std::shared_ptr<Live>> waiting_;
  std::size_t running_ = 0;
  std::vector<TaskRecord> recovered_;
};

}  // namespace glmgate
