// Decoding of an OpenAI Responses request into the canonical (Chat Completions) request: input as
// a string or as items (messages, developer ones as system; function_call and custom_tool_call
// with their outputs; reasoning; item_reference), instructions, tools (responses_tools.hpp),
// tool_choice, max_output_tokens, temperature, top_p, reasoning, text.format, include and
// metadata; fields glmgate has no use for (prompt_cache_key, client_metadata, service_tier...) are
// ignored. Every 400 names the offending field. Pure function, thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <string_view>

#include "surfaces/surface.hpp"

namespace glmgate::responses {

// `resolved` maps item_reference IDs to the items they name; without it the references are
// listed in `item_references` (and left out of the messages) for the caller to resolve.
Result<CanonicalRequest> decode_responses_request(std::string_view body,
                                                  boost::json::storage_ptr storage = {},
                                                  const boost::json::object* resolved = nullptr);

// The request fields a response object repeats (instructions, metadata, tools...).
boost::json::object echo_fields(const boost::json::object& request);

}  // namespace glmgate::responses
