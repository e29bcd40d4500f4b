// Canonical (OpenAI chat.completion) responses, usage and finish reasons in Gemini's terms: the
// GenerateContentResponse, usageMetadata, finishReason, the model list entry and the error shape.
// Pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "canonical/usage.hpp"
#include "core/api_error.hpp"

namespace glmgate::gemini {

// stop -> STOP, length -> MAX_TOKENS, tool_calls -> STOP, content_filter -> SAFETY.
std::string_view finish_reason(std::string_view openai_finish);

// {promptTokenCount, candidatesTokenCount (without thoughts), thoughtsTokenCount,
// totalTokenCount, cachedContentTokenCount}.
boost::json::object usage_metadata(const Usage& usage);

// A functionCall part; `arguments` is the model's JSON text (broken JSON becomes {}).
boost::json::object function_call_part(std::string_view id, std::string_view name,
                                       std::string_view arguments);

boost::json::object response_from_completion(const boost::json::object& completion);

// {"error":{"code","message","status"}}.
std::string error_body(const ApiError& error);

}  // namespace glmgate::gemini
