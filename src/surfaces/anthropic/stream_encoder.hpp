// The Anthropic Messages stream encoder: canonical (OpenAI) chunks in, Anthropic events out —
// message_start, content blocks (thinking, text, one tool_use per call) with their deltas and
// stops at consecutive indexes, message_delta with the stop reason and usage, message_stop; ping
// while the upstream is silent and an error event when it fails. message_start reports
// `prompt_estimate` input tokens (the upstream's usage comes at the end, in message_delta, which
// clients read last). With `omit_reasoning` (thinking display "omitted") a thinking block carries
// no thinking_delta, only a signature_delta with the text (see reasoning_signature). One per
// stream; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "surfaces/surface.hpp"

namespace glmgate::anthropic {

std::unique_ptr<StreamEncoder> make_stream_encoder(bool omit_reasoning = false,
                                                   std::int64_t prompt_estimate = 0);

}  // namespace glmgate::anthropic
