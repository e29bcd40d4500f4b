// Catalog: the configured models by public ID and the providers' concurrency gates. The adapters
// that call the providers are not here: they come from the ProviderRegistry the pipeline is
// given. Built at start-up (with share_gates() when instances share a rate limiter's backend),
// then read-only and shared by all threads.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "config/config.hpp"
#include "contracts/provider_gate.hpp"
#include "contracts/rate_limiter.hpp"

namespace glmgate {

class Catalog {
 public:
  explicit Catalog(const Config& config);
  const ModelConfig* find(const std::string& id) const;
  // The providers' caps are counted through `limiter` from now on, for every instance that shares
  // its backend (limits/shared_provider_gate.hpp); before any call. `limiter` outlives this.
  void share_gates(RateLimiter& limiter);
  // The provider's concurrency cap, or null when it has none.
  ProviderGate* gate(const std::string& provider) const;
  const Config& config() const { return config_; }

 private:
  const Config& config_;
  std::unordered_map<std::string, const ModelConfig*> models_;
  std::unordered_map<std::string, std::unique_ptr<ProviderGate>> gates_;
};

}  // namespace glmgate
