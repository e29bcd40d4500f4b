// Catalog: the configured models by public ID, each with its deployments (one provider serving
// one upstream model, as the router sees it: its name on the health board, its weight, and the
// calls in flight and time to first token that least_busy and lowest_latency route by), and the
// providers' concurrency gates. The adapters that call the providers are not here: they come from
// the ProviderRegistry the pipeline is given. Built at start-up (with share_gates() when instances
// share a rate limiter's backend), then read-only and shared by all threads but for each
// deployment's counters, which are atomics.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "contracts/provider_gate.hpp"
#include "contracts/rate_limiter.hpp"

namespace glmgate {

struct Deployment {
  std::string name;   // on the health board: `<model>@<provider>`, `#<n>` for a repeat
  ModelConfig model;  // the public model as this deployment serves it (provider, upstream_model)
  std::int64_t weight = 1;
  mutable std::atomic<std::int64_t> in_flight{0};
  mutable std::atomic<std::int64_t> first_token_us{0};  // moving average; 0: none seen yet
};

class Catalog {
 public:
  explicit Catalog(const Config& config);
  const ModelConfig* find(const std::string& id) const;
  // The deployments of a model of this catalog, in the configured order (never empty).
  std::span<const std::unique_ptr<Deployment>> deployments(const ModelConfig& model) const;
  // The providers' caps are counted through `limiter` from now on, for every instance that shares
  // its backend (limits/shared_provider_gate.hpp); before any call. `limiter` outlives this.
  void share_gates(RateLimiter& limiter);
  // The provider's concurrency cap, or null when it has none.
  ProviderGate* gate(const std::string& provider) const;
  const Config& config() const { return config_; }

 private:
  const Config& config_;
  std::unordered_map<std::string, const ModelConfig*> models_;
  std::unordered_map<const ModelConfig*, std::vector<std::unique_ptr<Deployment>>> deployments_;
  std::unordered_map<std::string, std::unique_ptr<ProviderGate>> gates_;
};

}  // namespace glmgate
