// Anthropic Messages request decoding; see messages_request.hpp. Blocks map to OpenAI messages:
// a user message's tool_result blocks become `tool` messages placed before its other content (a
// tool answer must follow the assistant's call); an assistant's thinking becomes its
// reasoning_content, which GLM needs back with tool results.
#include "surfaces/anthropic/messages_request.hpp"

#include <boost/json/serialize.hpp>

#include "canonical/json_checks.hpp"
#include "surfaces/anthropic/messages_response.hpp"

namespace glmgate::anthropic {

namespace json = boost::json;

namespace {

using Error = std::optional<ApiError>;

// A string field of a block, required.
Result<std::string_view> string_of(const json::object& o, std::string_view key,
                                   const std::string& field) {
  auto it = o.find(key);
  if (it == o.end()) return missing_field(field + "." + std::string(key));
  if (!it->value().is_string())
    return type_error(field + "." + std::string(key), "a string", it->value());
  return std::string_view(it->value().get_string());
}

// Text of a `system` value or tool_result `content`: a string, or text blocks joined by a newline.
Result<std::string> text_of(const json::value& v, const std::string& field) {
  if (v.is_string()) return std::string(v.get_string());
  if (!v.is_array()) return type_error(field, "a string or an array of content blocks", v);
  std::string out;
  const auto& blocks = v.get_array();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    std::string bf = indexed(field, i);
    if (!blocks[i].is_object()) return type_error(bf, "an object", blocks[i]);
    const auto& b = blocks[i].get_object();
    auto type = string_of(b, "type", bf);
    if (!type) return type.error();
    if (*type != "text") continue;  // images in tool results have no text form upstream
    auto text = string_of(b, "text", bf);
    if (!text) return text.error();
    if (!out.empty()) out += "\n";
    out += *text;
  }
  return out;
}

// An image block as an OpenAI image_url part (data URL or URL).
Result<json::object> image_part(const json::object& block, const std::string& field) {
  auto src = block.find("source");
  if (src == block.end() || !src->value().is_object()) return missing_field(field + ".source");
  const auto& s = src->value().get_object();
  auto type = string_of(s, "type", field + ".source");
  if (!type) return type.error();
  std::string url;
  if (*type == "base64") {
    auto media = string_of(s, "media_type", field + ".source");
    if (!media) return media.error();
    auto data = string_of(s, "data", field + ".source");
    if (!data) return data.error();
    url = "data:" + std::string(*media) + ";base64," + std::string(*data);
  } else if (*type == "url") {
    auto u = string_of(s, "url", field + ".source");
    if (!u) return u.error();
    url = std::string(*u);
  } else {
    return ApiError::invalid_request("Unsupported image source type '" + std::string(*type) + "'.",
                                     field + ".source.type", "invalid_value");
  }
  return json::object{{"type", "image_url"}, {"image_url", {{"url", url}}}};
}

class Decoder {
 public:
  Decoder(const json::object& in, json::object& out, bool require_max_tokens)
      : in_(in), out_(out), require_max_tokens_(require_max_tokens) {}

  Error run() {
    if (auto e = model()) return e;
    if (auto e = max_tokens()) return e;
    auto& messages = out_["messages"].emplace_array();
    if (auto e = system(messages)) return e;
    if (auto e = conversation(messages)) return e;
    if (auto e = tools()) return e;
    if (auto e = tool_choice()) return e;
    if (auto e = sampling()) return e;
    if (auto e = thinking()) return e;
    if (auto e = output_config()) return e;
    return std::nullopt;
  }

  // thinking.display was "omitted".
  bool omit_reasoning() const { return omit_reasoning_; }

 private:
  Error model() {
    auto it = in_.find("model");
    if (it == in_.end()) return missing_field("model");
    if (!it->value().is_string()) return type_error("model", "a string", it->value());
    out_["model"] = it->value().get_string();
    return std::nullopt;
  }

  Error max_tokens() {
    auto it = in_.find("max_tokens");
    if (it == in_.end() && !require_max_tokens_) return std::nullopt;
    if (it == in_.end()) return missing_field("max_tokens");
    auto bound = token_bound(it->value(), "max_tokens");
    if (!bound) return bound.error();
    out_["max_tokens"] = *bound;
    return std::nullopt;
  }

  Error system(json::array& messages) {
    auto it = in_.find("system");
    if (it == in_.end() || it->value().is_null()) return std::nullopt;
    auto text = text_of(it->value(), "system");
    if (!text) return text.error();
    if (!text->empty()) messages.push_back(json::object{{"role", "system"}, {"content", *text}});
    return std::nullopt;
  }

