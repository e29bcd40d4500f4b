// StreamItem: one step of a canonical stream as a provider hands it to the pipeline — a
// chat.completion.chunk (OpenAI shape, whatever the upstream spoke), the stream's end, or an
// error after the stream began. A plain value; a chunk may live in storage its producer reuses
// (see ProviderCall::next()).
#pragma once

#include <boost/json/object.hpp>

#include "core/api_error.hpp"

namespace glmgate {

struct StreamItem {
  enum class Kind { chunk, end, error };
  Kind kind = Kind::end;
  boost::json::object chunk;
  ApiError error;
};

}  // namespace glmgate
