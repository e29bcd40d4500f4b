// BatchWriter; see batch_writer.hpp.
#include "accounts/batch_writer.hpp"

#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <ctime>

#include "core/yield_point.hpp"

namespace glmgate {

namespace {

// Beyond this many queued rows the writer stops yielding the CPU (see run()).
constexpr std::size_t kBacklogRows = 20'000;
// The longest the writer works before it gives the core away (core/yield_point.hpp).
constexpr auto kYieldSlice = std::chrono::microseconds(100);
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

// A failed batch's rows back in front of what arrived meanwhile (`failed` is left with moved-from
// rows, cleared by the caller). Each vector keeps its order: the charges' running balances follow
// it.
template <class T>
void requeue(std::vector<T>& failed, std::vector<T>& queued) {
  failed.insert(failed.end(), std::make_move_iterator(queued.begin()),
                std::make_move_iterator(queued.end()));
  queued.swap(failed);
}

}  // namespace

BatchWriter::BatchWriter(BatchStore& store, std::chrono::milliseconds interval,
                         std::size_t max_unwritten_calls)
    : store_(store),
      interval_(interval),
      overdue_ms_(kOverdueIntervals * interval.count()),
      max_unwritten_calls_(max_unwritten_calls) {}

BatchWriter::~BatchWriter() {
  stop();
}

// One row for the call, so that no commit takes the charge without the record.
void BatchWriter::record(UsageRecord record, std::optional<LedgerEntry> charge, OutputSlot output) {
  {
    std::lock_guard lock(queue_mutex_);
    queued_call_charges_ += charge.has_value();
    // An output slot of an earlier queue names nothing in this one.
    queued_.calls.emplace_back(std::move(record), std::move(charge),
                               output.batch == generation_ ? output.index : -1);
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

// Calls `f(rows, i)` with each of a batch's row vectors and its index (0-4), and `g(rows, other)`
// below with each and its counterpart in `other`.
template <class F>
void each_rows(WriteBatch& a, F f) {
  f(a.calls, 0);
  f(a.charges, 1);
  f(a.outputs, 2);
  f(a.task_outputs, 3);
  f(a.tasks, 4);
}
template <class G>
void each_rows(WriteBatch& a, WriteBatch& b, G g) {
  g(a.calls, b.calls);
  g(a.charges, b.charges);
  g(a.outputs, b.outputs);
  g(a.task_outputs, b.task_outputs);
  g(a.tasks, b.tasks);
}

// The rows destroyed a few at a time, with yield points between: freeing a large batch's strings
// is itself milliseconds of work.
template <class T>
void clear_rows(std::vector<T>& rows) {
  while (!rows.empty()) {
    rows.pop_back();
    if (rows.size() % 64 == 0) yield_point();
  }
}

// An empty vector with room for `rows`, made without moving anything.
template <class T>
void make_room(std::vector<T>& rows, std::size_t wanted) {
  constexpr std::size_t kMinRows = 256;
  wanted = std::max(wanted, kMinRows);
  // Far more room than the load needs (after a burst) goes back to the allocator.
  if (rows.capacity() >= wanted && rows.capacity() <= 4 * wanted) return;
  std::vector<T> fresh;
  fresh.reserve(wanted);
  rows.swap(fresh);
}

void BatchWriter::flush() {
  std::lock_guard commit_lock(commit_mutex_);
  // The queue the request threads fill next is this writer's spare: the last batch's vectors,
  // emptied, with room for twice the rows this batch has, made here outside the queue's lock.
  // A request thread's push then never grows a vector (which moves every row queued so far, and
  // at 5,000 ms between commits took milliseconds), nor waits on the lock for an allocation.
  WriteBatch& batch = spare_;
  std::array<std::size_t, 5> rows_now{};
  {
    std::lock_guard lock(queue_mutex_);
    each_rows(queued_, [&rows_now](auto& rows, int i) { rows_now[i] = rows.size(); });
  }
  each_rows(batch, [&rows_now](auto& rows, int i) { make_room(rows, 2 * rows_now[i]); });
  {
    std::lock_guard lock(queue_mutex_);
    each_rows(batch, queued_, [](auto& rows, auto& queued) { rows.swap(queued); });
    queued_call_charges_ = 0;
    ++generation_;
  }
  if (reserved_source_) batch.reserved = {reserved_instance_, reserved_source_()};
  if (!batch.empty()) {
    try {
      const auto started = std::chrono::steady_clock::now();
      store_.commit(batch);
      if (commit_timer_)
        commit_timer_(std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - started));
      if (full_.load(std::memory_order_relaxed)) {
        spdlog::info("usage records are written again; new calls are served");
        full_.store(false, std::memory_order_relaxed);
      }
      if (commit_listener_) commit_listener_(batch);
    } catch (const std::exception& e) {
      spdlog::error("could not write {} usage records and {} outputs, will retry: {}",
                    batch.calls.size(), batch.outputs.size(), e.what());
      std::lock_guard lock(queue_mutex_);
      // Requeued outputs move the queued ones: no slot handed out so far stays right.
      ++generation_;
      for (auto* calls : {&batch.calls, &queued_.calls})
        for (auto& call : *calls) {
          call.output = -1;
          if (calls == &batch.calls) queued_call_charges_ += call.charge.has_value();
        }
      each_rows(batch, queued_, [](auto& failed, auto& queued) { requeue(failed, queued); });
      // Calls already served are kept whatever their number; new ones wait for room.
      if (queued_.calls.size() >= max_unwritten_calls_ && !full_.load(std::memory_order_relaxed)) {
        spdlog::error(
            "{} usage records wait for the store: new calls get 503 until they are written",
            queued_.calls.size());
        full_.store(true, std::memory_order_relaxed);
      }
    }
  }
  each_rows(batch, [](auto& rows, int) { clear_rows(rows); });  // the rows, not the room
  batch.reserved.amounts.clear();
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
  enable_yield_points(kYieldSlice);
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

std::size_t BatchWriter::usage_room() {
  std::lock_guard lock(queue_mutex_);
  return queued_.calls.capacity();
}

std::size_t BatchWriter::queued_rows() {
  std::lock_guard lock(queue_mutex_);
  return queued_.calls.size() + queued_call_charges_ + queued_.charges.size() +
         queued_.outputs.size() + queued_.task_outputs.size();
}

}  // namespace glmgate
