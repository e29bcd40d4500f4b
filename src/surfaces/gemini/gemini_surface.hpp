// The Gemini surface: keys from x-goog-api-key or ?key=, {model}:generateContent and
// :streamGenerateContent under /v1beta/models/ (older SDKs, Gemini CLI) and /v1/models/ (the
// current @google/genai) decoded into the canonical request (the model and streaming come from
// the path, SSE or JSON-array framing from `alt`), responses and streams encoded back, and errors
// as {"error":{"code","message","status"}}. Immutable; shared by all threads.
#pragma once

#include "surfaces/surface.hpp"

namespace glmgate::gemini {

inline constexpr std::string_view kModelsPath = "/v1beta/models/";
inline constexpr std::string_view kV1ModelsPath = "/v1/models/";

// The path after /v1beta/models/ or /v1/models/ ("glm-test:generateContent"); empty when the path
// is under neither.
std::string_view model_path_rest(std::string_view path);

class GeminiSurface final : public Surface {
 public:
  std::string_view name() const override { return "gemini"; }
  std::string_view id_prefix() const override { return ""; }
  std::string api_key(const HttpRequest& request) const override;
  Result<CanonicalRequest> decode(const HttpRequest& request,
                                  boost::json::storage_ptr storage) const override;
  std::string encode_response(boost::json::object& response,
                              const CanonicalRequest& request) const override;
  std::unique_ptr<StreamEncoder> stream_encoder(const CanonicalRequest& request) const override;
  HttpResponse render_error(const ApiError& error) const override;
};

}  // namespace glmgate::gemini
