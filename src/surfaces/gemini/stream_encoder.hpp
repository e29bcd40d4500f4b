// The Gemini stream encoder: each canonical chunk with text or reasoning becomes a
// GenerateContentResponse (reasoning as `thought: true` parts); tool calls are buffered until
// complete and sent as functionCall parts with whole `args` objects in the last response, which
// also carries finishReason and usageMetadata. Framed as SSE (`alt=sse`) or as one JSON array.
// One per stream; not thread-safe.
#pragma once

#include <memory>

#include "surfaces/surface.hpp"

namespace glmgate::gemini {

std::unique_ptr<StreamEncoder> make_stream_encoder(bool json_array);

}  // namespace glmgate::gemini
