// TaskRunner's cancels; see task_runner.hpp. On the server that holds the task, a cancel stops it
// at once: a task still waiting ends cancelled, a running one is aborted on the runner's thread
// and ends cancelled, its reservation released. On another server, the store records the cancel
// for the holder's next renewal, or, when no server holds the task, this one claims it and ends it.
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "core/clock.hpp"
#include "tasks/task_exchange.hpp"
#include "tasks/task_record.hpp"
#include "tasks/task_runner.hpp"

namespace glmgate {

namespace asio = boost::asio;

namespace {

ApiError not_cancellable(const TaskRecord& task) {
  return ApiError::invalid_request(
      "Only a queued or in-progress task can be cancelled; this one is " + task.status + ".");
}

}  // namespace

TaskRunner::CancelMark TaskRunner::mark_cancel(Live& live) {
  std::lock_guard lock(mutex_);
  CancelMark mark;
  if (live.ended) {
    mark.ended = live.record;
  } else {
    mark.again = live.cancel_requested;
    live.cancel_requested = true;
    mark.queued_only = live.record.status == task_status::kQueued;
    if (mark.queued_only) {
      live.record.status = task_status::kCancelled;
      live.record.body = summary_of(live.record);
      live.record.updated_at = unix_ms_now();
      if (parts_.retention_ms > 0)
        live.record.expires_at = live.record.updated_at + parts_.retention_ms;
      live.ended = true;
    }
  }
  mark.shown = live.record;
  return mark;
}

void TaskRunner::carry_out(std::shared_ptr<Live> live, const CancelMark& mark) {
  if (mark.ended) return;
  if (mark.queued_only) {
    // The queue drops it when it next looks (it is marked ended).
    save(mark.shown);
    if (!mark.shown.callback_url.empty())
      asio::co_spawn(io_, notify(std::move(live), mark.shown), asio::detached);
    return;
  }
  if (mark.again) return;
  // Running: stop it on its own thread; the run ends as cancelled and releases its reservation.
  asio::post(io_, [live] {
    if (live->run) live->run->cancelled = true;
    if (live->exchange) live->exchange->cancel();
  });
}

asio::awaitable<Result<TaskRecord>> TaskRunner::cancel(const std::string& id,
                                                       const std::string& account_id) {
  std::shared_ptr<Live> live;
  {
    std::lock_guard lock(mutex_);
    if (auto it = live_.find(id); it != live_.end() && it->second->record.account_id == account_id)
      live = it->second;
  }
  std::optional<TaskRecord> stored;
  if (live) {
    CancelMark mark = mark_cancel(*live);
    if (mark.ended) {
      if (mark.ended->status == task_status::kCancelled) co_return *mark.ended;
      co_return not_cancellable(*mark.ended);
    }
    carry_out(live, mark);
    stored = mark.shown;
  } else {
    stored = co_await find(id, account_id);
    if (!stored) co_return ApiError::not_found("No task or response with id '" + id + "'.");
    if (stored->status == task_status::kCancelled) co_return *stored;
    if (is_ended(stored->status)) co_return not_cancellable(*stored);
    // Another server holds it, or none does yet.
    const auto at = HeldClaims::Clock::now();
    std::optional<ClaimedRun> claimed;
    try {
      auto cancel = [&store = parts_.store, id, settings = claim_settings()] {
        return claim_to_cancel(store, settings, id, unix_ms_now());
      };
      claimed = co_await parts_.pool.run(std::move(cancel));
    } catch (const std::exception& e) {
      spdlog::error("task {}: cannot record its cancel: {}", id, e.what());
      co_return ApiError::unavailable("The task could not be cancelled. Try again later.");
    }
    if (claimed) {  // nobody held it: it ends here, seen at once by a GET on this server
      auto live = live_of(*claimed);
      CancelMark mark = mark_cancel(*live);
      stored = mark.shown;
      asio::post(io_, [this, live = std::move(live), mark = std::move(mark), at]() mutable {
        act_on(std::move(live), at, mark);
      });
    }
  }
  if (!is_ended(stored->status)) stored->status = task_status::kCancelled;
  co_return *stored;
}

}  // namespace glmgate
