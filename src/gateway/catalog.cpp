// Catalog; see catalog.hpp.
#include "gateway/catalog.hpp"

#include "limits/concurrency_gate.hpp"
#include "limits/shared_provider_gate.hpp"

namespace glmgate {

Catalog::Catalog(const Config& config) : config_(config) {
  for (const auto& m : config.models) {
    models_[m.id] = &m;
    // A model made in code rather than loaded (tests) has its provider alone.
    std::vector<DeploymentConfig> listed = m.deployments;
    if (listed.empty()) listed.push_back({m.provider, m.upstream_model, 1});
    auto& out = deployments_[&m];
    for (std::size_t i = 0; i < listed.size(); ++i) {
      auto d = std::make_unique<Deployment>();
      d->name = m.id + "@" + listed[i].provider;
      for (std::size_t j = 0; j < i; ++j)
        if (listed[j].provider == listed[i].provider) d->name += "#" + std::to_string(i);
      d->model = m;
      d->model.provider = listed[i].provider;
      d->model.upstream_model = listed[i].upstream_model;
      d->weight = listed[i].weight;
      out.push_back(std::move(d));
    }
  }
  for (const auto& p : config.providers)
    if (p.max_concurrency > 0)
      gates_[p.name] = std::make_unique<ConcurrencyGate>(p.max_concurrency);
}

const ModelConfig* Catalog::find(const std::string& id) const {
  auto it = models_.find(id);
  return it == models_.end() ? nullptr : it->second;
}

std::span<const std::unique_ptr<Deployment>> Catalog::deployments(const ModelConfig& model) const {
  auto it = deployments_.find(&model);
  if (it == deployments_.end()) return {};
  return it->second;
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
