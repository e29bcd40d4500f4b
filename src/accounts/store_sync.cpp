// StoreSync; see store_sync.hpp.
#include "accounts/store_sync.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <unordered_set>

namespace glmgate {

StoreSync::StoreSync(Store& store, KeyCache& keys, AccountBook& accounts, PauseSwitch& pause,
                     std::string origin, std::chrono::milliseconds interval)
    : store_(store),
      keys_(keys),
      accounts_(accounts),
      pause_(pause),
      origin_(std::move(origin)),
      interval_(interval) {}

StoreSync::~StoreSync() {
  stop();
}

void StoreSync::poll() {
  std::lock_guard lock(poll_mutex_);
  SyncChanges changes = store_.sync(cursor_, origin_);
  // A new account's stored balance already includes the ledger rows read with it.
  std::unordered_set<std::string> loaded;
  for (const auto& a : changes.accounts)
    if (accounts_.load(a)) loaded.insert(a.id);
  for (const auto& entry : changes.ledger)
    if (!loaded.count(entry.account_id)) accounts_.apply_external(entry);
  keys_.apply(changes.keys);
  pause_.paused.store(changes.paused, std::memory_order_relaxed);
  cursor_ = changes.cursor;
}

void StoreSync::start() {
  thread_ = std::thread([this] { run(); });
}

void StoreSync::sync_now() {
  std::unique_lock lock(mutex_);
  if (!thread_.joinable() || stopping_) {
    lock.unlock();
    poll();
    return;
  }
  std::uint64_t ticket = ++requested_;
  wake_.notify_all();
  done_.wait(lock, [&] { return completed_ >= ticket || stopping_; });
}

void StoreSync::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  done_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StoreSync::run() {
  pthread_setname_np(pthread_self(), "glmgate-sync");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_ || requested_ > completed_; });
    if (stopping_) break;
    std::uint64_t serving = requested_;
    lock.unlock();
    try {
      poll();
    } catch (const std::exception& e) {
      spdlog::warn("store sync failed, will retry: {}", e.what());
    }
    lock.lock();
    completed_ = serving;
    done_.notify_all();
  }
}

}  // namespace glmgate
