// Canonical (chat.completion) answers in the shape of the OpenAI Responses API: the response
// object with its output items (reasoning, message, function_call) and usage. Pure functions.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/usage.hpp"

namespace glmgate::responses {

// {input_tokens, input_tokens_details.cached_tokens, output_tokens,
// output_tokens_details.reasoning_tokens, total_tokens}.
boost::json::object usage_json(const Usage& usage);

// The response object. `finish` is the canonical finish reason: length and content_filter make
// the status "incomplete" with its reason; an empty `status` derives it from `finish`. `echo`
// holds the request fields the object repeats (instructions, metadata, tools...).
boost::json::object response_object(std::string_view id, std::string_view model,
                                    std::int64_t created_at, std::string_view status,
                                    std::string_view finish, boost::json::array output,
                                    const std::optional<Usage>& usage,
                                    const boost::json::object& echo = {});

// The ID of a response's output item: stable for one response, so a stream and a later GET
// name its items alike ("msg_" + the response's random part + "_" + the item's index).
std::string item_id(std::string_view prefix, std::string_view response_id, std::int64_t index);

boost::json::object reasoning_item(std::string_view id, std::string_view text);
boost::json::object message_item(std::string_view id, std::string_view text,
                                 std::string_view status = "completed");
boost::json::object function_call_item(std::string_view id, std::string_view call_id,
                                       std::string_view name, std::string_view arguments,
                                       std::string_view status = "completed");

// The Responses object for a chat.completion (answered now, or stored). `status` overrides the
// status derived from the finish reason (a stored output's "cancelled"...).
boost::json::object response_from_completion(const boost::json::object& completion,
                                             const boost::json::object& echo = {},
                                             std::string_view status = "");

}  // namespace glmgate::responses
