// Canonical (OpenAI chat.completion) responses, usage and finish reasons in Anthropic's terms:
// the message object, stop reasons, the usage object, and the error shape. Pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "canonical/usage.hpp"
#include "core/api_error.hpp"

namespace glmgate::anthropic {

// stop -> end_turn, length -> max_tokens, tool_calls -> tool_use, content_filter -> refusal.
std::string_view stop_reason(std::string_view finish_reason);

// {input_tokens (without cache reads), output_tokens, cache_read_input_tokens,
// cache_creation_input_tokens}.
boost::json::object usage_json(const Usage& usage);

// "msg_..." from the upstream's completion id.
std::string message_id(std::string_view completion_id);

// The Anthropic message for an OpenAI chat.completion response. With `omit_reasoning` (thinking
// display "omitted") the thinking block's text is empty and its signature carries it.
boost::json::object message_from_completion(const boost::json::object& completion,
                                            bool omit_reasoning = false);

// The signature of a thinking block sent without its text: the text itself behind a marker, so
// that the block, sent back with a tool result, gives GLM its reasoning again (Anthropic's own
// signature carries the thinking encrypted, for the same reason).
std::string reasoning_signature(std::string_view reasoning);
// The reasoning such a signature carries; empty for any other signature.
std::string_view reasoning_of_signature(std::string_view signature);

// {"type":"error","error":{"type","message"}} with the type Anthropic uses for the status.
std::string error_body(const ApiError& error);
std::string_view error_type(int status);

}  // namespace glmgate::anthropic
