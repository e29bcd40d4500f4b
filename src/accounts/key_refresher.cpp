// KeyRefresher; see key_refresher.hpp.
#include "accounts/key_refresher.hpp"

#include <spdlog/spdlog.h>

namespace glmgate {

KeyRefresher::KeyRefresher(Store& store, KeyCache& cache, std::chrono::milliseconds interval)
    : store_(store), cache_(cache), interval_(interval), thread_([this] { run(); }) {}

KeyRefresher::~KeyRefresher() {
  stop();
}

void KeyRefresher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void KeyRefresher::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      auto changes = store_.keys_changed_since(cache_.rev());
      if (!changes.empty()) {
        cache_.apply(changes);
        spdlog::debug("key cache: applied {} change(s), now {} active keys", changes.size(),
                      cache_.size());
      }
    } catch (const std::exception& e) {
      // A locked or briefly unavailable file is retried on the next tick.
      spdlog::warn("key cache refresh failed: {}", e.what());
    }
    lock.lock();
  }
}

}  // namespace glmgate
