// Canonical (chat.completion) answers in the shape of the OpenAI Responses API: the response
// object with its output items (reasoning, message, function_call, custom_tool_call) and usage.
// Pure functions.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "canonical/usage.hpp"
#include "surfaces/responses/responses_tools.hpp"

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

// `sealed`: also the text as encrypted_content (reasoning_token.hpp), for clients that asked;
// `summary`: also the text as the item's summary, for clients that asked for one (GLM's reasoning
// is the only account of it there is; the AI SDK and Codex show reasoning from the summary).
boost::json::object reasoning_item(std::string_view id, std::string_view text, bool sealed = false,
                                   bool summary = false);
// Whether the request (its echoed fields) asked for reasoning summaries: `reasoning.summary` of
// auto, concise or detailed.
bool wants_reasoning_summary(const boost::json::object& echo);
boost::json::object message_item(std::string_view id, std::string_view text,
                                 std::string_view status = "completed");
boost::json::object function_call_item(std::string_view id, std::string_view call_id,
                                       std::string_view name, std::string_view arguments,
                                       std::string_view status = "completed");

// The output item of an upstream tool call, as the client declared the tool (`map`): a
// function_call (with its `namespace` when the tool was a namespace member) or a custom_tool_call
// whose `input` is the text. Its ID is "fc_"/"ctc_" + item_id()'s rest.
boost::json::object call_item(std::string_view response_id, std::int64_t index,
                              std::string_view call_id, std::string_view upstream_name,
                              std::string_view arguments, const ToolMap& map,
                              std::string_view status = "completed");

// The response ID an output item ID names ("rs_X_2" -> "resp_X"); empty when it is not one.
std::string response_of_item(std::string_view item_id);

// The Responses object for a chat.completion (answered now, or stored). `status` overrides the
// status derived from the finish reason (a stored output's "cancelled"...).
boost::json::object response_from_completion(const boost::json::object& completion,
                                             const boost::json::object& echo = {},
                                             std::string_view status = "",
                                             bool sealed_reasoning = false);

}  // namespace glmgate::responses
