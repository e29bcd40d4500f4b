// Catalog: the configured models by public ID, one adapter per provider and the providers'
// concurrency gates. Built at start-up,
// then read-only and shared by all threads.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "config/config.hpp"
#include "limits/concurrency_gate.hpp"
#include "providers/provider.hpp"

namespace glmgate {

class Catalog {
 public:
  explicit Catalog(const Config& config);
  const ModelConfig* find(const std::string& id) const;
  const ProviderAdapter& adapter(const std::string& provider) const;
  // The provider's concurrency cap, or null when it has none.
  ConcurrencyGate* gate(const std::string& provider) const;
  const Config& config() const { return config_; }

 private:
  const Config& config_;
  std::unordered_map<std::string, const ModelConfig*> models_;
  std::unordered_map<std::string, std::unique_ptr<ProviderAdapter>> adapters_;
  std::unordered_map<std::string, std::unique_ptr<ConcurrencyGate>> gates_;
};

}  // namespace glmgate
