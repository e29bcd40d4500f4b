// Sweeper; see sweeper.hpp.
#include "outputs/sweeper.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "outputs/output_store.hpp"

namespace glmgate {

namespace {
constexpr std::int64_t kRowsPerTransaction = 1000;
}

Sweeper::Sweeper(Store& store, std::chrono::milliseconds interval)
    : store_(store), interval_(interval) {}

Sweeper::~Sweeper() {
  stop();
}

std::int64_t Sweeper::sweep() {
  std::int64_t total = 0;
  try {
    for (;;) {
      std::int64_t n = store_.sweep_expired(unix_ms_now(), kRowsPerTransaction);
      total += n;
      if (n < kRowsPerTransaction) break;
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
  } catch (const std::exception& e) {
    spdlog::warn("could not delete expired outputs, will retry: {}", e.what());
  }
  if (total > 0) spdlog::info("deleted {} expired outputs and tasks", total);
  return total;
}

void Sweeper::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "glmgate-sweep");
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      sweep();
      lock.lock();
    }
  });
}

void Sweeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace glmgate
