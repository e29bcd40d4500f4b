// ProviderRegistry; see registry.hpp.
#include "providers/registry.hpp"

#include "providers/adapters.hpp"

namespace glmgate {

void ProviderRegistry::add(std::string provider, std::unique_ptr<ProviderAdapter> adapter) {
  adapters_[std::move(provider)] = std::move(adapter);
}

const ProviderAdapter* ProviderRegistry::find(const std::string& provider) const {
  auto it = adapters_.find(provider);
  return it == adapters_.end() ? nullptr : it->second.get();
}

ProviderRegistry make_registry(const std::vector<ProviderConfig>& providers) {
  ProviderRegistry registry;
  for (const auto& p : providers)
    registry.add(p.name,
                 p.kind == "anthropic" ? make_anthropic_adapter(p) : make_openai_adapter(p));
  return registry;
}

}  // namespace glmgate
