// Sweeper: deletes expired stored outputs and ended tasks on its own thread, every `interval`, in
// small transactions so it never holds the store for long; the request path never waits for it.
// Given a UserStore, it also deletes the console's ended sessions and old one-time links; given a
// KeyStore, it revokes the console's chat keys once they expire and deletes them a day later.
// Owns its thread; stop() or the destructor joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "contracts/store/key_store.hpp"
#include "contracts/store/output_store.hpp"
#include "contracts/store/task_store.hpp"
#include "contracts/store/user_store.hpp"

namespace glmgate {

class Sweeper {
 public:
  Sweeper(OutputStore& outputs, TaskStore& tasks, std::chrono::milliseconds interval);
  // Sessions unused for `session_idle_ms` end with the sweep too.
  void sweep_users(UserStore& users, std::int64_t session_idle_ms) {
    users_ = &users;
    session_idle_ms_ = session_idle_ms;
  }
  void sweep_keys(KeyStore& keys) { keys_ = &keys; }
  ~Sweeper();
  void start();
  void stop();
  // One pass on the caller's thread; returns how many rows it deleted.
  std::int64_t sweep();

 private:
  OutputStore& outputs_;
  TaskStore& tasks_;
  UserStore* users_ = nullptr;
  KeyStore* keys_ = nullptr;
  std::int64_t session_idle_ms_ = 0;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace glmgate
