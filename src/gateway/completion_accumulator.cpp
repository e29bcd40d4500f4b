// CompletionAccumulator; see completion_accumulator.hpp.
#include "gateway/completion_accumulator.hpp"

#include "gateway/usage.hpp"
#include "surfaces/json_checks.hpp"

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
  auto calls = delta.find("tool_calls");
  if (calls == delta.end() || !calls->value().is_array()) return;
  std::int64_t position = 0;
  for (const auto& c : calls->value().get_array()) {
    if (!c.is_object()) continue;
    const auto& call = c.get_object();
    std::int64_t index = position++;
    if (auto i = call.find("index"); i != call.end() && i->value().is_int64())
      index = i->value().get_int64();
    ToolCall& t = tool_calls_[index];
    if (auto id = string_or_empty(call, "id"); !id.empty() && t.id.empty()) t.id = std::string(id);
    if (auto f = call.find("function"); f != call.end() && f->value().is_object()) {
      const auto& fn = f->value().get_object();
      if (auto n = string_or_empty(fn, "name"); !n.empty() && t.name.empty())
        t.name = std::string(n);
      t.arguments += string_or_empty(fn, "arguments");
    }
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
