// Catalog; see catalog.hpp.
#include "gateway/catalog.hpp"

#include "limits/concurrency_gate.hpp"
#include "limits/shared_provider_gate.hpp"

namespace glmgate {

Catalog::Catalog(const Config& config) : config_(config) {
  for (const auto& m : config.models)
    models_[m.id] = &m;
  for (const auto& p : config.providers)
    if (p.max_concurrency > 0)
      gates_[p.name] = std::make_unique<ConcurrencyGate>(p.max_concurrency);
}

const ModelConfig* Catalog::find(const std::string& id) const {
  auto it = models_.find(id);
  return it == models_.end() ? nullptr : it->second;
}

void Catalog::share_gates(RateLimiter& limiter) {
  for (const auto& p : config_.providers)
    if (p.max_concurrency > 0)
      gates_[p.name] = std::make_unique<SharedProviderGate>(limiter, p.name, p.max_concurrency);
}

ProviderGate* Catalog::gate(const std::string& provider) const {
  auto it = gates_.find(provider);
  return it == gates_.end() ? nullptr : it->second.get();
}

}  // namespace glmgate
