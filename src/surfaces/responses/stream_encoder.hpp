// The OpenAI Responses stream encoder: canonical chunks in, Responses events out, each with its
// sequence_number — response.created / in_progress, output items (reasoning, message,
// function_call, custom_tool_call) with their parts and deltas and their done events, then
// response.completed or response.incomplete with the usage, or response.failed and an error event
// when the upstream fails. One per stream; not thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <memory>

#include "surfaces/surface.hpp"

namespace glmgate::responses {

// `echo`: the request fields the response snapshots repeat (its `tools` also say how upstream
// tool calls map back: namespace members, custom tools). `sealed_reasoning`: reasoning items
// carry encrypted_content (reasoning_token.hpp).
std::unique_ptr<StreamEncoder> make_stream_encoder(boost::json::object echo = {},
                                                   bool sealed_reasoning = false);

}  // namespace glmgate::responses
