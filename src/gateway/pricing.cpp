// Pricing; see pricing.hpp.
#include "gateway/pricing.hpp"

#include <algorithm>
#include <limits>

#include "canonical/json_checks.hpp"

namespace glmgate {

Result<std::int64_t> requested_choices(boost::json::object& body) {
  auto it = body.find("n");
  if (it == body.end() || it->value().is_null()) return std::int64_t{1};
  if (!is_json_integer(it->value()))
    return ApiError::invalid_request("Invalid type for 'n': expected an integer.", "n",
                                     "invalid_type");
  std::int64_t n = json_integer(it->value());
  if (n < 1 || n > kMaxChoices)
    return ApiError::invalid_request("Invalid value for 'n': it must be an integer from 1 to " +
                                         std::to_string(kMaxChoices) + ", got " +
                                         std::to_string(n) + ".",
                                     "n", "invalid_value");
  it->value() = n;
  return n;
}

NanoUsd reservation_bound(const ModelConfig& model, std::int64_t prompt_tokens,
                          std::int64_t max_tokens, std::int64_t choices) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t output_tokens =
      choices > 0 && max_tokens > kMax / choices ? kMax : max_tokens * choices;
  NanoUsd input = token_cost(prompt_tokens, model.input_price_per_mtok);
  NanoUsd output = token_cost(output_tokens, model.output_price_per_mtok);
  return input > kMax - output ? kMax : input + output;
}

NanoUsd price_usage(const ModelConfig& model, const Usage& usage) {
  std::int64_t cached = std::min(usage.cached_tokens, usage.prompt_tokens);
  return token_cost(usage.prompt_tokens - cached, model.input_price_per_mtok) +
         token_cost(cached, model.cached_input_price_per_mtok) +
         token_cost(usage.completion_tokens, model.output_price_per_mtok);
}

}  // namespace glmgate
