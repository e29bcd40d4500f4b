// Anthropic Messages surface; see anthropic_surface.hpp.
#include "surfaces/anthropic/anthropic_surface.hpp"

#include <boost/json/serialize.hpp>

#include "surfaces/anthropic/messages_request.hpp"
#include "surfaces/anthropic/messages_response.hpp"
#include "surfaces/anthropic/stream_encoder.hpp"
#include "surfaces/openai/openai_surface.hpp"

namespace glmgate::anthropic {

std::string AnthropicSurface::api_key(const HttpRequest& request) const {
  if (auto key = request.header("x-api-key"); !key.empty()) return std::string(key);
  return openai::bearer_token(request.header("authorization"));
}

Result<CanonicalRequest> AnthropicSurface::decode(const HttpRequest& request,
                                                  boost::json::storage_ptr storage) const {
  return decode_messages_request(request.body, std::move(storage));
}

std::string AnthropicSurface::encode_response(boost::json::object& response,
                                              const CanonicalRequest& request) const {
  return boost::json::serialize(message_from_completion(response, request.omit_reasoning));
}

std::unique_ptr<StreamEncoder> AnthropicSurface::stream_encoder(
    const CanonicalRequest& request) const {
  return make_stream_encoder(request.omit_reasoning, request.prompt_estimate);
}

HttpResponse AnthropicSurface::render_error(const ApiError& error) const {
  HttpResponse r;
  r.status = error.status;
  r.body = error_body(error);
  if (error.status == 429 || error.status == 503) r.headers.push_back({"x-should-retry", "true"});
  return r;
}

}  // namespace glmgate::anthropic
