// ProviderRegistry: the adapter that serves each provider, by the provider's configured name.
// `glmgate serve` builds it from the config (make_registry) and hands it to the pipeline; a test
// fills it with fake adapters. Filled before serving, then read-only and shared by all threads.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "providers/provider.hpp"

namespace glmgate {

class ProviderRegistry {
 public:
  void add(std::string provider, std::unique_ptr<ProviderAdapter> adapter);
  // The adapter of `provider`, or null when none was added.
  const ProviderAdapter* find(const std::string& provider) const;

 private:
  std::unordered_map<std::string, std::unique_ptr<ProviderAdapter>> adapters_;
};

// One adapter per configured provider, by its kind, with its key read from the environment.
ProviderRegistry make_registry(const std::vector<ProviderConfig>& providers);

}  // namespace glmgate
