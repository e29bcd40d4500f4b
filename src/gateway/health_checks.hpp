// HealthChecks: the optional active health checks (`health_check_interval_ms`, off by default),
// for deployments that get too few calls for their breakers to learn from, as LiteLLM's
// background health checks. Every interval each deployment of the catalog, whatever its breaker
// says, gets one small non-streamed call ("ping", max_tokens 1, on its provider's first key the
// board admits):
// - a check that fails as the router counts a fault (no connection, a timeout, a 5xx, a 429, a
//   refused key) sets the deployment aside until after the next check and notes the error, so
//   the routers skip it without a user's call paying for the discovery;
// - a check that answers closes the deployment's breaker if it was open (restore()), without
//   waiting for its cooldown and a user's probe.
// A client error (a 400 for the tiny request) counts as answering. The checks are not billed to
// anyone and not counted in the breakers' windows: they cost the operator a few upstream tokens
// per deployment and interval. A round waits for its slowest check (30 s at most).
// Threading: its own thread and io_context, between start() and stop(); the board's calls are
// thread-safe. Lifetime: the catalog, registry and board outlive it.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <unordered_set>

#include "contracts/health_board.hpp"
#include "gateway/catalog.hpp"
#include "providers/registry.hpp"

namespace glmgate {

class HealthChecks {
 public:
  HealthChecks(const Catalog& catalog, const ProviderRegistry& providers, HealthBoard& board,
               std::chrono::milliseconds interval);
  ~HealthChecks();
  void start();
  void stop();

  // One round of checks, every deployment at once, on the caller's thread (tests).
  void check_all_now();

 private:
  boost::asio::awaitable<void> check(const Deployment& deployment);
  boost::asio::awaitable<void> round();
  boost::asio::awaitable<void> run();

  const Catalog& catalog_;
  const ProviderRegistry& providers_;
  HealthBoard& board_;
  const std::chrono::milliseconds interval_;
  std::atomic<bool> stopping_{false};
  std::unordered_set<std::string> warned_;  // failing now (logged once); the checks' thread
  boost::asio::io_context io_{1};
  std::thread thread_;
};

}  // namespace glmgate
