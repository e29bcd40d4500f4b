// The Anthropic converters toward an Anthropic upstream; see upstream_codec.hpp. System and
// developer messages become the top-level system prompt; consecutive tool answers become one user
// message of tool_result blocks (Anthropic wants roles to alternate); reasoning_content goes back
// as a thinking block, which GLM's preserved thinking needs with tool results.
#include "protocols/anthropic/upstream_codec.hpp"

#include <boost/json/serialize.hpp>

#include "canonical/json_checks.hpp"
#include "core/clock.hpp"

namespace glmgate::anthropic {

namespace json = boost::json;

namespace {

json::object image_block(std::string_view url) {
  constexpr std::string_view kData = "data:";
  if (url.rfind(kData, 0) == 0) {
    auto semi = url.find(";base64,");
    if (semi != std::string_view::npos)
      return json::object{{"type", "image"},
                          {"source",
                           {{"type", "base64"},
                            {"media_type", url.substr(kData.size(), semi - kData.size())},
                            {"data", url.substr(semi + 8)}}}};
  }
  return json::object{{"type", "image"}, {"source", {{"type", "url"}, {"url", url}}}};
}

// User content: a string stays a string; parts become text and image blocks.
json::value user_content(const json::value& content) {
  if (!content.is_array()) return content.is_string() ? content : json::value("");
  json::array blocks;
  for (const auto& p : content.get_array()) {
    if (!p.is_object()) continue;
    std::string_view type = string_or_empty(p.get_object(), "type");
    if (type == "text") {
      blocks.push_back(
          json::object{{"type", "text"}, {"text", string_or_empty(p.get_object(), "text")}});
    } else if (type == "image_url") {
      auto iu = p.get_object().find("image_url");
      if (iu != p.get_object().end() && iu->value().is_object())
        blocks.push_back(image_block(string_or_empty(iu->value().get_object(), "url")));
    }
  }
  return blocks;
}

std::string text_of(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (content.is_array())
    for (const auto& p : content.get_array())
      if (p.is_object()) out += string_or_empty(p.get_object(), "text");
  return out;
}

json::array assistant_blocks(const json::object& m) {
  json::array blocks;
  if (auto r = string_or_empty(m, "reasoning_content"); !r.empty())
    blocks.push_back(json::object{{"type", "thinking"}, {"thinking", r}, {"signature", ""}});
  if (auto c = m.find("content"); c != m.end()) {
    std::string text = text_of(c->value());
    if (!text.empty()) blocks.push_back(json::object{{"type", "text"}, {"text", text}});
  }
  for (const auto& call : tool_calls_of(m))
    blocks.push_back(json::object{{"type", "tool_use"},
                                  {"id", call.id},
                                  {"name", call.name},
                                  {"input", arguments_object(call.arguments)}});
  return blocks;
}

// Appends `message`, merging it into the previous one when the role repeats.
void append(json::array& messages, std::string_view role, json::value content) {
  if (!messages.empty() && messages.back().as_object().at("role").as_string() == role) {
    auto& prev = messages.back().as_object()["content"];
    if (prev.is_string()) prev = json::array{json::object{{"type", "text"}, {"text", prev}}};
    if (content.is_string())
      content = json::array{json::object{{"type", "text"}, {"text", content}}};
    for (auto& b : content.as_array())
      prev.as_array().push_back(std::move(b));
    return;
  }
  messages.push_back(json::object{{"role", role}, {"content", std::move(content)}});
}

json::value tool_choice(const json::value& c, bool parallel_off) {
  json::object out;
  if (c.is_string()) {
    std::string_view s = c.get_string();
    out["type"] = s == "required" ? "any" : s == "none" ? "none" : "auto";
  } else if (c.is_object()) {
    auto fn = c.get_object().find("function");
    std::string_view name = fn != c.get_object().end() && fn->value().is_object()
                                ? string_or_empty(fn->value().get_object(), "name")
                                : std::string_view();
    out["type"] = "tool";
    out["name"] = name;
  } else {
    out["type"] = "auto";
  }
  if (parallel_off && out["type"] != "none") out["disable_parallel_tool_use"] = true;
  return out;
}

}  // namespace

json::object encode_request(const json::object& canonical, const std::string& upstream_model,
                            bool stream) {
  json::object out{{"model", upstream_model}};
  std::int64_t max_tokens = 4096;
  if (auto it = canonical.find("max_tokens"); it != canonical.end() && is_json_integer(it->value()))
    max_tokens = json_integer(it->value());
  out["max_tokens"] = max_tokens;
  std::string system;
  json::array messages;
  if (auto it = canonical.find("messages"); it != canonical.end() && it->value().is_array())
    for (const auto& v : it->value().get_array()) {
      if (!v.is_object()) continue;
      const auto& m = v.get_object();
      std::string_view role = string_or_empty(m, "role");
      const json::value content = m.contains("content") ? m.at("content") : json::value();
      if (role == "system" || role == "developer") {
        if (!system.empty()) system += "\n";
        system += text_of(content);
      } else if (role == "assistant") {
        append(messages, "assistant", assistant_blocks(m));
      } else if (role == "tool") {
        append(messages, "user",
               json::array{json::object{{"type", "tool_result"},
                                        {"tool_use_id", string_or_empty(m, "tool_call_id")},
                                        {"content", text_of(content)}}});
      } else {
        append(messages, "user", user_content(content));
      }
    }
  if (!system.empty()) out["system"] = system;
  out["messages"] = std::move(messages);
  if (auto it = canonical.find("tools"); it != canonical.end() && it->value().is_array()) {
    json::array tools;
    for (const auto& t : it->value().get_array()) {
      if (!t.is_object()) continue;
      auto fn = t.get_object().find("function");
      if (fn == t.get_object().end() || !fn->value().is_object()) continue;
      const auto& f = fn->value().get_object();
      json::object tool{{"name", string_or_empty(f, "name")}};
      if (auto d = string_or_empty(f, "description"); !d.empty()) tool["description"] = d;
      auto params = f.find("parameters");
      tool["input_schema"] = params != f.end() && params->value().is_object()
                                 ? params->value()
                                 : json::value(json::object{{"type", "object"}});
      tools.push_back(std::move(tool));
    }
    if (!tools.empty()) {
      out["tools"] = std::move(tools);
      bool parallel_off = canonical.contains("parallel_tool_calls") &&
                          canonical.at("parallel_tool_calls").is_bool() &&
                          !canonical.at("parallel_tool_calls").get_bool();
      auto choice = canonical.find("tool_choice");
      if (choice != canonical.end() || parallel_off)
        out["tool_choice"] =
            tool_choice(choice != canonical.end() ? choice->value() : json::value(), parallel_off);
    }
  }
  if (auto it = canonical.find("temperature"); it != canonical.end() && it->value().is_number())
    out["temperature"] = std::min(1.0, it->value().to_number<double>());  // Anthropic: 0..1
  for (std::string_view key : {"top_p", "top_k"})
    if (auto it = canonical.find(key); it != canonical.end() && it->value().is_number())
      out[key] = it->value();
  if (auto it = canonical.find("stop"); it != canonical.end()) {
    if (it->value().is_string())
      out["stop_sequences"] = json::array{it->value()};
    else if (it->value().is_array() && !it->value().get_array().empty())
      out["stop_sequences"] = it->value();
  }
  if (auto u = string_or_empty(canonical, "user"); !u.empty())
    out["metadata"] = json::object{{"user_id", u}};
  if (auto it = canonical.find("thinking"); it != canonical.end() && it->value().is_object()) {
    std::string_view type = string_or_empty(it->value().get_object(), "type");
    if (type == "enabled" && max_tokens > 1024)
      out["thinking"] = json::object{
          {"type", "enabled"}, {"budget_tokens", std::max<std::int64_t>(1024, max_tokens / 2)}};
    else if (type == "disabled")
      out["thinking"] = json::object{{"type", "disabled"}};
  }
  if (stream) out["stream"] = true;
  return out;
}

std::string_view finish_reason(std::string_view stop) {
  if (stop == "max_tokens") return "length";
  if (stop == "tool_use") return "tool_calls";
  if (stop == "refusal") return "content_filter";
  return "stop";
}

namespace {
std::int64_t int_or_zero(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && is_json_integer(it->value())
             ? std::max<std::int64_t>(0, json_integer(it->value()))
             : 0;
}

json::object canonical_usage(std::int64_t input, std::int64_t cache_read, std::int64_t output) {
  json::object u{{"prompt_tokens", input + cache_read},
                 {"completion_tokens", output},
                 {"total_tokens", input + cache_read + output}};
  if (cache_read) u["prompt_tokens_details"] = json::object{{"cached_tokens", cache_read}};
  return u;
}

}  // namespace

json::object completion_from_message(const json::object& msg) {
  std::string text, reasoning;
  json::array calls;
  if (auto c = msg.find("content"); c != msg.end() && c->value().is_array())
    for (const auto& b : c->value().get_array()) {
      if (!b.is_object()) continue;
      const auto& block = b.get_object();
      std::string_view type = string_or_empty(block, "type");
      if (type == "text") text += string_or_empty(block, "text");
      if (type == "thinking") reasoning += string_or_empty(block, "thinking");
      if (type == "tool_use")
        calls.push_back(json::object{
            {"id", string_or_empty(block, "id")},
            {"type", "function"},
            {"function",
             {{"name", string_or_empty(block, "name")},
              {"arguments",
               block.contains("input") ? json::serialize(block.at("input")) : "{}"}}}});
    }
  json::object message = canonical_assistant(text, reasoning, std::move(calls));
  json::object usage;
  if (auto u = msg.find("usage"); u != msg.end() && u->value().is_object()) {
    const auto& o = u->value().get_object();
    usage = canonical_usage(
        int_or_zero(o, "input_tokens") + int_or_zero(o, "cache_creation_input_tokens"),
        int_or_zero(o, "cache_read_input_tokens"), int_or_zero(o, "output_tokens"));
  }
  return json::object{
      {"id", string_or_empty(msg, "id")},
      {"object", "chat.completion"},
      {"created", unix_seconds_now()},
      {"model", string_or_empty(msg, "model")},
      {"choices", json::array{json::object{
                      {"index", 0},
                      {"message", std::move(message)},
                      {"finish_reason", finish_reason(string_or_empty(msg, "stop_reason"))}}}},
      {"usage", std::move(usage)}};
}

json::object UpstreamStreamDecoder::chunk(json::object delta,
                                          std::optional<std::string_view> finish) {
  return json::object{
      {"id", id_},
      {"object", "chat.completion.chunk"},
      {"created", unix_seconds_now()},
      {"model", model_},
      {"choices", json::array{json::object{
                      {"index", 0},
                      {"delta", std::move(delta)},
                      {"finish_reason", finish ? json::value(*finish) : json::value(nullptr)}}}}};
}

void UpstreamStreamDecoder::feed(std::string_view event, const json::object& data, Output& out) {
  std::string_view type = string_or_empty(data, "type");
  if (type.empty()) type = event;
  if (type == "message_start") {
    if (auto m = data.find("message"); m != data.end() && m->value().is_object()) {
      const auto& msg = m->value().get_object();
      id_ = std::string(string_or_empty(msg, "id"));
      model_ = std::string(string_or_empty(msg, "model"));
      if (auto u = msg.find("usage"); u != msg.end() && u->value().is_object()) {
        const auto& o = u->value().get_object();
        input_tokens_ =
            int_or_zero(o, "input_tokens") + int_or_zero(o, "cache_creation_input_tokens");
        cache_read_ = int_or_zero(o, "cache_read_input_tokens");
      }
    }
    out.chunks.push_back(chunk(json::object{{"role", "assistant"}, {"content", ""}}));
  } else if (type == "content_block_start") {
    std::int64_t index = int_or_zero(data, "index");
    if (tool_of_block_.size() <= static_cast<std::size_t>(index))
      tool_of_block_.resize(static_cast<std::size_t>(index) + 1, -1);
    auto b = data.find("content_block");
    if (b == data.end() || !b->value().is_object()) return;
    const auto& block = b->value().get_object();
    std::string_view kind = string_or_empty(block, "type");
    if (kind == "tool_use") {
      std::int64_t tool = tools_++;
      tool_of_block_[static_cast<std::size_t>(index)] = tool;
      out.chunks.push_back(chunk(json::object{
          {"tool_calls",
           json::array{json::object{
               {"index", tool},
               {"id", string_or_empty(block, "id")},
               {"type", "function"},
               {"function", {{"name", string_or_empty(block, "name")}, {"arguments", ""}}}}}}}));
    } else if (kind == "text" && !string_or_empty(block, "text").empty()) {
      out.chunks.push_back(chunk(json::object{{"content", string_or_empty(block, "text")}}));
    }
  } else if (type == "content_block_delta") {
    auto d = data.find("delta");
    if (d == data.end() || !d->value().is_object()) return;
    const auto& delta = d->value().get_object();
    std::string_view kind = string_or_empty(delta, "type");
    if (kind == "text_delta") {
      out.chunks.push_back(chunk(json::object{{"content", string_or_empty(delta, "text")}}));
    } else if (kind == "thinking_delta") {
      out.chunks.push_back(
          chunk(json::object{{"reasoning_content", string_or_empty(delta, "thinking")}}));
    } else if (kind == "input_json_delta") {
      std::size_t index = static_cast<std::size_t>(int_or_zero(data, "index"));
      if (index >= tool_of_block_.size() || tool_of_block_[index] < 0) return;
      out.chunks.push_back(chunk(json::object{
          {"tool_calls",
           json::array{json::object{
               {"index", tool_of_block_[index]},
               {"function", {{"arguments", string_or_empty(delta, "partial_json")}}}}}}}));
    }
  } else if (type == "message_delta") {
    if (auto u = data.find("usage"); u != data.end() && u->value().is_object()) {
      const auto& o = u->value().get_object();
      output_tokens_ = int_or_zero(o, "output_tokens");
      if (o.contains("input_tokens"))
        input_tokens_ =
            int_or_zero(o, "input_tokens") + int_or_zero(o, "cache_creation_input_tokens");
      if (o.contains("cache_read_input_tokens"))
        cache_read_ = int_or_zero(o, "cache_read_input_tokens");
    }
    if (auto d = data.find("delta"); d != data.end() && d->value().is_object()) {
      std::string_view stop = string_or_empty(d->value().get_object(), "stop_reason");
      if (!stop.empty()) {
        saw_finish_ = true;
        out.chunks.push_back(chunk(json::object(), finish_reason(stop)));
      }
    }
  } else if (type == "message_stop") {
    json::object usage_chunk = chunk(json::object());
    usage_chunk["choices"] = json::array();
    usage_chunk["usage"] = canonical_usage(input_tokens_, cache_read_, output_tokens_);
    out.chunks.push_back(std::move(usage_chunk));
    out.finished = true;
  } else if (type == "error") {
    std::string_view kind, message;
    if (auto e = data.find("error"); e != data.end() && e->value().is_object()) {
      kind = string_or_empty(e->value().get_object(), "type");
      message = string_or_empty(e->value().get_object(), "message");
    }
    std::string text =
        "Upstream failed mid-stream: " + std::string(message.empty() ? kind : message);
    out.error = kind == "overloaded_error"   ? ApiError::unavailable(text, "upstream_overloaded")
                : kind == "rate_limit_error" ? ApiError::rate_limited(text)
                                             : ApiError::upstream(text);
    out.finished = true;
  }
  // ping and unknown events carry nothing for the client.
}

}  // namespace glmgate::anthropic
