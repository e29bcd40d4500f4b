// Gemini surface; see gemini_surface.hpp.
#include "surfaces/gemini/gemini_surface.hpp"

#include <boost/json/serialize.hpp>

#include "surfaces/gemini/generate_request.hpp"
#include "surfaces/gemini/generate_response.hpp"
#include "surfaces/gemini/stream_encoder.hpp"

namespace glmgate::gemini {

std::string_view model_path_rest(std::string_view path) {
  for (std::string_view prefix : {kModelsPath, kV1ModelsPath})
    if (path.rfind(prefix, 0) == 0) return path.substr(prefix.size());
  return {};
}

std::string GeminiSurface::api_key(const HttpRequest& request) const {
  if (auto key = request.header("x-goog-api-key"); !key.empty()) return std::string(key);
  return request.query_param("key");
}

Result<CanonicalRequest> GeminiSurface::decode(const HttpRequest& request,
                                               boost::json::storage_ptr storage) const {
  auto mm = split_model_method(model_path_rest(request.path));
  if (!mm || (mm->method != "generateContent" && mm->method != "streamGenerateContent"))
    return ApiError::not_found("No such method: " + std::string(request.path) +
                               " (use {model}:generateContent or :streamGenerateContent).");
  bool stream = mm->method == "streamGenerateContent";
  auto req = decode_generate_request(request.body, mm->model, stream, std::move(storage));
  if (req && stream) req->json_array_stream = request.query_param("alt") != "sse";
  return req;
}

std::string GeminiSurface::encode_response(boost::json::object& response,
                                           const CanonicalRequest&) const {
  return boost::json::serialize(response_from_completion(response));
}

std::unique_ptr<StreamEncoder> GeminiSurface::stream_encoder(const CanonicalRequest& req) const {
  return make_stream_encoder(req.json_array_stream);
}

HttpResponse GeminiSurface::render_error(const ApiError& error) const {
  HttpResponse r;
  r.status = error.status;
  r.body = error_body(error);
  return r;
}

}  // namespace glmgate::gemini
