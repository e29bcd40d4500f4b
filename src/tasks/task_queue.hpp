// TaskQueue: which queued task runs next. At most `concurrency` run at once, in the order they
// were queued, except that a task whose key is at its --max-concurrency cap waits (and is tried
// again shortly: the key's other requests free their slots without telling the queue) while
// tasks of other keys pass it. A task cancelled while it waits is dropped.
// Threading: the runner's thread only (its io_context); not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <memory>

#include "tasks/live_task.hpp"

namespace glmgate {

class TaskQueue {
 public:
  struct Hooks {
    // Whether the task was cancelled (it is under the runner's lock); it is dropped then.
    std::function<bool(LiveTask&)> ended;
    // Takes the key's concurrency slot; false while the key is at its cap.
    std::function<bool(LiveTask&)> hold_slot;
    // Runs the task; it calls finished() when it ends.
    std::function<void(std::shared_ptr<LiveTask>)> start;
  };

  TaskQueue(boost::asio::io_context& io, std::size_t concurrency, Hooks hooks);

  void push(std::shared_ptr<LiveTask> task);
  // A started task ended: its place goes to the next.
  void finished();
  // How many more tasks it wants: up to `concurrency` running, and as many waiting (a task waits
  // only while its key is at its cap, when some run).
  std::size_t room() const;

 private:
  void start_ready();
  void retry_later();

  std::size_t concurrency_;
  Hooks hooks_;
  std::deque<std::shared_ptr<LiveTask>> waiting_;
  std::size_t running_ = 0;
  boost::asio::steady_timer retry_;
  bool retry_armed_ = false;
};

}  // namespace glmgate
