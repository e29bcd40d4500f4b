// The Anthropic Messages surface: keys from x-api-key or Bearer, requests decoded into the
// canonical request, responses and streams encoded back, errors as {"type":"error",...}.
// Immutable; shared by all threads.
#pragma once

#include "surfaces/surface.hpp"

namespace glmgate::anthropic {

class AnthropicSurface final : public Surface {
 public:
  std::string_view name() const override { return "anthropic"; }
  std::string_view id_prefix() const override { return "msg_"; }
  std::string api_key(const HttpRequest& request) const override;
  Result<CanonicalRequest> decode(const HttpRequest& request,
                                  boost::json::storage_ptr storage) const override;
  std::string encode_response(boost::json::object& response,
                              const CanonicalRequest& request) const override;
  std::unique_ptr<StreamEncoder> stream_encoder(const CanonicalRequest& request) const override;
  HttpResponse render_error(const ApiError& error) const override;
};

}  // namespace glmgate::anthropic
