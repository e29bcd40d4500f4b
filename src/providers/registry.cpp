// ProviderRegistry; see registry.hpp.
#include "providers/registry.hpp"

#include "providers/adapters.hpp"

namespace glmgate {

void ProviderRegistry::add(std::string provider, std::unique_ptr<ProviderAdapter> adapter) {
  adapters_[std::move(provider)].push_back(std::move(adapter));
}

const ProviderAdapter* ProviderRegistry::find(const std::string& provider, std::size_t key) const {
  auto it = adapters_.find(provider);
  if (it == adapters_.end() || key >= it->second.size()) return nullptr;
  return it->second[key].get();
}

std::size_t ProviderRegistry::keys(const std::string& provider) const {
  auto it = adapters_.find(provider);
  return it == adapters_.end() ? 0 : it->second.size();
}

ProviderRegistry make_registry(const std::vector<ProviderConfig>& providers) {
  ProviderRegistry registry;
  for (const auto& p : providers) {
    const std::size_t keys = std::max<std::size_t>(1, p.api_key_env.size());
    for (std::size_t k = 0; k < keys; ++k)
      registry.add(
          p.name, p.kind == "anthropic" ? make_anthropic_adapter(p, k) : make_openai_adapter(p, k));
  }
  return registry;
}

}  // namespace glmgate
