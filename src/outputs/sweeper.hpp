// Sweeper: deletes expired stored outputs and ended tasks on its own thread, every `interval`, in
// small transactions so it never holds the store for long; the request path never waits for it.
// Owns its thread; stop() or the destructor joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "contracts/store/output_store.hpp"
#include "contracts/store/task_store.hpp"

namespace glmgate {

class Sweeper {
 public:
  Sweeper(OutputStore& outputs, TaskStore& tasks, std::chrono::milliseconds interval);
  ~Sweeper();
  void start();
  void stop();
  // One pass on the caller's thread; returns how many rows it deleted.
  std::int64_t sweep();

 private:
  OutputStore& outputs_;
  TaskStore& tasks_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace glmgate
