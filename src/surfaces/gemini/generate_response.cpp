// Gemini response shapes; see generate_response.hpp.
#include "surfaces/gemini/generate_response.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "canonical/json_checks.hpp"
#include "canonical/usage_json.hpp"

namespace glmgate::gemini {

namespace json = boost::json;

namespace {
std::string_view status_name(int status) {
  switch (status) {
    case 400:
    case 413:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 402:
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
  }
}
}  // namespace

std::string_view finish_reason(std::string_view f) {
  if (f == "length") return "MAX_TOKENS";
  if (f == "content_filter") return "SAFETY";
  return "STOP";
}

json::object usage_metadata(const Usage& u) {
  json::object m{{"promptTokenCount", u.prompt_tokens},
                 {"candidatesTokenCount", u.completion_tokens - u.reasoning_tokens},
                 {"totalTokenCount", u.prompt_tokens + u.completion_tokens}};
  if (u.reasoning_tokens) m["thoughtsTokenCount"] = u.reasoning_tokens;
  if (u.cached_tokens) m["cachedContentTokenCount"] = u.cached_tokens;
  return m;
}

json::object function_call_part(std::string_view id, std::string_view name,
                                std::string_view arguments) {
  json::object call{{"name", name}, {"args", arguments_object(arguments)}};
  if (!id.empty()) call["id"] = id;
  return json::object{{"functionCall", std::move(call)}};
}

json::object response_from_completion(const json::object& completion) {
  json::array parts;
  AnswerView a = answer_of(completion);
  if (!a.reasoning.empty()) parts.push_back(json::object{{"text", a.reasoning}, {"thought", true}});
  if (!a.text.empty()) parts.push_back(json::object{{"text", a.text}});
  for (const auto& call : a.calls)
    parts.push_back(function_call_part(call.id, call.name, call.arguments));
  Usage usage = read_usage(completion).value_or(Usage{});
  json::object out{{"candidates", json::array{json::object{
                                      {"content", {{"role", "model"}, {"parts", std::move(parts)}}},
                                      {"finishReason", finish_reason(a.finish)},
                                      {"index", 0}}}},
                   {"usageMetadata", usage_metadata(usage)},
                   {"modelVersion", completion.contains("model") ? completion.at("model") : ""},
                   {"responseId", string_or_empty(completion, "id")}};
  return out;
}

std::string error_body(const ApiError& error) {
  return json::serialize(json::object{{"error",
                                       {{"code", error.status},
                                        {"message", error.message},
                                        {"status", status_name(error.status)}}}});
}

}  // namespace glmgate::gemini