  Error conversation(json::array& messages) {
    auto it = in_.find("messages");
    if (it == in_.end()) return missing_field("messages");
    if (!it->value().is_array()) return type_error("messages", "an array", it->value());
    const auto& list = it->value().get_array();
    if (list.empty())
      return ApiError::invalid_request("messages: at least one message is required", "messages",
                                       "invalid_value");
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string mf = indexed("messages", i);
      if (!list[i].is_object()) return type_error(mf, "an object", list[i]);
      const auto& m = list[i].get_object();
      auto role = string_of(m, "role", mf);
      if (!role) return role.error();
      if (*role != "user" && *role != "assistant" && *role != "system")
        return ApiError::invalid_request(
            mf + ".role: Input should be 'user', 'assistant' or 'system'", mf + ".role",
            "invalid_value");
      auto content = m.find("content");
      if (content == m.end()) return missing_field(mf + ".content");
      Error e = *role == "user"        ? user(content->value(), mf + ".content", messages)
                : *role == "assistant" ? assistant(content->value(), mf + ".content", messages)
                                       : system_entry(content->value(), mf + ".content", messages);
      if (e) return e;
    }
    return std::nullopt;
  }

  // A system entry inside `messages` (Claude Code sends one after the first user message) stays a
  // system message at its place: GLM and OpenAI-compatible servers take them anywhere.
  Error system_entry(const json::value& content, const std::string& field, json::array& messages) {
    auto text = text_of(content, field);
    if (!text) return text.error();
    if (!text->empty()) messages.push_back(json::object{{"role", "system"}, {"content", *text}});
    return std::nullopt;
  }

  Error user(const json::value& content, const std::string& field, json::array& messages) {
    if (content.is_string()) {
      messages.push_back(json::object{{"role", "user"}, {"content", content.get_string()}});
      return std::nullopt;
    }
    if (!content.is_array())
      return type_error(field, "a string or an array of content blocks", content);
    json::array parts;
    bool has_image = false;
    for (std::size_t i = 0; i < content.get_array().size(); ++i) {
      const auto& v = content.get_array()[i];
      std::string bf = indexed(field, i);
      if (!v.is_object()) return type_error(bf, "an object", v);
      const auto& b = v.get_object();
      auto type = string_of(b, "type", bf);
      if (!type) return type.error();
      if (*type == "text") {
        auto text = string_of(b, "text", bf);
        if (!text) return text.error();
        parts.push_back(json::object{{"type", "text"}, {"text", *text}});
      } else if (*type == "image") {
        auto part = image_part(b, bf);
        if (!part) return part.error();
        parts.push_back(std::move(*part));
        has_image = true;
      } else if (*type == "tool_result") {
        auto id = string_of(b, "tool_use_id", bf);
        if (!id) return id.error();
        std::string text;
        if (auto c = b.find("content"); c != b.end() && !c->value().is_null()) {
          auto t = text_of(c->value(), bf + ".content");
          if (!t) return t.error();
          text = std::move(*t);
        }
        if (auto err = b.find("is_error");
            err != b.end() && err->value().is_bool() && err->value().get_bool())
          text = "Error: " + text;  // OpenAI tool messages have no error flag
        messages.push_back(
            json::object{{"role", "tool"}, {"tool_call_id", *id}, {"content", text}});
      } else if (*type == "document" || *type == "search_result") {
        return ApiError::unsupported_parameter(
            "Content blocks of type '" + std::string(*type) + "' are not supported.", bf + ".type");
      }
      // Other blocks (cache_control markers, redacted thinking) have no canonical form.
    }
    if (parts.empty()) return std::nullopt;
    if (!has_image) {
      std::string joined;
      for (const auto& p : parts) {
        if (!joined.empty()) joined += "\n";
        joined += p.at("text").get_string();
      }
      messages.push_back(json::object{{"role", "user"}, {"content", joined}});
    } else {
      messages.push_back(json::object{{"role", "user"}, {"content", std::move(parts)}});
    }
    return std::nullopt;
  }

