// Decoding of an OpenAI Responses request into the canonical (Chat Completions) request: input as
// a string or as items (messages, function_call, function_call_output, reasoning), instructions,
// function tools, tool_choice, max_output_tokens, temperature, top_p, reasoning, text.format and
// metadata. Every 400 names the offending field. Pure function, thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <string_view>

#include "surfaces/surface.hpp"

namespace glmgate::responses {

Result<CanonicalRequest> decode_responses_request(std::string_view body,
                                                  boost::json::storage_ptr storage = {});

// The request fields a response object repeats (instructions, metadata, tools...).
boost::json::object echo_fields(const boost::json::object& request);

}  // namespace glmgate::responses
