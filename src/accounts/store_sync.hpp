// StoreSync: keeps the server's memory in step with the store, which other processes (the CLI)
// and the admin API change: new and revoked keys, new accounts, grants and adjustments, and the
// pause switch, read from the store's change feed (contracts/store/change_feed.hpp). A background
// thread polls every `interval`; sync_now() lets the admin API wait until its own write is visible,
// and after_next_round() lets a key lookup that missed the cache hear when the store has been read
// again, without waiting. Requests that arrive while a round runs are all served by the next one: a
// flood of unknown keys costs one round at a time, not one store read each. A feed that pushes
// (ChangeFeed::pushes(): PostgreSQL) is listened to by a second thread, and a push starts a round
// at once: another server's revocation is heard in milliseconds, the poll staying the fallback.
// Owns its threads; stop() or the destructor joins them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "accounts/account_book.hpp"
#include "accounts/key_cache.hpp"
#include "contracts/pause_switch.hpp"
#include "contracts/store/change_feed.hpp"

namespace glmgate {

class StoreSync {
 public:
  StoreSync(ChangeFeed& feed, KeyCache& keys, AccountBook& accounts, PauseSwitch& pause,
            std::string origin, std::chrono::milliseconds interval);
  ~StoreSync();

  // One round on the caller's thread (start-up: loads everything).
  void poll();
  void start();
  // Blocks until a round that began after this call has finished. Not for I/O threads.
  void sync_now();
  // Calls `done` on the sync thread, with no lock held, once a round that began after this call
  // has finished; at once (on the caller's thread) when the thread does not run. Any thread.
  void after_next_round(std::function<void()> done);
  // Rounds run so far (tests).
  std::uint64_t rounds() const { return rounds_.load(std::memory_order_relaxed); }
  void stop();

 private:
  void run();
  void listen();

  ChangeFeed& feed_;
  KeyCache& keys_;
  AccountBook& accounts_;
  PauseSwitch& pause_;
  std::string origin_;
  std::chrono::milliseconds interval_;
  ChangeCursor cursor_;
  std::mutex poll_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::uint64_t requested_ = 0;
  std::uint64_t completed_ = 0;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> waiting_;  // ticket, callback
  std::atomic<std::uint64_t> rounds_{0};
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<bool> listening_{false};
  std::thread listener_;
};

}  // namespace glmgate
