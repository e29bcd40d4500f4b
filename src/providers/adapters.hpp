// The adapters per provider kind; make_registry (registry.hpp) picks one by `kind`.
#pragma once

#include <memory>

#include "providers/provider.hpp"

namespace glmgate {

std::unique_ptr<ProviderAdapter> make_openai_adapter(const ProviderConfig& provider);
std::unique_ptr<ProviderAdapter> make_anthropic_adapter(const ProviderConfig& provider);

}  // namespace glmgate
