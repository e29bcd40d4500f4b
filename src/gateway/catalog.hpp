// Catalog: the configured models by public ID and the providers' concurrency gates. The adapters
// that call the providers are not here: they come from the ProviderRegistry the pipeline is
// given. Built at start-up, then read-only and shared by all threads.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "config/config.hpp"
#include "limits/concurrency_gate.hpp"

namespace glmgate {

class Catalog {
 public:
  explicit Catalog(const Config& config);
  const ModelConfig* find(const std::string& id) const;
  // The provider's concurrency cap, or null when it has none.
  ConcurrencyGate* gate(const std::string& provider) const;
  const Config& config() const { return config_; }

 private:
  const Config& config_;
  std::unordered_map<std::string, const ModelConfig*> models_;
  std::unordered_map<std::string, std::unique_ptr<ConcurrencyGate>> gates_;
};

}  // namespace glmgate
