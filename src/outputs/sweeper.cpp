// Sweeper; see sweeper.hpp.
#include "outputs/sweeper.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "core/clock.hpp"

namespace glmgate {

namespace {
constexpr std::int64_t kRowsPerTransaction = 1000;
}

Sweeper::Sweeper(OutputStore& outputs, TaskStore& tasks, std::chrono::milliseconds interval)
    : outputs_(outputs), tasks_(tasks), interval_(interval) {}

Sweeper::~Sweeper() {
  stop();
}

std::int64_t Sweeper::sweep() {
  std::int64_t total = 0;
  // One kind at a time, in transactions of kRowsPerTransaction rows until none is left; false
  // when stopped meanwhile.
  auto drain = [&](auto sweep_some) {
    for (;;) {
      std::int64_t n = sweep_some(unix_ms_now());
      total += n;
      if (n < kRowsPerTransaction) return true;
      std::lock_guard lock(mutex_);
      if (stopping_) return false;
    }
  };
  try {
    if (drain(
            [this](std::int64_t now) { return outputs_.sweep_outputs(now, kRowsPerTransaction); }))
      drain([this](std::int64_t now) { return tasks_.sweep_tasks(now, kRowsPerTransaction); });
    // Few rows (people, not requests): one statement.
    if (users_) total += users_->sweep_users(unix_ms_now(), session_idle_ms_);

  } catch (const std::exception& e) {
    spdlog::warn("could not delete expired outputs, will retry: {}", e.what());
  }
  // Apart: a failure above must not keep expired chat keys alive.
  try {
    if (keys_) total += keys_->expire_keys(unix_ms_now(), unix_ms_now() - 86'400'000);
  } catch (const std::exception& e) {
    spdlog::warn("could not revoke expired chat keys, will retry: {}", e.what());
  }
  if (total > 0)
    spdlog::info("deleted {} expired outputs, tasks, sessions and links, or revoked chat keys",
                 total);
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
