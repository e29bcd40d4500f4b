// Usage: token counts of one generation, read from the canonical (OpenAI) usage object. Plain
// value type.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>

namespace glmgate {

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_tokens = 0;     // part of prompt_tokens served from cache
  std::int64_t reasoning_tokens = 0;  // part of completion_tokens spent thinking
  bool estimated = false;             // no upstream usage: counted by glmgate
};

// Reads `usage` from an OpenAI response or chunk; nullopt when absent or null.
std::optional<Usage> read_usage(const boost::json::object& message);

// The OpenAI usage object for `usage`.
boost::json::object usage_to_json(const Usage& usage);

}  // namespace glmgate
