// Decoding and validation of an OpenAI Chat Completions request body into the canonical request.
// Every type error names the field (`messages[2].tool_call_id`); unknown fields pass through.
// Pure function, thread-safe.
#pragma once

#include <boost/json/storage_ptr.hpp>
#include <string_view>

#include "surfaces/surface.hpp"

namespace glmgate::openai {

Result<CanonicalRequest> decode_chat_request(std::string_view body,
                                             boost::json::storage_ptr storage = {});

}  // namespace glmgate::openai
