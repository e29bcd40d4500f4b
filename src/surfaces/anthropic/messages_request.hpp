// Decoding of an Anthropic Messages request into the canonical (OpenAI Chat Completions) request:
// system prompt and system entries in `messages`, text / image / tool_use / tool_result / thinking
// blocks, custom tools (server tools skipped) and tool_choice, stop_sequences, sampling, metadata,
// thinking (enabled, adaptive, disabled; display) and output_config.format. Fields glmgate cannot
// act on (cache_control, context_management, container, mcp_servers, service_tier,
// output_config.effort, defer_loading) are accepted and not forwarded. Every 400 names the
// offending field. Pure function, thread-safe; the canonical JSON is built in `storage` (the
// request's arena).
#pragma once

#include <boost/json/storage_ptr.hpp>
#include <string_view>

#include "surfaces/surface.hpp"

namespace glmgate::anthropic {

// `require_max_tokens` is false for count_tokens, whose requests carry none.
Result<CanonicalRequest> decode_messages_request(std::string_view body,
                                                 boost::json::storage_ptr storage = {},
                                                 bool require_max_tokens = true);

}  // namespace glmgate::anthropic
