// CompletionAccumulator; see completion_accumulator.hpp.
#include "canonical/completion_accumulator.hpp"

#include "canonical/json_checks.hpp"
#include "canonical/usage_json.hpp"

namespace glmgate {

namespace json = boost::json;

void CompletionAccumulator::add(const json::object& chunk) {
  if (id_.empty()) id_ = std::string(string_or_empty(chunk, "id"));
  if (model_.empty()) model_ = std::string(string_or_empty(chunk, "model"));
  if (auto c = chunk.find("created"); c != chunk.end() && c->value().is_int64() && !created_)
    created_ = c->value().get_int64();
  if (auto u = read_usage(chunk)) usage_ = u;
  const json::object* choice = first_choice(chunk);
  if (!choice) return;
  if (auto f = string_or_empty(*choice, "finish_reason"); !f.empty()) finish_ = std::string(f);
  auto d = choice->find("delta");
  if (d == choice->end() || !d->value().is_object()) return;
  const auto& delta = d->value().get_object();
  content_ += string_or_empty(delta, "content");
  reasoning_ += string_or_empty(delta, "reasoning_content");
  for (const auto& call : tool_calls_of(delta)) {
    ToolCall& t = tool_calls_[call.index];
    if (!call.id.empty() && t.id.empty()) t.id = std::string(call.id);
    if (!call.name.empty() && t.name.empty()) t.name = std::string(call.name);
    t.arguments += call.arguments;
  }
}

json::object CompletionAccumulator::completion(const std::optional<Usage>& usage) const {
  json::array calls;
  for (const auto& [index, t] : tool_calls_)
    calls.push_back(json::object{{"id", t.id},
                                 {"type", "function"},
                                 {"function", {{"name", t.name}, {"arguments", t.arguments}}}});
  json::object message = canonical_assistant(content_, reasoning_, std::move(calls));
  json::object out{
      {"id", id_},
      {"object", "chat.completion"},
      {"created", created_},
      {"model", model_},
      {"choices",
       json::array{json::object{
           {"index", 0},
           {"message", std::move(message)},
           {"finish_reason", finish_.empty() ? json::value(nullptr) : json::value(finish_)}}}}};
  std::optional<Usage> u = usage ? usage : usage_;
  if (u) out["usage"] = usage_to_json(*u);
  return out;
}

}  // namespace glmgate
