// Anthropic response shapes; see messages_response.hpp.
#include "surfaces/anthropic/messages_response.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "canonical/json_checks.hpp"
#include "canonical/usage_json.hpp"

namespace glmgate::anthropic {

namespace json = boost::json;

std::string_view stop_reason(std::string_view finish) {
  if (finish == "length") return "max_tokens";
  if (finish == "tool_calls" || finish == "function_call") return "tool_use";
  if (finish == "content_filter") return "refusal";
  return "end_turn";
}

json::object usage_json(const Usage& u) {
  std::int64_t cached = std::min(u.cached_tokens, u.prompt_tokens);
  return json::object{{"input_tokens", u.prompt_tokens - cached},
                      {"output_tokens", u.completion_tokens},
                      {"cache_read_input_tokens", cached},
                      {"cache_creation_input_tokens", 0}};
}

std::string message_id(std::string_view completion_id) {
  if (completion_id.rfind("msg_", 0) == 0) return std::string(completion_id);
  std::string_view rest = completion_id;
  if (rest.rfind("chatcmpl-", 0) == 0) rest.remove_prefix(9);
  return "msg_" + std::string(rest.empty() ? std::string_view("glmgate") : rest);
}

namespace {
constexpr std::string_view kReasoningMarker = "glmgate-reasoning:";
}

std::string reasoning_signature(std::string_view reasoning) {
  std::string out(kReasoningMarker);
  out += reasoning;
  return out;
}

std::string_view reasoning_of_signature(std::string_view signature) {
  if (signature.rfind(kReasoningMarker, 0) != 0) return {};
  return signature.substr(kReasoningMarker.size());
}

json::object message_from_completion(const json::object& completion, bool omit_reasoning) {
  json::array content;
  AnswerView a = answer_of(completion);
  if (!a.reasoning.empty() && omit_reasoning)
    content.push_back(json::object{
        {"type", "thinking"}, {"thinking", ""}, {"signature", reasoning_signature(a.reasoning)}});
  else if (!a.reasoning.empty())
    content.push_back(
        json::object{{"type", "thinking"}, {"thinking", a.reasoning}, {"signature", ""}});
  if (!a.text.empty()) content.push_back(json::object{{"type", "text"}, {"text", a.text}});
  for (const auto& call : a.calls)
    content.push_back(json::object{{"type", "tool_use"},
                                   {"id", call.id},
                                   {"name", call.name},
                                   {"input", arguments_object(call.arguments)}});
  Usage usage = read_usage(completion).value_or(Usage{});
  return json::object{{"id", message_id(string_or_empty(completion, "id"))},
                      {"type", "message"},
                      {"role", "assistant"},
                      {"model", completion.contains("model") ? completion.at("model") : ""},
                      {"content", std::move(content)},
                      {"stop_reason", stop_reason(a.finish)},
                      {"stop_sequence", nullptr},
                      {"usage", usage_json(usage)}};
}

std::string_view error_type(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string error_body(const ApiError& error) {
  return json::serialize(
      json::object{{"type", "error"},
                   {"error", {{"type", error_type(error.status)}, {"message", error.message}}}});
}

}  // namespace glmgate::anthropic
