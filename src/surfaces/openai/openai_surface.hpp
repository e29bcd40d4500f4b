// The OpenAI Chat Completions surface: Bearer keys, the canonical request as-is (the fast path),
// SSE `data:` frames ending in `[DONE]`, and `{"error":{message,type,param,code}}` errors.
// Immutable; shared by all threads.
#pragma once

#include "surfaces/surface.hpp"

namespace glmgate::openai {

class OpenAiSurface final : public Surface {
 public:
  std::string_view name() const override { return "openai"; }
  std::string_view id_prefix() const override { return "chatcmpl-"; }
  std::string api_key(const HttpRequest& request) const override;
  Result<CanonicalRequest> decode(const HttpRequest& request,
                                  boost::json::storage_ptr storage) const override;
  std::string encode_response(boost::json::object& response,
                              const CanonicalRequest& request) const override;
  bool answers_canonical() const override { return true; }
  std::unique_ptr<StreamEncoder> stream_encoder(const CanonicalRequest& request) const override;
  HttpResponse render_error(const ApiError& error) const override;
};

// The OpenAI error body for `error`; shared with routes outside the chat surface (/v1/models).
std::string error_body(const ApiError& error);

// The Bearer token of an Authorization header, or empty.
std::string bearer_token(std::string_view authorization);

}  // namespace glmgate::openai
