// What a call costs at its model's prices: the charge for its usage, the upper bound of its cost
// that the pipeline reserves before calling the upstream, and the request's choice count (`n`)
// that bound depends on (an upstream that honours `n`, such as vLLM or SGLang, generates up to
// max_tokens for each choice, so the bound counts them all). Pure functions over nano-USD.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>

#include "canonical/usage.hpp"
#include "config/config.hpp"
#include "core/api_error.hpp"
#include "core/money.hpp"

namespace glmgate {

// OpenAI's own limit for `n`; the reservation is n times the output bound, so a larger n would
// mostly be refused for credits anyway.
inline constexpr std::int64_t kMaxChoices = 128;

// The request's `n`: absent or null is 1; otherwise an integer from 1 to kMaxChoices (written
// back as an integer), or the 400 naming `n`.
Result<std::int64_t> requested_choices(boost::json::object& body);

// The prompt estimate at the input price plus `choices` times `max_tokens` at the output price;
// saturates instead of wrapping.
NanoUsd reservation_bound(const ModelConfig& model, std::int64_t prompt_tokens,
                          std::int64_t max_tokens, std::int64_t choices);

// Cost of `usage` at `model`'s prices (cached input at its own price).
NanoUsd price_usage(const ModelConfig& model, const Usage& usage);

}  // namespace glmgate
