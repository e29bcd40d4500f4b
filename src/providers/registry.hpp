// ProviderRegistry: the adapters that serve each provider, by the provider's configured name: one
// per key of its api_key_env pool (one for a provider with one key or none), so that a call goes
// out with the key the router chose. `glmgate serve` builds it from the config (make_registry) and
// hands it to the pipeline; a test fills it with fake adapters. Filled before serving, then
// read-only and shared by all threads.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "providers/provider.hpp"

namespace glmgate {

class ProviderRegistry {
 public:
  // Adds the next key's adapter of `provider` (the first call adds key 0).
  void add(std::string provider, std::unique_ptr<ProviderAdapter> adapter);
  // The adapter of `provider` with its key number `key`, or null when none was added.
  const ProviderAdapter* find(const std::string& provider, std::size_t key = 0) const;
  // How many keys (adapters) `provider` has: 0 when none was added.
  std::size_t keys(const std::string& provider) const;

 private:
  std::unordered_map<std::string, std::vector<std::unique_ptr<ProviderAdapter>>> adapters_;
};

// One adapter per configured provider and key, by its kind, with its keys read from the
// environment.
ProviderRegistry make_registry(const std::vector<ProviderConfig>& providers);

}  // namespace glmgate