  Error assistant(const json::value& content, const std::string& field, json::array& messages) {
    if (content.is_string()) {
      messages.push_back(json::object{{"role", "assistant"}, {"content", content.get_string()}});
      return std::nullopt;
    }
    if (!content.is_array())
      return type_error(field, "a string or an array of content blocks", content);
    std::string text, reasoning;
    json::array calls;
    for (std::size_t i = 0; i < content.get_array().size(); ++i) {
      const auto& v = content.get_array()[i];
      std::string bf = indexed(field, i);
      if (!v.is_object()) return type_error(bf, "an object", v);
      const auto& b = v.get_object();
      auto type = string_of(b, "type", bf);
      if (!type) return type.error();
      if (*type == "text") {
        auto t = string_of(b, "text", bf);
        if (!t) return t.error();
        text += *t;
      } else if (*type == "thinking") {
        auto t = string_of(b, "thinking", bf);
        if (!t) return t.error();
        // Under display "omitted" the text came back in the signature (see messages_response).
        reasoning += t->empty() ? reasoning_of_signature(string_or_empty(b, "signature")) : *t;
      } else if (*type == "tool_use") {
        auto id = string_of(b, "id", bf);
        if (!id) return id.error();
        auto name = string_of(b, "name", bf);
        if (!name) return name.error();
        auto input = b.find("input");
        if (input != b.end() && !input->value().is_object())
          return type_error(bf + ".input", "an object", input->value());
        std::string args = input == b.end() ? "{}" : json::serialize(input->value());
        calls.push_back(json::object{{"id", *id},
                                     {"type", "function"},
                                     {"function", {{"name", *name}, {"arguments", args}}}});
      }
    }
    messages.push_back(canonical_assistant(text, reasoning, std::move(calls)));
    return std::nullopt;
  }

  // Server tools (web_search_*, code_execution_*, bash_*, text_editor_*, computer_*, web_fetch_*,
  // memory_*, tool_search_*, mcp_toolset...) run at Anthropic, which glmgate is not: they are
  // skipped, as the custom tools beside them go through. A tool with a `type` other than
  // "custom" is a server tool.
  Error tools() {
    json::array out;
    bool skipped = false;
    auto e = each_object(in_, "tools", [&](const json::object& t, const std::string& tf) -> Error {
      if (auto type = t.find("type"); type != t.end() && !type->value().is_null()) {
        if (!type->value().is_string()) return type_error(tf + ".type", "a string", type->value());
        if (type->value().get_string() != "custom") {
          skipped = true;
          return std::nullopt;
        }
      }
      auto name = string_of(t, "name", tf);
      if (!name) return name.error();
      auto schema = t.find("input_schema");
      if (schema == t.end()) return missing_field(tf + ".input_schema");
      if (!schema->value().is_object())
        return type_error(tf + ".input_schema", "an object", schema->value());
      json::object fn{{"name", *name}, {"parameters", schema->value()}};
      if (auto d = t.find("description"); d != t.end() && d->value().is_string())
        fn["description"] = d->value();
      out.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
      return std::nullopt;
    });
    if (e) return e;
    if (!out.empty()) out_["tools"] = std::move(out);
    only_server_tools_ = skipped && !out_.contains("tools");
    return std::nullopt;
  }

  Error tool_choice() {
    auto it = in_.find("tool_choice");
    if (it == in_.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_object()) return type_error("tool_choice", "an object", it->value());
    const auto& c = it->value().get_object();
    auto type = string_of(c, "type", "tool_choice");
    if (!type) return type.error();
    if (only_server_tools_) return std::nullopt;  // no tool left to choose
    if (*type == "auto") {
      out_["tool_choice"] = "auto";
    } else if (*type == "any") {
      out_["tool_choice"] = "required";
    } else if (*type == "none") {
      out_["tool_choice"] = "none";
    } else if (*type == "tool") {
      auto name = string_of(c, "name", "tool_choice");
      if (!name) return name.error();
      out_["tool_choice"] = json::object{{"type", "function"}, {"function", {{"name", *name}}}};
    } else {
      return ApiError::invalid_request(
          "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", "tool_choice.type",
          "invalid_value");
    }
    if (auto p = c.find("disable_parallel_tool_use");
        p != c.end() && p->value().is_bool() && p->value().get_bool())
      out_["parallel_tool_calls"] = false;
    return std::nullopt;
  }

