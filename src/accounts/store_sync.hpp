// StoreSync: keeps the server's memory in step with the store, which other processes (the CLI)
// and the admin API change: new and revoked keys, new accounts, grants and adjustments, and the
// pause switch. A background thread polls every `interval`; sync_now() lets the admin API wait
// until its own write is visible. Owns its thread; stop() or the destructor joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "accounts/account_book.hpp"
#include "accounts/key_cache.hpp"
#include "gateway/seams.hpp"
#include "store/store.hpp"

namespace glmgate {

class StoreSync {
 public:
  StoreSync(Store& store, KeyCache& keys, AccountBook& accounts, PauseSwitch& pause,
            std::string origin, std::chrono::milliseconds interval);
  ~StoreSync();

  // One round on the caller's thread (start-up: loads everything).
  void poll();
  void start();
  // Blocks until a round that began after this call has finished. Not for I/O threads.
  void sync_now();
  void stop();

 private:
  void run();

  Store& store_;
  KeyCache& keys_;
  AccountBook& accounts_;
  PauseSwitch& pause_;
  std::string origin_;
  std::chrono::milliseconds interval_;
  SyncCursor cursor_;
  std::mutex poll_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::uint64_t requested_ = 0;
  std::uint64_t completed_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace glmgate
