// Gemini countTokens; see count_tokens.hpp.
#include "surfaces/gemini/count_tokens.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include "canonical/json_checks.hpp"
#include "surfaces/gemini/generate_request.hpp"

namespace glmgate::gemini {

namespace json = boost::json;

Result<std::string> count_tokens(std::string_view body, std::string_view model) {
  json::monotonic_resource arena(4096);
  json::storage_ptr storage(&arena);
  json::value parsed(storage);
  if (auto e = parse_body_object(body, parsed)) return *e;
  const json::object* request = &parsed.get_object();
  if (auto inner = request->find("generateContentRequest"); inner != request->end()) {
    if (!inner->value().is_object())
      return type_error("generateContentRequest", "an object", inner->value());
    request = &inner->value().get_object();
  }
  auto decoded = decode_generate_object(*request, model, false, storage);
  if (!decoded) return decoded.error();
  std::int64_t tokens = estimate_prompt_tokens(decoded->body);
  return json::serialize(
      json::object{{"totalTokens", tokens},
                   {"promptTokensDetails",
                    json::array{json::object{{"modality", "TEXT"}, {"tokenCount", tokens}}}}});
}

}  // namespace glmgate::gemini
