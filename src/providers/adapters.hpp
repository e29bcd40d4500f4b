// The adapters per provider kind; make_registry (registry.hpp) picks one by `kind`.
#pragma once

#include <memory>

#include "providers/provider.hpp"

namespace glmgate {

// `key`: which key of the provider's api_key_env pool this adapter's calls carry.
std::unique_ptr<ProviderAdapter> make_openai_adapter(const ProviderConfig& provider,
                                                     std::size_t key = 0);
std::unique_ptr<ProviderAdapter> make_anthropic_adapter(const ProviderConfig& provider,
                                                        std::size_t key = 0);

}  // namespace glmgate
