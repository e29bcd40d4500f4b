// KeyRefresher: a background thread that polls the store for keys changed since the cache's last
// revision, so a key created or revoked by the CLI (another process) takes effect within
// `interval`. Owns its thread; stop() or the destructor joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "accounts/key_cache.hpp"
#include "store/store.hpp"

namespace glmgate {

class KeyRefresher {
 public:
  KeyRefresher(Store& store, KeyCache& cache, std::chrono::milliseconds interval);
  ~KeyRefresher();
  void stop();

 private:
  void run();

  Store& store_;
  KeyCache& cache_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace glmgate
