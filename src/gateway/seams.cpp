// Pass-through seam implementations and pricing; see seams.hpp.
#include "gateway/seams.hpp"

#include <spdlog/spdlog.h>

namespace glmgate {

void LogUsageSink::record(CallRecord r) {
  spdlog::debug(
      "usage {} key={} model={} provider={} status={} prompt={} cached={} completion={} "
      "reasoning={}{} cost={} latency_ms={:.1f} ttft_ms={:.1f}",
      r.request_id, r.key_id, r.model, r.provider, r.status, r.usage.prompt_tokens,
      r.usage.cached_tokens, r.usage.completion_tokens, r.usage.reasoning_tokens,
      r.usage.estimated ? " (estimated)" : "", format_usd(r.cost), r.latency.count() / 1000.0,
      r.time_to_first_token.count() / 1000.0);
}

NanoUsd price_usage(const ModelConfig& model, const Usage& usage) {
  std::int64_t cached = std::min(usage.cached_tokens, usage.prompt_tokens);
  return token_cost(usage.prompt_tokens - cached, model.input_price_per_mtok) +
         token_cost(cached, model.cached_input_price_per_mtok) +
         token_cost(usage.completion_tokens, model.output_price_per_mtok);
}

}  // namespace glmgate
