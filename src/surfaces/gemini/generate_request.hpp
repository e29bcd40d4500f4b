// Decoding of a Gemini generateContent request into the canonical (OpenAI Chat Completions)
// request: contents with text, inlineData, functionCall, functionResponse and thought parts,
// systemInstruction, generationConfig, tools.functionDeclarations and toolConfig. The model and
// whether to stream come from the path. Every 400 names the offending field. Pure function,
// thread-safe; the canonical JSON is built in `storage`.
#pragma once

#include <boost/json/storage_ptr.hpp>
#include <string_view>

#include "surfaces/surface.hpp"

namespace glmgate::gemini {

Result<CanonicalRequest> decode_generate_request(std::string_view body, std::string_view model,
                                                 bool stream,
                                                 boost::json::storage_ptr storage = {});
// The same for a request already parsed (countTokens' generateContentRequest).
Result<CanonicalRequest> decode_generate_object(const boost::json::object& request,
                                                std::string_view model, bool stream,
                                                boost::json::storage_ptr storage = {});

// "glm-test:streamGenerateContent" (the path after /v1beta/models/ or /v1/models/) into model and
// method.
struct ModelMethod {
  std::string model;
  std::string method;
};
std::optional<ModelMethod> split_model_method(std::string_view rest);

}  // namespace glmgate::gemini
