// TaskRunner: background generations, and the one object that ties their parts together. POST
// /v1/tasks (checked by task_submission) and Responses' background: true queue a task (written to
// the store before the client hears "queued", so a crash cannot lose it; the key's requests per
// minute are taken then); the runner's own thread starts them in the TaskQueue's order, runs
// each through the same pipeline as any request (task_execution), keeps the output and the
// task's end in one writer commit, and then reports to the task's callback URL by signed webhook
// (webhook_sender).
// Several servers may share the store: a server works on a task only while it holds the task's
// claim (contracts/store/task_store.hpp, task_claims). A task queued on a server with room is
// claimed as it is written; every poll (and when a run ends) a server renews the claims it holds,
// claims queued tasks it has room for and tasks whose server died (task_recovery: run again, or
// refunded and failed when that run was charged), and webhooks whose sender died. cancel() works
// on any server: on the holder it aborts the run and releases its reservation; elsewhere it
// records the cancel, which the holder sees at its next renewal. A server that cannot renew stops
// its runs before its claims run out. recover() at start-up drops the claims this server's name
// held before (a server alone on its store keeps one name); claims of live servers are untouched.
// Threading: the queue, the claims, the running count and each run's state belong to the
// runner's thread (other threads post to it). `mutex_` guards only the table of live tasks and
// their records, which I/O threads read; it is held for plain data operations, never across a
// call that can start a coroutine, run a callback or wait. Blocking store work runs on the
// blocking pool.
#pragma once

#include <atomic>
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
#include "tasks/task_claims.hpp"
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
  std::string instance = "server";  // the name this server's claims carry
  std::int64_t lease_ms = 30'000;   // a claim not renewed for this long is another's to take
};

class TaskRunner final : public BackgroundQueue {
 public:
  explicit TaskRunner(TaskParts parts);
  ~TaskRunner() override;

  // Blocking, before start(): drops the claims this server's name held in a previous run.
  void recover();
  void start();
  // Stops the thread; runs in flight are abandoned uncharged and run again after their claims
  // are released (release_claims) or run out.
  void stop();
  // Blocking, after stop() and the writer's last commit: other servers may take this one's tasks
  // at once. A failure is logged; the claims then run out by themselves.
  void release_claims();

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
  // The task after the cancel; 404 / 400 errors when it cannot be cancelled, 503 when the store
  // cannot record a cancel for another server.
  boost::asio::awaitable<Result<TaskRecord>> cancel(const std::string& id,
                                                    const std::string& account_id);
  // The writer calls this on its thread after each commit (ended tasks leave memory once on
  // disk, and closed ones their claims); the work is posted to the runner's thread.
  void committed(const WriteBatch& batch);

  // This host's interface addresses, which callbacks may not target.
  const HostAddresses& host_addresses() const { return host_; }

 private:
  using Live = LiveTask;
  // What a cancel did to a live task, decided under the lock (task_runner_cancel.cpp).
  struct CancelMark {
    std::optional<TaskRecord> ended;  // it had ended already: nothing done
    bool queued_only = false;         // it had not started: it ended now, cancelled
    bool again = false;               // its run was asked to stop before: nothing more to do
    TaskRecord shown;
  };
  boost::asio::awaitable<Result<TaskRecord>> enqueue(TaskRecord record,
                                                     std::shared_ptr<const KeyInfo> key);
  void refresh_host_addresses();
  // The queue's hook: the task's key's concurrency slot, asked of a shared limiter in the
  // background (ask_slot) when it cannot answer at once.
  bool take_slot(Live& live);
  boost::asio::awaitable<void> ask_slot(std::shared_ptr<Live> live);
  boost::asio::awaitable<void> run(std::shared_ptr<Live> live);
  boost::asio::awaitable<void> notify(std::shared_ptr<Live> live, TaskRecord record);
  void save(const TaskRecord& record, std::optional<StoredOutput> output = std::nullopt);
  CancelMark mark_cancel(Live& live);
  void carry_out(std::shared_ptr<Live> live, const CancelMark& mark);
  // Claims (task_runner_claims.cpp), on the runner's thread.
  ClaimSettings claim_settings() const;
  void poll();
  void poke();
  boost::asio::awaitable<void> claim_rounds();
  // A claimed task's LiveTask (any thread); one to run or cancel joins live_ at once.
  std::shared_ptr<LiveTask> live_of(ClaimedRun& claimed);
  void adopt(ClaimedRun claimed, HeldClaims::Clock::time_point at);
  // Holds the claim on `live` and acts on it: carries out its cancel, sends the webhook an ended
  // task owes, or queues its run.
  void act_on(std::shared_ptr<Live> live, HeldClaims::Clock::time_point at,
              const std::optional<CancelMark>& cancel);
  void deliver_claimed(ClaimedTask claimed, HeldClaims::Clock::time_point at);
  void give_up(const std::shared_ptr<Live>& live);
  void publish_room();

  TaskParts parts_;
  HostAddresses host_;
  WebhookSender webhooks_;
  boost::asio::io_context io_{1};
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  // Runner thread only.
  TaskQueue queue_;
  HeldClaims claims_;
  boost::asio::steady_timer host_timer_{io_};
  boost::asio::steady_timer poll_timer_{io_};
  bool claiming_ = false;
  bool claim_again_ = false;
  std::size_t deliveries_ = 0;  // webhooks being sent
  // Set by the runner's thread, taken by submits: runs it has room for, which a submit claims.
  std::atomic<std::int64_t> free_slots_{0};
  // Shared with I/O threads, under mutex_.
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Live>> live_;  // queued, running, ended unsaved
};

}  // namespace glmgate
