// Usage: token counts of one generation. Plain value type shared by the gateway (which reads it
// from upstream responses) and the store (which records it).
#pragma once

#include <cstdint>

namespace glmgate {

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;     // part of prompt_tokens served from cache
  std::int64_t reasoning_tokens = 0;  // part of completion_tokens spent thinking
  bool estimated = false;             // no upstream usage: counted by glmgate
};

}  // namespace glmgate
