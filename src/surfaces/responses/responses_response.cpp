// Responses shapes; see responses_response.hpp.
#include "surfaces/responses/responses_response.hpp"

#include "canonical/json_checks.hpp"
#include "canonical/usage_json.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "surfaces/responses/reasoning_token.hpp"

namespace glmgate::responses {

namespace json = boost::json;

json::object usage_json(const Usage& u) {
  return json::object{{"input_tokens", u.prompt_tokens},
                      {"input_tokens_details", {{"cached_tokens", u.cached_tokens}}},
                      {"output_tokens", u.completion_tokens},
                      {"output_tokens_details", {{"reasoning_tokens", u.reasoning_tokens}}},
                      {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

std::string item_id(std::string_view prefix, std::string_view response_id, std::int64_t index) {
  if (response_id.rfind("resp_", 0) == 0) response_id.remove_prefix(5);
  std::string id(prefix);
  id.append(response_id).append("_").append(std::to_string(index));
  return id;
}

json::object response_object(std::string_view id, std::string_view model, std::int64_t created_at,
                             std::string_view status, std::string_view finish, json::array output,
                             const std::optional<Usage>& usage, const json::object& echo) {
  json::value incomplete = nullptr;
  if (status.empty()) {
    status = "completed";
    if (finish == "length" || finish == "content_filter") {
      status = "incomplete";
      incomplete =
          json::object{{"reason", finish == "length" ? "max_output_tokens" : "content_filter"}};
    }
  }
  json::object r{{"id", id},
                 {"object", "response"},
                 {"created_at", created_at},
                 {"status", status},
                 {"error", nullptr},
                 {"incomplete_details", std::move(incomplete)},
                 {"model", model},
                 {"output", std::move(output)},
                 {"parallel_tool_calls", true},
                 {"previous_response_id", nullptr},
                 {"store", false},
                 {"text", {{"format", {{"type", "text"}}}}},
                 {"tool_choice", "auto"},
                 {"tools", json::array()},
                 {"metadata", json::object()},
                 {"usage", usage ? json::value(usage_json(*usage)) : json::value(nullptr)}};
  r["instructions"] = nullptr;
  r["store"] = true;
  for (const auto& kv : echo)
    r[kv.key()] = kv.value();
  return r;
}

json::object reasoning_item(std::string_view id, std::string_view text, bool sealed, bool summary) {
  json::array summaries;
  if (summary && !text.empty())
    summaries.push_back(json::object{{"type", "summary_text"}, {"text", text}});
  json::object item{
      {"type", "reasoning"},
      {"id", id},
      {"summary", std::move(summaries)},
      {"content", json::array{json::object{{"type", "reasoning_text"}, {"text", text}}}}};
  if (sealed) item["encrypted_content"] = seal_reasoning(text);
  return item;
}

bool wants_reasoning_summary(const json::object& echo) {
  auto it = echo.find("reasoning");
  if (it == echo.end() || !it->value().is_object()) return false;
  std::string_view summary = string_or_empty(it->value().get_object(), "summary");
  return summary == "auto" || summary == "concise" || summary == "detailed";
}

json::object message_item(std::string_view id, std::string_view text, std::string_view status) {
  json::array content;
  if (status == "completed" || !text.empty())
    content.push_back(
        json::object{{"type", "output_text"}, {"text", text}, {"annotations", json::array()}});
  return json::object{{"type", "message"},
                      {"id", id},
                      {"status", status},
                      {"role", "assistant"},
                      {"content", std::move(content)}};
}

json::object function_call_item(std::string_view id, std::string_view call_id,
                                std::string_view name, std::string_view arguments,
                                std::string_view status) {
  return json::object{{"type", "function_call"}, {"id", id},
                      {"call_id", call_id},      {"name", name},
                      {"arguments", arguments},  {"status", status}};
}

json::object call_item(std::string_view response_id, std::int64_t index, std::string_view call_id,
                       std::string_view upstream_name, std::string_view arguments,
                       const ToolMap& map, std::string_view status) {
  const ToolOrigin* origin = map.origin(upstream_name);
  if (origin && origin->custom) {
    json::object item{{"type", "custom_tool_call"},
                      {"id", item_id("ctc_", response_id, index)},
                      {"call_id", call_id},
                      {"name", origin->name},
                      {"input", custom_input(arguments)},
                      {"status", status}};
    if (!origin->ns.empty()) item["namespace"] = origin->ns;
    return item;
  }
  json::object item = function_call_item(item_id("fc_", response_id, index), call_id,
                                         origin ? std::string_view(origin->name) : upstream_name,
                                         arguments, status);
  if (origin) item["namespace"] = origin->ns;
  return item;
}

std::string response_of_item(std::string_view id) {
  auto first = id.find('_');
  auto last = id.rfind('_');
  if (first == std::string_view::npos || last <= first + 1 || last + 1 == id.size()) return {};
  for (char c : id.substr(last + 1))
    if (c < '0' || c > '9') return {};
  return "resp_" + std::string(id.substr(first + 1, last - first - 1));
}

json::object response_from_completion(const json::object& completion, const json::object& echo,
                                      std::string_view status, bool sealed_reasoning) {
  std::string_view id = string_or_empty(completion, "id");
  std::string resp_id = id.rfind("resp_", 0) == 0 ? std::string(id) : fast_id("resp_", 24);
  json::array output;
  auto next_id = [&](std::string_view prefix) {
    return item_id(prefix, resp_id, static_cast<std::int64_t>(output.size()));
  };
  AnswerView a = answer_of(completion);
  if (!a.reasoning.empty())
    output.push_back(reasoning_item(next_id("rs_"), a.reasoning, sealed_reasoning,
                                    wants_reasoning_summary(echo)));
  if (!a.text.empty()) output.push_back(message_item(next_id("msg_"), a.text));
  ToolMap map;
  if (auto t = echo.find("tools"); t != echo.end() && !a.calls.empty()) map = ToolMap(t->value());
  for (const auto& call : a.calls)
    output.push_back(call_item(resp_id, static_cast<std::int64_t>(output.size()), call.id,
                               call.name, call.arguments, map));
  std::int64_t created = unix_seconds_now();
  if (auto c = completion.find("created");
      c != completion.end() && c->value().is_int64() && c->value().get_int64() > 0)
    created = c->value().get_int64();
  return response_object(resp_id, string_or_empty(completion, "model"), created, status, a.finish,
                         std::move(output), read_usage(completion), echo);
}

}  // namespace glmgate::responses
