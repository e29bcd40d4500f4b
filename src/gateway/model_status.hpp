// ModelStatus: what GET /status tells anyone (no key) of each public model: `operational` while
// every deployment's breaker is closed, `degraded` while some but not all are open (or probing),
// `down` while all are, from the health board; and its uptime share over the last hour and day,
// the share of samples (one every `period`, 10 s) in which it was not down (1 before any sample).
// detail() adds, for the admin API, every deployment and pool key the board has seen.
// Threading: sample() runs on its own thread (start/stop); snapshot() and detail() from any
// thread, under a mutex held to copy a few counters. Lifetime: the catalog and board outlive it.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "contracts/health_board.hpp"
#include "gateway/catalog.hpp"

namespace glmgate {

class ModelStatus {
 public:
  ModelStatus(const Catalog& catalog, const HealthBoard& board,
              std::chrono::milliseconds period = std::chrono::seconds(10));
  ~ModelStatus();
  void start();
  void stop();

  // One sample of every model's state (the thread calls it every period; tests call it).
  void sample();
  // {"status": worst of the models, "models": [{"id", "status", "uptime_1h", "uptime_24h"}]}.
  boost::json::object snapshot() const;
  // The snapshot with, per model, its deployments' figures, and the pool keys'.
  boost::json::object detail() const;

 private:
  enum class State : unsigned char { operational, degraded, down };
  State state_of(const ModelConfig& model) const;
  double uptime(const std::string& model, std::size_t samples) const;

  const Catalog& catalog_;
  const HealthBoard& board_;
  const std::chrono::milliseconds period_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::deque<bool>> down_;  // newest last, a day's worth
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace glmgate
