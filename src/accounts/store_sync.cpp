// StoreSync; see store_sync.hpp.
#include "accounts/store_sync.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>

#include "contracts/store/settings_store.hpp"

namespace glmgate {

StoreSync::StoreSync(ChangeFeed& feed, KeyCache& keys, AccountBook& accounts, PauseSwitch& pause,
                     std::string origin, std::chrono::milliseconds interval)
    : feed_(feed),
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
  Changes changes = feed_.changes_since(cursor_, origin_);
  // A new account's stored balance already includes the ledger rows read with it.
  std::unordered_set<std::string> loaded;
  for (const auto& a : changes.accounts)
    if (accounts_.load(a)) loaded.insert(a.id);
  for (const auto& entry : changes.ledger)
    if (!loaded.count(entry.account_id)) accounts_.apply_external(entry);
  keys_.apply(changes.keys);
  if (const std::string* paused = changes.setting(setting_name::kPaused))
    pause_.paused.store(*paused == "1", std::memory_order_relaxed);
  cursor_ = changes.cursor;
  rounds_.fetch_add(1, std::memory_order_relaxed);
}

void StoreSync::start() {
  thread_ = std::thread([this] { run(); });
  if (feed_.pushes()) {
    listening_ = true;
    listener_ = std::thread([this] { listen(); });
  }
}

void StoreSync::listen() {
  pthread_setname_np(pthread_self(), "glmgate-listen");
  // Short waits, so that stop() is not held up by more than one.
  constexpr auto kWait = std::chrono::milliseconds(250);
  while (listening_.load(std::memory_order_relaxed)) {
    if (!feed_.wait_for_change(kWait)) continue;
    std::lock_guard lock(mutex_);
    ++requested_;
    wake_.notify_all();
  }
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

void StoreSync::after_next_round(std::function<void()> done) {
  {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() && !stopping_) {
      waiting_.emplace_back(++requested_, std::move(done));
      wake_.notify_all();
      return;
    }
  }
  done();
}

void StoreSync::stop() {
  listening_ = false;
  if (listener_.joinable()) listener_.join();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  done_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Nobody will run another round: answer whoever still waits for one.
  std::vector<std::pair<std::uint64_t, std::function<void()>>> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(waiting_);
  }
  for (auto& [ticket, done] : left)
    done();
}

void StoreSync::run() {
  pthread_setname_np(pthread_self(), "glmgate-sync");
  // Rounds asked for back to back (a flood of unknown keys) start at most one per kMinGap, and
  // each serves every request that came meanwhile: the store sees a bounded rate of rounds
  // whatever the rate of misses, and a new key's first request waits at most this much longer.
  constexpr auto kMinGap = std::chrono::milliseconds(20);
  auto last_round = std::chrono::steady_clock::time_point();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_ || requested_ > completed_; });
    if (stopping_) break;
    wake_.wait_until(lock, last_round + kMinGap, [this] { return stopping_; });
    if (stopping_) break;
    last_round = std::chrono::steady_clock::now();
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
    // The callbacks this round served run after the lock is released: they may post work or
    // ask for another round.
    std::vector<std::pair<std::uint64_t, std::function<void()>>> served;
    auto first_later = std::partition(waiting_.begin(), waiting_.end(),
                                      [serving](const auto& w) { return w.first <= serving; });
    served.assign(std::make_move_iterator(waiting_.begin()), std::make_move_iterator(first_later));
    waiting_.erase(waiting_.begin(), first_later);
    if (!served.empty()) {
      lock.unlock();
      for (auto& [ticket, done] : served)
        done();
      lock.lock();
    }
  }
}

}  // namespace glmgate
