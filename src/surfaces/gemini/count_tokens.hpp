// Gemini's POST {model}:countTokens: an estimate of the prompt's tokens, as Anthropic's
// count_tokens gives (glmgate has no tokenizer for the upstream models). The body is either
// {contents, systemInstruction?, tools?...} or {generateContentRequest: {...}}; either is decoded
// as generateContent would decode it, so the same requests are refused. Pure function,
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/api_error.hpp"

namespace glmgate::gemini {

// The response body {"totalTokens": n, "promptTokensDetails": [...]}, or the 400.
Result<std::string> count_tokens(std::string_view body, std::string_view model);

}  // namespace glmgate::gemini
