// Pricing; see seams.hpp.
#include "gateway/seams.hpp"

#include <algorithm>

namespace glmgate {

NanoUsd price_usage(const ModelConfig& model, const Usage& usage) {
  std::int64_t cached = std::min(usage.cached_tokens, usage.prompt_tokens);
  return token_cost(usage.prompt_tokens - cached, model.input_price_per_mtok) +
         token_cost(cached, model.cached_input_price_per_mtok) +
         token_cost(usage.completion_tokens, model.output_price_per_mtok);
}

}  // namespace glmgate
