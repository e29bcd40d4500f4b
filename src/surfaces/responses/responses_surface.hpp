// The OpenAI Responses surface (POST /v1/responses): Bearer keys, requests decoded into the
// canonical request, answers and streams encoded as Responses objects and events, errors in
// OpenAI's shape. Immutable; shared by all threads.
#pragma once

#include "surfaces/surface.hpp"

namespace glmgate::responses {

class ResponsesSurface final : public Surface {
 public:
  std::string_view name() const override { return "responses"; }
  std::string_view id_prefix() const override { return "resp_"; }
  std::string api_key(const HttpRequest& request) const override;
  Result<CanonicalRequest> decode(const HttpRequest& request,
                                  boost::json::storage_ptr storage) const override;
  Result<CanonicalRequest> decode_resolved(const HttpRequest& request,
                                           boost::json::storage_ptr storage,
                                           const boost::json::object& items) const override;
  std::string encode_response(boost::json::object& response,
                              const CanonicalRequest& request) const override;
  std::unique_ptr<StreamEncoder> stream_encoder(const CanonicalRequest& request) const override;
  HttpResponse render_error(const ApiError& error) const override;
};

}  // namespace glmgate::responses
