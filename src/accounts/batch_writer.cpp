// BatchWriter; see batch_writer.hpp.
#include "accounts/batch_writer.hpp"

#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <ctime>

namespace glmgate {

namespace {

// Beyond this many queued rows the writer stops yielding the CPU (see run()).
constexpr std::size_t kBacklogRows = 20'000;
// A writer at idle priority this many intervals behind is starved by other load.
constexpr std::int64_t kOverdueIntervals = 5;

// Milliseconds at the clock tick's resolution: read on every record, so the cheapest clock.
std::int64_t coarse_now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// SCHED_IDLE runs the thread only when no request-path thread wants the core, so a commit never
// delays a request; SCHED_OTHER competes normally. `tid` 0: the calling thread.
bool set_policy(pid_t tid, bool background) {
  sched_param param{};
  return sched_setscheduler(tid, background ? SCHED_IDLE : SCHED_OTHER, &param) == 0;
}

// Leaving SCHED_IDLE takes CAP_SYS_NICE or an RLIMIT_NICE of 20; a writer without them would stay
// idle for good once idle and, on a saturated machine, fall behind without bound. Tried on a
// thread of its own, which ends either way.
bool can_leave_idle() {
  bool ok = false;
  std::thread([&ok] { ok = set_policy(0, true) && set_policy(0, false); }).join();
  return ok;
}

// A failed batch's rows back in front of what arrived meanwhile. Each vector keeps its order: the
// store pairs the charges with their usage rows in one walk over both (SqliteStore::commit).
template <class T>
void requeue(std::vector<T>& failed, std::vector<T>& queued) {
  failed.insert(failed.end(), std::make_move_iterator(queued.begin()),
                std::make_move_iterator(queued.end()));
  queued.swap(failed);
}

}  // namespace

BatchWriter::BatchWriter(Store& store, std::chrono::milliseconds interval)
    : store_(store), interval_(interval), overdue_ms_(kOverdueIntervals * interval.count()) {}

BatchWriter::~BatchWriter() {
  stop();
}

// One lock for both, so that no commit takes the charge without the record.
void BatchWriter::record(UsageRecord record, std::optional<LedgerEntry> charge) {
  {
    std::lock_guard lock(queue_mutex_);
    // An output slot of an earlier queue names nothing in this one.
    if (record.output_slot.batch != generation_) record.output_slot.index = -1;
    queued_.usage.push_back(std::move(record));
    if (charge) queued_.charges.push_back(std::move(*charge));
  }
  wake_if_starved();
}

void BatchWriter::wake_if_starved() {
  if (!background_.load(std::memory_order_relaxed)) return;
  if (coarse_now_ms() - last_pass_ms_.load(std::memory_order_relaxed) <= overdue_ms_) return;
  std::unique_lock lock(policy_mutex_, std::try_to_lock);
  if (!lock || !background_.load(std::memory_order_relaxed)) return;
  if (set_policy(tid_.load(std::memory_order_relaxed), false)) background_ = false;
}

void BatchWriter::set_background(bool background) {
  std::lock_guard lock(policy_mutex_);
  if (background_.load(std::memory_order_relaxed) == background) return;
  if (set_policy(0, background)) background_ = background;
}

OutputSlot BatchWriter::keep(std::optional<StoredOutput> output, std::optional<TaskRecord> task) {
  std::lock_guard lock(queue_mutex_);
  OutputSlot slot;
  if (output && !task) slot = {generation_, static_cast<std::int64_t>(queued_.outputs.size())};
  if (output) (task ? queued_.task_outputs : queued_.outputs).push_back(std::move(*output));
  if (task) queued_.tasks.push_back(std::move(*task));
  return slot;
}

void BatchWriter::start() {
  thread_ = std::thread([this] { run(); });
}

void BatchWriter::flush() {
  std::lock_guard commit_lock(commit_mutex_);
  WriteBatch batch;
  {
    std::lock_guard lock(queue_mutex_);
    batch.usage.swap(queued_.usage);
    batch.charges.swap(queued_.charges);
    batch.outputs.swap(queued_.outputs);
    batch.task_outputs.swap(queued_.task_outputs);
    batch.tasks.swap(queued_.tasks);
    ++generation_;
    // The next batch will be about as large: without this, request threads would grow the
    // empty queues again, each doubling moving every row queued so far while they wait.
    queued_.usage.reserve(batch.usage.size());
    queued_.charges.reserve(batch.charges.size());
    queued_.outputs.reserve(batch.outputs.size());
  }
  if (reserved_source_) batch.reserved = reserved_source_();
  if (batch.empty()) return;
  try {
    store_.commit(batch);
    if (commit_listener_) commit_listener_(batch);
  } catch (const std::exception& e) {
    spdlog::error("could not write {} usage records and {} charges, will retry: {}",
                  batch.usage.size(), batch.charges.size(), e.what());
    std::lock_guard lock(queue_mutex_);
    // Requeued outputs move the queued ones: no slot handed out so far stays right.
    ++generation_;
    for (auto* rows : {&batch.usage, &queued_.usage})
      for (auto& u : *rows)
        u.output_slot.index = -1;
    requeue(batch.usage, queued_.usage);
    requeue(batch.charges, queued_.charges);
    requeue(batch.outputs, queued_.outputs);
    requeue(batch.task_outputs, queued_.task_outputs);
    requeue(batch.tasks, queued_.tasks);
  }
}

void BatchWriter::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  flush();
}

// The writer yields the CPU to the request path while it keeps up (on a busy machine a commit of
// a few thousand rows would otherwise stall the requests in flight for milliseconds), and
// competes normally when rows pile up, so the queue stays bounded under sustained full load, or
// when a request thread found it overdue (wake_if_starved), for one commit.
void BatchWriter::run() {
  pthread_setname_np(pthread_self(), "glmgate-writer");
  tid_ = gettid();
  const bool may_idle = can_leave_idle();
  if (!may_idle)
    spdlog::info(
        "the usage writer runs at normal CPU priority: idle priority is used only where "
        "the process may leave it again (CAP_SYS_NICE or RLIMIT_NICE 20)");
  std::unique_lock lock(wake_mutex_);
  while (!stopping_) {
    last_pass_ms_.store(coarse_now_ms(), std::memory_order_relaxed);
    if (may_idle) set_background(queued_rows() <= kBacklogRows);
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
    lock.unlock();
    last_pass_ms_.store(coarse_now_ms(), std::memory_order_relaxed);
    flush();
    lock.lock();
  }
}

std::size_t BatchWriter::queued_rows() {
  std::lock_guard lock(queue_mutex_);
  return queued_.usage.size() + queued_.charges.size() + queued_.outputs.size() +
         queued_.task_outputs.size();
}

}  // namespace glmgate
