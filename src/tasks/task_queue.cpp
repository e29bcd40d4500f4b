// TaskQueue; see task_queue.hpp.
#include "tasks/task_queue.hpp"

#include <algorithm>

namespace glmgate {

namespace {
// How soon a task whose key was at its concurrency cap is tried again.
constexpr auto kCapRetry = std::chrono::milliseconds(50);
}  // namespace

TaskQueue::TaskQueue(boost::asio::io_context& io, std::size_t concurrency, Hooks hooks)
    : concurrency_(concurrency), hooks_(std::move(hooks)), retry_(io) {}

void TaskQueue::push(std::shared_ptr<LiveTask> task) {
  waiting_.push_back(std::move(task));
  start_ready();
}

void TaskQueue::finished() {
  --running_;
  start_ready();
}

std::size_t TaskQueue::room() const {
  std::size_t busy = std::max(running_, waiting_.size());
  return busy >= concurrency_ ? 0 : concurrency_ - busy;
}

void TaskQueue::start_ready() {
  std::vector<std::shared_ptr<LiveTask>> ready;
  bool capped = false;
  for (auto it = waiting_.begin(); it != waiting_.end() && running_ < concurrency_;) {
    auto& task = *it;
    if (hooks_.ended(*task)) {
      it = waiting_.erase(it);
      continue;
    }
    // A key at its cap keeps its tasks waiting; tasks of other keys behind them go first.
    if (!hooks_.hold_slot(*task)) {
      capped = true;
      ++it;
      continue;
    }
    ++running_;
    ready.push_back(std::move(task));
    it = waiting_.erase(it);
  }
  if (capped) retry_later();
  // Started after the loop: a run begins on this thread at once and may come back here.
  for (auto& task : ready)
    hooks_.start(std::move(task));
}

void TaskQueue::retry_later() {
  if (retry_armed_) return;
  retry_armed_ = true;
  retry_.expires_after(kCapRetry);
  retry_.async_wait([this](boost::system::error_code ec) {
    retry_armed_ = false;
    if (!ec) start_ready();
  });
}

}  // namespace glmgate