  Error sampling() {
    for (std::string_view key : {"temperature", "top_p"}) {
      auto it = in_.find(key);
      if (it == in_.end() || it->value().is_null()) continue;
      if (!it->value().is_number()) return type_error(std::string(key), "a number", it->value());
      double v = it->value().to_number<double>();
      if (v < 0 || v > 1)
        return ApiError::invalid_request(std::string(key) + ": must be between 0 and 1",
                                         std::string(key), "invalid_value");
      out_[key] = it->value();
    }
    if (auto it = in_.find("top_k"); it != in_.end() && !it->value().is_null()) {
      if (!is_json_integer(it->value())) return type_error("top_k", "an integer", it->value());
      out_["top_k"] = json_integer(it->value());
    }
    if (auto it = in_.find("stop_sequences"); it != in_.end() && !it->value().is_null()) {
      if (!it->value().is_array())
        return type_error("stop_sequences", "an array of strings", it->value());
      for (const auto& s : it->value().get_array())
        if (!s.is_string()) return type_error("stop_sequences", "an array of strings", it->value());
      if (!it->value().get_array().empty()) out_["stop"] = it->value();
    }
    if (auto it = in_.find("stream"); it != in_.end() && !it->value().is_null()) {
      if (!it->value().is_bool()) return type_error("stream", "a boolean", it->value());
      out_["stream"] = it->value().get_bool();
    }
    if (auto it = in_.find("metadata"); it != in_.end() && !it->value().is_null()) {
      if (!it->value().is_object()) return type_error("metadata", "an object", it->value());
      if (auto u = it->value().get_object().find("user_id");
          u != it->value().get_object().end() && u->value().is_string())
        out_["user"] = u->value();
    }
    return std::nullopt;
  }

  // Anthropic's thinking switches GLM's thinking: "enabled" (its budget has no GLM equivalent),
  // "adaptive" (the model decides how much; Claude Code sends it) and "between_tools" turn it on.
  // display "omitted" asks for thinking blocks without their text.
  Error thinking() {
    auto it = in_.find("thinking");
    if (it == in_.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_object()) return type_error("thinking", "an object", it->value());
    const auto& t = it->value().get_object();
    auto type = string_of(t, "type", "thinking");
    if (!type) return type.error();
    if (*type != "enabled" && *type != "disabled" && *type != "adaptive" &&
        *type != "between_tools")
      return ApiError::invalid_request(
          "thinking.type: Input should be 'enabled', 'disabled', 'adaptive' or 'between_tools'",
          "thinking.type", "invalid_value");
    if (auto d = t.find("display"); d != t.end() && !d->value().is_null()) {
      if (!d->value().is_string()) return type_error("thinking.display", "a string", d->value());
      omit_reasoning_ = d->value().get_string() == "omitted";
    }
    out_["thinking"] = json::object{{"type", *type == "disabled" ? "disabled" : "enabled"}};
    return std::nullopt;
  }

  // output_config.format (structured outputs) becomes response_format; output_config.effort has
  // no GLM equivalent and is not forwarded (an OpenAI-compatible server may refuse an unknown
  // reasoning_effort).
  Error output_config() {
    auto it = in_.find("output_config");
    if (it == in_.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_object()) return type_error("output_config", "an object", it->value());
    auto f = it->value().get_object().find("format");
    if (f == it->value().get_object().end() || f->value().is_null()) return std::nullopt;
    if (!f->value().is_object()) return type_error("output_config.format", "an object", f->value());
    const auto& format = f->value().get_object();
    auto type = string_of(format, "type", "output_config.format");
    if (!type) return type.error();
    if (*type != "json_schema")
      return ApiError::invalid_request("output_config.format.type: Input should be 'json_schema'",
                                       "output_config.format.type", "invalid_value");
    auto schema = format.find("schema");
    if (schema == format.end()) return missing_field("output_config.format.schema");
    if (!schema->value().is_object())
      return type_error("output_config.format.schema", "an object", schema->value());
    out_["response_format"] =
        json::object{{"type", "json_schema"},
                     {"json_schema", {{"name", "response"}, {"schema", schema->value()}}}};
    return std::nullopt;
  }

  const json::object& in_;
  json::object& out_;
  bool require_max_tokens_;
  bool omit_reasoning_ = false;
  bool only_server_tools_ = false;  // tools were given, all of them server tools
};

}  // namespace

Result<CanonicalRequest> decode_messages_request(std::string_view text, json::storage_ptr storage,
                                                 bool require_max_tokens) {
  json::value parsed(storage);
  if (auto e = parse_body_object(text, parsed)) return *e;
  CanonicalRequest req{json::object(storage)};
  Decoder decoder(parsed.get_object(), req.body, require_max_tokens);
  if (auto e = decoder.run()) return *e;
  req.omit_reasoning = decoder.omit_reasoning();
  req.model = std::string(req.body.at("model").get_string());
  if (auto it = req.body.find("stream"); it != req.body.end()) req.stream = it->value().get_bool();
  return req;
}

}  // namespace glmgate::anthropic
