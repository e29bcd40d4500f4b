// Decoding of an Anthropic Messages request into the canonical (OpenAI Chat Completions) request:
// system prompt, text / image / tool_use / tool_result / thinking blocks, tools and tool_choice,
// stop_sequences, sampling, metadata and thinking. Every 400 names the offending field. Pure
// function, thread-safe; the canonical JSON is built in `storage` (the request's arena).
#pragma once

#include <boost/json/storage_ptr.hpp>
#include <string_view>

#include "surfaces/surface.hpp"

namespace glmgate::anthropic {

// `require_max_tokens` is false for count_tokens, whose requests carry none.
Result<CanonicalRequest> decode_messages_request(std::string_view body,
                                                 boost::json::storage_ptr storage = {},
                                                 bool require_max_tokens = true);

// An estimate of the prompt's tokens for /v1/messages/count_tokens: the text of the canonical
// messages and tools at about 4 characters per token, plus a few tokens per message.
std::int64_t estimate_input_tokens(const boost::json::object& canonical);

}  // namespace glmgate::anthropic
