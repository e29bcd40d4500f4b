// Responses surface; see responses_surface.hpp.
#include "surfaces/responses/responses_surface.hpp"

#include <boost/json/serialize.hpp>

#include "surfaces/openai/openai_surface.hpp"
#include "surfaces/responses/responses_request.hpp"
#include "surfaces/responses/responses_response.hpp"
#include "surfaces/responses/stream_encoder.hpp"

namespace glmgate::responses {

std::string ResponsesSurface::api_key(const HttpRequest& request) const {
  return openai::bearer_token(request.header("authorization"));
}

Result<CanonicalRequest> ResponsesSurface::decode(const HttpRequest& request,
                                                  boost::json::storage_ptr storage) const {
  return decode_responses_request(request.body, std::move(storage));
}

std::string ResponsesSurface::encode_response(boost::json::object& response,
                                              const CanonicalRequest& request) const {
  return boost::json::serialize(
      response_from_completion(response, request.echo, "", request.encrypted_reasoning));
}

std::unique_ptr<StreamEncoder> ResponsesSurface::stream_encoder(
    const CanonicalRequest& request) const {
  return make_stream_encoder(request.echo, request.encrypted_reasoning);
}

Result<CanonicalRequest> ResponsesSurface::decode_resolved(const HttpRequest& request,
                                                           boost::json::storage_ptr storage,
                                                           const boost::json::object& items) const {
  return decode_responses_request(request.body, std::move(storage), &items);
}

HttpResponse ResponsesSurface::render_error(const ApiError& error) const {
  HttpResponse r;
  r.status = error.status;
  r.body = openai::error_body(error);
  return r;
}

}  // namespace glmgate::responses
