// BatchWriter: the group commit behind usage records and charges. Request threads hand it rows
// (a short mutex-protected push, never disk I/O); its own thread commits everything queued every
// `interval` in one store transaction, so balance and ledger change together and the request path
// never waits for a disk write. A failed commit keeps the rows and retries. The thread runs at idle
// priority while it keeps up, so its commits never take a core from a request; it competes
// normally when rows pile up or when a commit is overdue (other load starving it), and never goes
// idle where the process may not leave idle priority again. What a crash can lose is what was
// queued since the last commit (see README). stop() commits what is left and joins.
// What a commit is given (contracts/store/batch_store.hpp) holds by construction: a call's record
// and charge are queued together as one CallWrite, and its output by the slot keep() handed out,
// which names a place in the queue only while that queue is the one being filled.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "accounts/account_book.hpp"
#include "contracts/output_sink.hpp"
#include "contracts/store/batch_store.hpp"
#include "contracts/usage_sink.hpp"

namespace glmgate {

class BatchWriter final : public UsageSink {
 public:
  using ReservedSource = std::function<std::vector<std::pair<std::string, NanoUsd>>()>;
  // `max_unwritten_calls`: how many finished calls may wait for a store that cannot be written
  // before full() says so (each holds its record, charge and output: about a kilobyte).
  BatchWriter(BatchStore& store, std::chrono::milliseconds interval,
              std::size_t max_unwritten_calls = 200'000);
  ~BatchWriter() override;

  void record(UsageRecord record, std::optional<LedgerEntry> charge,
              OutputSlot output = {}) override;
  bool full() const override { return full_.load(std::memory_order_relaxed); }
  // A stored output and/or a task state, queued together so they commit in one transaction.
  // Returns where a call's output (not a task's) waits, for its usage record to name.
  OutputSlot keep(std::optional<StoredOutput> output, std::optional<TaskRecord> task);
  // Called on the writer's thread after each successful commit (the task runner forgets ended
  // tasks).
  void set_commit_listener(std::function<void(const WriteBatch&)> listener) {
    commit_listener_ = std::move(listener);
  }
  // Called on the writer's thread with each successful commit's duration (the metrics).
  void set_commit_timer(std::function<void(std::chrono::microseconds)> timer) {
    commit_timer_ = std::move(timer);
  }
  // Called at each commit for the open holds that changed, which it records under `instance`
  // (for `credits show`; see AccountStore).
  void set_reserved_source(std::string instance, ReservedSource source) {
    reserved_instance_ = std::move(instance);
    reserved_source_ = std::move(source);
  }

  void start();
  // Commits what is queued now, on the caller's thread (blocking).
  void flush();
  void stop();
  std::size_t queued_rows();
  // Usage rows the queue takes before it must grow (diagnostics and tests).
  std::size_t usage_room();
  // The writer thread's kernel id once it runs, 0 before (for diagnostics and tests).
  pid_t thread_id() const { return tid_.load(); }

 private:
  void run();
  // From a request thread: a writer at idle priority that has not run for a while is starved.
  void wake_if_starved();
  void set_background(bool background);

  BatchStore& store_;
  std::chrono::milliseconds interval_;
  std::string reserved_instance_;
  ReservedSource reserved_source_;
  std::function<void(const WriteBatch&)> commit_listener_;
  std::function<void(std::chrono::microseconds)> commit_timer_;
  std::mutex queue_mutex_;
  WriteBatch queued_;
  std::size_t queued_call_charges_ = 0;  // queued_.calls with a charge (a row each, as usage rows)
  std::uint64_t generation_ = 1;  // of queued_: bumped whenever its outputs are taken or reordered
  std::mutex commit_mutex_;       // one commit at a time (the thread, or flush()); guards:
  WriteBatch spare_;              // the next queue's storage, then the batch being committed
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  // Priority: changed under policy_mutex_ (try-locked from request threads, which must never
  // wait for an idle thread), read without it.
  std::int64_t overdue_ms_;
  std::atomic<pid_t> tid_{0};
  std::atomic<bool> background_{false};
  std::atomic<std::int64_t> last_pass_ms_{0};  // coarse monotonic: the writer's last wake
  std::size_t max_unwritten_calls_;
  std::atomic<bool> full_{false};
  std::mutex policy_mutex_;
};

}  // namespace glmgate
