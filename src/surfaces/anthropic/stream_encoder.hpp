// The Anthropic Messages stream encoder: canonical (OpenAI) chunks in, Anthropic events out —
// message_start, content blocks (thinking, text, one tool_use per call) with their deltas and
// stops at consecutive indexes, message_delta with the stop reason and usage, message_stop; ping
// while the upstream is silent and an error event when it fails. One per stream; not thread-safe.
#pragma once

#include <memory>

#include "surfaces/surface.hpp"

namespace glmgate::anthropic {

std::unique_ptr<StreamEncoder> make_stream_encoder();

}  // namespace glmgate::anthropic
